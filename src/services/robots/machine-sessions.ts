import { AppError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { alertMessage } from "../../shared/alerts.js";
import { AccountStatus } from "../../shared/identity.js";
import { ProblemType } from "../../shared/problem-types.js";
import { RobotState as State, unresponsiveAfterSeconds } from "../../shared/robot.js";
import type { Db } from "../../storage/database.js";
import type { MachineRow } from "../../storage/schema.js";
import {
  type ClosedSession,
  closeDeadNodeSessions,
  forgetNode,
  touchNode,
} from "../../storage/sql/dead-node-sessions.js";
import type { RequestCache } from "../access/request-cache.js";
import type { AlertService } from "../alerts/alert-service.js";
import type { ServiceContext } from "../context.js";
import { hashToken } from "../identity/secrets.js";
import { tenantLicense } from "../licenses/tenant-license.js";
import type { MaintenanceService } from "../maintenance/maintenance-service.js";
import { HeartbeatBatch } from "./heartbeat-batch.js";
import type { AuthenticatedMachine } from "./machine-model.js";
import { type SessionInfo, SessionOpener } from "./session-opener.js";

/**
 * The sessions of the agents that connect with machine keys: admission (key, tenant, maintenance,
 * licensed slots), opening and closing, batched heartbeats, unresponsive alerts, and the sweeps
 * that close sessions nobody holds and prune old ones.
 */
export class MachineSessions {
  private readonly heartbeats: HeartbeatBatch;
  private readonly opener: SessionOpener;
  private nodeBeaten = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly maintenance: MaintenanceService,
    private readonly alerts: AlertService,
    private readonly cache?: RequestCache,
  ) {
    this.heartbeats = new HeartbeatBatch(ctx);
    this.opener = new SessionOpener(ctx);
  }

  /**
   * Checks a presented machine key before the WebSocket upgrade: a known key of an active
   * tenant and organization, no suspension by maintenance, and free licensed slots.
   */
  async authenticate(
    key: string,
    options: { checkSlots: boolean } = { checkSlots: true },
  ): Promise<AuthenticatedMachine> {
    const keyHash = hashToken(key);
    const lookup = async () => {
      const found = await this.ctx.db
        .selectFrom("machines as m")
        .innerJoin("tenants as t", "t.id", "m.tenant_id")
        .innerJoin("organizations as o", "o.id", "t.org_id")
        .selectAll("m")
        .select(["t.status as tenant_status", "o.status as org_status", "o.id as org_id"])
        .where("m.key_hash", "=", keyHash)
        .executeTakeFirst();
      // Thrown, so an unknown key is never cached.
      if (!found)
        throw new AppError(
          401,
          ProblemType.authenticationRequired,
          "Unknown machine key",
          "The machine key is not valid (revoked or mistyped).",
        );
      return found;
    };
    // A restart's reconnect storm presents every key at once; a new key, a deleted machine or a
    // disabled tenant is a write of machines or tenants, which forgets the cache (RequestCache).
    const row = this.cache ? await this.cache.get("machineKeys", keyHash, lookup) : await lookup();
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

  /** Records a new live session of the machine on this node (with the hellos of the same moment, see SessionOpener). */
  openSession(machine: MachineRow, nodeId: string, info: SessionInfo): Promise<number> {
    return this.opener.open(machine, nodeId, info);
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
      if (closed) await this.closed(tx, [{ ...closed, id: sessionId }], reason);
    });
  }

  /**
   * What follows a closed session, in the transaction that closed it, however it was closed (its
   * socket, the silence sweep, the dead-node sweep): the robot-disconnected alert and the
   * `robot.disconnected` domain event (webhooks, monitoring).
   */
  private async closed(tx: Db, sessions: ClosedSession[], reason: string, alert = true): Promise<void> {
    for (const s of sessions) {
      if (alert) await this.alertRobot(tx, s, "robot-disconnected", "warn", reason.slice(0, 200));
      await this.ctx.events?.emit(tx, { type: "robot.disconnected", session: { ...s, reason } });
    }
  }

  /**
   * Raises one "unresponsive" alert per session that stopped heartbeating for 120 s, and tells
   * the live pages (a machine's state is read from its last heartbeat; nothing else changes then).
   */
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
    for (const s of silent) {
      await this.alertRobot(this.ctx.db, s, "robot-unresponsive", "error", null);
      this.ctx.changes?.note(s.tenant_id, { kind: "machines", folderId: null, ids: [s.machine_id] });
    }
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
    await this.ctx.db.transaction().execute(async (tx) => {
      const closed = await tx
        .updateTable("robot_sessions")
        .set({ state: State.disconnected, disconnected_at: isoNow(this.ctx.clock), disconnect_reason: reason })
        .where("node_id", "=", nodeId)
        .where("disconnected_at", "is", null)
        .returning(["id", "tenant_id", "machine_id", "host_name"])
        .execute();
      // A shutdown is no alert (the robots reconnect to another node), but webhooks hear of it.
      await this.closed(tx, closed, reason, false);
    });
    await forgetNode(this.ctx.db, nodeId);
  }

  /**
   * Notes this node alive (its `cluster_nodes` row). Returns false when the row had gone since
   * the last beat: another node took this one for dead and closed its sessions, so its robots
   * must reconnect under fresh ones.
   */
  async beatNode(nodeId: string): Promise<boolean> {
    const result = await touchNode(this.ctx.db, nodeId, isoNow(this.ctx.clock));
    const alive = result === "touched" || !this.nodeBeaten;
    this.nodeBeaten = true;
    return alive;
  }

  /** Closes the sessions of nodes silent for `deadAfterSeconds` (see storage/sql/dead-node-sessions.ts). */
  async closeDeadNodes(self: string, deadAfterSeconds: number): Promise<number> {
    const now = this.ctx.clock.now();
    const cutoff = new Date(now.getTime() - deadAfterSeconds * 1000).toISOString();
    const reason = "The server holding the connection stopped.";
    return closeDeadNodeSessions(this.ctx.db, self, cutoff, now.toISOString(), reason, (tx, closed) =>
      this.closed(tx, closed, reason),
    );
  }

  /**
   * Closes sessions nobody holds any more: silent for `silentSeconds` (their node died or the
   * network is gone for good). Unresponsive sessions stay open until then, so a robot that
   * comes back resumes its session.
   */
  async sweepStaleSessions(silentSeconds: number): Promise<number> {
    const cutoff = new Date(this.ctx.clock.now().getTime() - silentSeconds * 1000).toISOString();
    const reason = "No heartbeat; the connection was lost.";
    return this.ctx.db.transaction().execute(async (tx) => {
      const closed = await tx
        .updateTable("robot_sessions")
        .set({ state: State.disconnected, disconnected_at: isoNow(this.ctx.clock), disconnect_reason: reason })
        .where("disconnected_at", "is", null)
        .where("last_heartbeat_at", "<", cutoff)
        .returning(["id", "tenant_id", "machine_id", "host_name"])
        .execute();
      await this.closed(tx, closed, reason);
      return closed.length;
    });
  }

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

  /** A tenant with a license allocation may not connect more machines' slots than it was given. */
  private async assertLicensedSlots(machine: MachineRow): Promise<void> {
    const license = await tenantLicense(this.ctx.db, machine.tenant_id, this.cache);
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
}
