import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { AppError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { alertMessage } from "../../shared/alerts.js";
import { AccountStatus } from "../../shared/identity.js";
import { ProblemType } from "../../shared/problem-types.js";
import { CloseCode } from "../../shared/protocol.js";
import { type RobotState, RobotState as State, sessionState, unresponsiveAfterSeconds } from "../../shared/robot.js";
import type { Db } from "../../storage/database.js";
import type { MachineRow, RobotSessionRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { AlertService } from "../alerts/alert-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type ServiceContext, uniqueOrConflict } from "../context.js";
import { hashToken, newToken } from "../identity/secrets.js";
import type { MaintenanceService } from "../maintenance/maintenance-service.js";
import { HeartbeatBatch } from "./heartbeat-batch.js";
import type { RobotHub } from "./robot-hub.js";

export interface RobotSession {
  id: number;
  state: RobotState;
  hostName: string;
  os: string;
  agentVersion: string;
  connectedAt: string;
  lastHeartbeatAt: string;
  disconnectedAt: string | null;
  disconnectReason: string | null;
}

export interface Machine {
  id: number;
  name: string;
  description: string | null;
  slots: number;
  folderIds: number[];
  keyHint: string;
  /** The machine's overall state: its best live session, else disconnected. */
  state: RobotState;
  sessions: RobotSession[];
  createdAt: string;
  updatedAt: string;
}

export interface MachineInput {
  name: string;
  description?: string | null | undefined;
  slots: number;
  folderIds: number[];
}

/** What a robot connection is bound to once its key checked out. */
export interface AuthenticatedMachine {
  machine: MachineRow;
  orgId: number;
}

const statePriority: Record<RobotState, number> = { busy: 4, available: 3, unresponsive: 2, disconnected: 1 };

/**
 * Machines of a tenant (robot keys, runtime slots, folders) and the sessions of the agents that
 * connect with their keys. Keys are stored hashed and shown once, at creation or regeneration.
 */
export class MachineService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly maintenance: MaintenanceService,
    private readonly hub: RobotHub,
    private readonly alerts: AlertService,
  ) {
    this.heartbeats = new HeartbeatBatch(ctx);
  }

  private readonly heartbeats: HeartbeatBatch;

  async list(access: TenantAccess): Promise<Machine[]> {
    access.assertTenant("machines.view");
    const machines = await this.ctx.db
      .selectFrom("machines")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .orderBy("name")
      .execute();
    return this.present(machines);
  }

  async get(access: TenantAccess, id: number): Promise<Machine> {
    access.assertTenant("machines.view");
    const [machine] = await this.present([await this.find(this.ctx.db, access.tenantId, id)]);
    return machine as Machine;
  }

  /** Creates a machine; the answer carries its key, which is never shown again. */
  async create(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    input: MachineInput,
  ): Promise<Machine & { key: string }> {
    access.assertTenant("machines.create");
    const key = newToken("machine");
    const machine = await this.unique(input.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        await this.assertFolders(tx, access.tenantId, input.folderIds);
        const now = isoNow(this.ctx.clock);
        const row = await tx
          .insertInto("machines")
          .values({
            tenant_id: access.tenantId,
            name: input.name.trim(),
            description: input.description?.trim() || null,
            slots: input.slots,
            key_hash: hashToken(key),
            key_hint: key.slice(-4),
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.setFolders(tx, row.id, input.folderIds);
        const [machine] = await this.present([row], tx);
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.machines,
          action: AuditAction.create,
          target: { type: "machine", id: row.id, name: row.name },
          after: { name: row.name, slots: row.slots, folderIds: input.folderIds },
        });
        return machine as Machine;
      }),
    );
    return { ...machine, key };
  }

  async update(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
    changes: Partial<MachineInput>,
  ): Promise<Machine> {
    access.assertTenant("machines.edit");
    return this.unique(changes.name ?? "", () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const before = await this.find(tx, access.tenantId, id);
        const [beforeView] = await this.present([before], tx);
        if (changes.folderIds) await this.assertFolders(tx, access.tenantId, changes.folderIds);
        const row = await tx
          .updateTable("machines")
          .set({
            ...(changes.name !== undefined && { name: changes.name.trim() }),
            ...(changes.description !== undefined && { description: changes.description?.trim() || null }),
            ...(changes.slots !== undefined && { slots: changes.slots }),
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        if (changes.folderIds) await this.setFolders(tx, id, changes.folderIds);
        const [after] = await this.present([row], tx);
        const pick = (m: Machine | undefined) => ({
          name: m?.name,
          description: m?.description,
          slots: m?.slots,
          folderIds: m?.folderIds,
        });
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.machines,
          action: AuditAction.update,
          target: { type: "machine", id, name: row.name },
          ...diffFields(pick(beforeView), pick(after)),
        });
        return after as Machine;
      }),
    );
  }

  /** Deletes a machine; its robots on this node are disconnected and cannot come back. */
  async delete(actor: Actor, orgId: number, access: TenantAccess, id: number): Promise<void> {
    access.assertTenant("machines.delete");
    await this.ctx.db.transaction().execute(async (tx) => {
      const machine = await this.find(tx, access.tenantId, id);
      await tx.deleteFrom("machines").where("id", "=", id).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.machines,
        action: AuditAction.delete,
        target: { type: "machine", id, name: machine.name },
        before: { name: machine.name, slots: machine.slots },
      });
    });
    this.hub.disconnectMachine(id, CloseCode.keyRevoked, "The machine was deleted.", false);
  }

  /** Replaces the machine key; agents using the old key are disconnected and refused from now on. */
  async regenerateKey(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
  ): Promise<Machine & { key: string }> {
    access.assertTenant("machines.edit");
    const key = newToken("machine");
    const machine = await this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, access.tenantId, id);
      const row = await tx
        .updateTable("machines")
        .set({ key_hash: hashToken(key), key_hint: key.slice(-4), updated_at: isoNow(this.ctx.clock) })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.machines,
        action: AuditAction.regenerateKey,
        target: { type: "machine", id, name: before.name },
      });
      const [m] = await this.present([row], tx);
      return m as Machine;
    });
    this.hub.disconnectMachine(id, CloseCode.keyRevoked, "The machine key was regenerated.", false);
    return { ...machine, key };
  }

  /**
   * Checks a presented machine key before the WebSocket upgrade: a known key of an active
   * tenant and organization, no suspension by maintenance, and free licensed slots.
   */
  async authenticate(
    key: string,
    options: { checkSlots: boolean } = { checkSlots: true },
  ): Promise<AuthenticatedMachine> {
    const row = await this.ctx.db
      .selectFrom("machines as m")
      .innerJoin("tenants as t", "t.id", "m.tenant_id")
      .innerJoin("organizations as o", "o.id", "t.org_id")
      .selectAll("m")
      .select(["t.status as tenant_status", "o.status as org_status", "o.id as org_id"])
      .where("m.key_hash", "=", hashToken(key))
      .executeTakeFirst();
    if (!row)
      throw new AppError(
        401,
        ProblemType.authenticationRequired,
        "Unknown machine key",
        "The machine key is not valid (revoked or mistyped).",
      );
    if (row.tenant_status !== AccountStatus.active || row.org_status !== AccountStatus.active) {
      throw new AppError(
        403,
        ProblemType.tenantDisabled,
        "Tenant disabled",
        "The machine's tenant or organization is disabled.",
      );
    }
    if ((await this.maintenance.phaseFor(row.tenant_id)) === "suspended") {
      throw new AppError(
        503,
        ProblemType.maintenance,
        "Under maintenance",
        "The tenant is suspended for maintenance; robots cannot connect.",
        { scope: "tenant" },
      );
    }
    const { tenant_status: _t, org_status: _o, org_id, ...machine } = row;
    if (options.checkSlots) await this.assertLicensedSlots(machine);
    return { machine, orgId: org_id };
  }

  /** Whether the machine still exists in an active tenant of an active organization. */
  async stillAdmitted(machineId: number): Promise<boolean> {
    const row = await this.ctx.db
      .selectFrom("machines as m")
      .innerJoin("tenants as t", "t.id", "m.tenant_id")
      .innerJoin("organizations as o", "o.id", "t.org_id")
      .select(["t.status as tenant_status", "o.status as org_status"])
      .where("m.id", "=", machineId)
      .executeTakeFirst();
    return row?.tenant_status === AccountStatus.active && row.org_status === AccountStatus.active;
  }

  /** Records a new live session of the machine on this node. */
  async openSession(
    machine: MachineRow,
    nodeId: string,
    info: { hostName: string; os: string; agentVersion: string },
  ): Promise<number> {
    const now = isoNow(this.ctx.clock);
    return this.ctx.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto("robot_sessions")
        .values({
          tenant_id: machine.tenant_id,
          machine_id: machine.id,
          node_id: nodeId,
          host_name: info.hostName,
          os: info.os,
          agent_version: info.agentVersion,
          state: State.available,
          connected_at: now,
          last_heartbeat_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const session = { id: row.id, tenant_id: machine.tenant_id, machine_id: machine.id, host_name: info.hostName };
      await this.ctx.events?.emit(tx, { type: "robot.connected", session });
      return row.id;
    });
  }

  /** Notes the heartbeat; `flushHeartbeats` writes it with every other session's (see HeartbeatBatch). */
  heartbeat(sessionId: number, busy: boolean): void {
    this.heartbeats.record(sessionId, busy);
  }

  /** Writes the heartbeats noted since the last flush, all sessions in one statement. */
  flushHeartbeats(): Promise<number> {
    return this.heartbeats.flush();
  }

  async closeSession(sessionId: number, reason: string): Promise<void> {
    this.heartbeats.forget(sessionId);
    const now = isoNow(this.ctx.clock);
    await this.ctx.db.transaction().execute(async (tx) => {
      const closed = await tx
        .updateTable("robot_sessions")
        .set({ state: State.disconnected, disconnected_at: now, disconnect_reason: reason.slice(0, 500) })
        .where("id", "=", sessionId)
        .where("disconnected_at", "is", null)
        .returning(["tenant_id", "machine_id", "host_name"])
        .executeTakeFirst();
      if (closed) await this.alertRobot(tx, closed, "robot-disconnected", "warn", reason.slice(0, 200));
      if (closed)
        await this.ctx.events?.emit(tx, { type: "robot.disconnected", session: { ...closed, id: sessionId, reason } });
    });
  }

  /** Raises one "unresponsive" alert per session that stopped heartbeating for 120 s. */
  async alertUnresponsive(): Promise<number> {
    const cutoff = new Date(this.ctx.clock.now().getTime() - unresponsiveAfterSeconds * 1000).toISOString();
    const silent = await this.ctx.db
      .updateTable("robot_sessions")
      .set({ unresponsive_alerted_at: isoNow(this.ctx.clock) })
      .where("disconnected_at", "is", null)
      .where("unresponsive_alerted_at", "is", null)
      .where("last_heartbeat_at", "<", cutoff)
      .returning(["tenant_id", "machine_id", "host_name"])
      .execute();
    for (const s of silent) await this.alertRobot(this.ctx.db, s, "robot-unresponsive", "error", null);
    return silent.length;
  }

  private async alertRobot(
    db: Db,
    s: { tenant_id: number; machine_id: number; host_name: string },
    kind: "robot-disconnected" | "robot-unresponsive",
    severity: "warn" | "error",
    reason: string | null,
  ): Promise<void> {
    const machine = await db.selectFrom("machines").select("name").where("id", "=", s.machine_id).executeTakeFirst();
    const details = { machineName: machine?.name ?? String(s.machine_id), hostName: s.host_name, reason };
    await this.alerts.raise(db, {
      tenant_id: s.tenant_id,
      folder_id: null,
      severity,
      component: "robots",
      kind,
      message: alertMessage(kind, details, "en") ?? kind,
      link: `/machines/${s.machine_id}`,
      details,
    });
  }

  /** Closes the sessions a node still holds as it shuts down (their sockets may close after its storage). */
  async closeNodeSessions(nodeId: string, reason: string): Promise<void> {
    await this.ctx.db
      .updateTable("robot_sessions")
      .set({ state: State.disconnected, disconnected_at: isoNow(this.ctx.clock), disconnect_reason: reason })
      .where("node_id", "=", nodeId)
      .where("disconnected_at", "is", null)
      .execute();
  }

  /**
   * Closes sessions nobody holds any more: silent for `silentSeconds` (their node died or the
   * network is gone for good). Unresponsive sessions stay open until then, so a robot that
   * comes back resumes its session.
   */
  /**
   * Deletes sessions closed more than `keepDays` ago, keeping each machine's latest one ("last
   * seen") and those a job still names.
   */
  async pruneClosedSessions(keepDays: number): Promise<number> {
    const cutoff = new Date(this.ctx.clock.now().getTime() - keepDays * 86_400_000).toISOString();
    const result = await this.ctx.db
      .deleteFrom("robot_sessions")
      .where("disconnected_at", "<", cutoff)
      .where("id", "not in", (eb) =>
        eb
          .selectFrom("robot_sessions as latest")
          .select((e) => e.fn.max("latest.id").as("id"))
          .groupBy("latest.machine_id"),
      )
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom("jobs").select("jobs.id").whereRef("jobs.session_id", "=", "robot_sessions.id"))),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async sweepStaleSessions(silentSeconds: number): Promise<number> {
    const cutoff = new Date(this.ctx.clock.now().getTime() - silentSeconds * 1000).toISOString();
    const result = await this.ctx.db
      .updateTable("robot_sessions")
      .set({
        state: State.disconnected,
        disconnected_at: isoNow(this.ctx.clock),
        disconnect_reason: "No heartbeat; the connection was lost.",
      })
      .where("disconnected_at", "is", null)
      .where("last_heartbeat_at", "<", cutoff)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** A tenant with a license allocation may not connect more machines' slots than it was given. */
  private async assertLicensedSlots(machine: MachineRow): Promise<void> {
    const license = await this.ctx.db
      .selectFrom("tenant_licenses")
      .selectAll()
      .where("tenant_id", "=", machine.tenant_id)
      .executeTakeFirst();
    if (!license) return;
    if (license.expires_at && license.expires_at <= isoNow(this.ctx.clock)) {
      throw new AppError(
        403,
        ProblemType.licenseExceeded,
        "License expired",
        "The tenant's license has expired; robots cannot connect.",
      );
    }
    const connected = await this.ctx.db
      .selectFrom("machines as m")
      .select(["m.id", "m.slots"])
      .where("m.tenant_id", "=", machine.tenant_id)
      .where("m.id", "!=", machine.id)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("robot_sessions as s")
            .select("s.id")
            .whereRef("s.machine_id", "=", "m.id")
            .where("s.disconnected_at", "is", null),
        ),
      )
      .execute();
    const used = connected.reduce((sum, m) => sum + m.slots, 0);
    if (used + machine.slots > license.robot_slots) {
      throw new AppError(
        403,
        ProblemType.licenseExceeded,
        "Not enough licensed slots",
        `The tenant is licensed for ${license.robot_slots} robot slots; ${used} are in use and this machine needs ${machine.slots}.`,
      );
    }
  }

  private async assertFolders(db: Db, tenantId: number, folderIds: number[]): Promise<void> {
    if (folderIds.length === 0) return;
    const found = await db
      .selectFrom("folders")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .where("id", "in", folderIds)
      .execute();
    const errors = folderIds.flatMap((id, i) =>
      found.some((f) => f.id === id) ? [] : [{ path: `folderIds.${i}`, message: "is not a folder of this tenant" }],
    );
    if (errors.length > 0) throw new ValidationError(errors);
  }

  private async setFolders(db: Db, machineId: number, folderIds: number[]): Promise<void> {
    await db.deleteFrom("machine_folders").where("machine_id", "=", machineId).execute();
    const unique = [...new Set(folderIds)];
    if (unique.length > 0) {
      await db
        .insertInto("machine_folders")
        .values(unique.map((folder_id) => ({ machine_id: machineId, folder_id })))
        .execute();
    }
  }

  private async find(db: Db, tenantId: number, id: number): Promise<MachineRow> {
    const row = await db
      .selectFrom("machines")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError("The machine");
    return row;
  }

  private async present(machines: MachineRow[], db: Db = this.ctx.db): Promise<Machine[]> {
    if (machines.length === 0) return [];
    const ids = machines.map((m) => m.id);
    const [folders, live, latest] = await Promise.all([
      db.selectFrom("machine_folders").selectAll().where("machine_id", "in", ids).execute(),
      // Every live session of each machine, however busy the others are...
      db
        .selectFrom("robot_sessions")
        .selectAll()
        .where("machine_id", "in", ids)
        .where("disconnected_at", "is", null)
        .execute(),
      // ...and each machine's latest session, for "last seen" when none is live.
      db
        .selectFrom("robot_sessions")
        .selectAll()
        .where("id", "in", (eb) =>
          eb
            .selectFrom("robot_sessions")
            .select((e) => e.fn.max("id").as("id"))
            .where("machine_id", "in", ids)
            .groupBy("machine_id"),
        )
        .execute(),
    ]);
    const sessions = [...live, ...latest.filter((s) => s.disconnected_at !== null)].sort((a, b) => b.id - a.id);
    const now = this.ctx.clock.now();
    return machines.map((m) => {
      const own = sessions.filter((s) => s.machine_id === m.id);
      const live = own.filter((s) => s.disconnected_at === null);
      const shown = live.length > 0 ? live : own.slice(0, 1);
      const views = shown.map((s) => presentSession(s, now));
      const state = views.reduce<RobotState>(
        (best, s) => (statePriority[s.state] > statePriority[best] ? s.state : best),
        State.disconnected,
      );
      return {
        id: m.id,
        name: m.name,
        description: m.description,
        slots: m.slots,
        folderIds: folders.filter((f) => f.machine_id === m.id).map((f) => f.folder_id),
        keyHint: m.key_hint,
        state,
        sessions: views,
        createdAt: m.created_at,
        updatedAt: m.updated_at,
      };
    });
  }

  private unique<T>(name: string, work: () => Promise<T>): Promise<T> {
    return uniqueOrConflict(this.ctx, work, `A machine named "${name.trim()}" already exists in this tenant.`);
  }
}

function presentSession(s: RobotSessionRow, now: Date): RobotSession {
  return {
    id: s.id,
    state: sessionState(s.state, s.last_heartbeat_at, now),
    hostName: s.host_name,
    os: s.os,
    agentVersion: s.agent_version,
    connectedAt: s.connected_at,
    lastHeartbeatAt: s.last_heartbeat_at,
    disconnectedAt: s.disconnected_at,
    disconnectReason: s.disconnect_reason,
  };
}
