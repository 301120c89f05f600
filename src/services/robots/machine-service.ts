import { randomUUID } from "node:crypto";
import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { CloseCode } from "../../shared/protocol.js";
import { type RobotState, RobotState as State } from "../../shared/robot.js";
import type { Db } from "../../storage/database.js";
import type { MachineRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { RequestCache } from "../access/request-cache.js";
import type { AlertService } from "../alerts/alert-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type ServiceContext, uniqueOrConflict } from "../context.js";
import { hashToken, newToken } from "../identity/secrets.js";
import type { MaintenanceService } from "../maintenance/maintenance-service.js";
import { type Machine, type MachineInput, presentSession, statePriority } from "./machine-model.js";
import { MachineSessions } from "./machine-sessions.js";
import type { RobotHub } from "./robot-hub.js";

export type { AuthenticatedMachine, Machine, MachineInput, RobotSession } from "./machine-model.js";

type Args<F> = F extends (...args: infer A) => unknown ? A : never;

/**
 * Machines of a tenant (robot keys, runtime slots, folders) and the sessions of the agents that
 * connect with their keys (MachineSessions). Keys are stored hashed and shown once, at creation or
 * regeneration.
 */
export class MachineService {
  readonly sessions: MachineSessions;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    maintenance: MaintenanceService,
    private readonly hub: RobotHub,
    alerts: AlertService,
    cache?: RequestCache,
  ) {
    this.sessions = new MachineSessions(ctx, maintenance, alerts, cache);
  }

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
        this.noteChanged(access.tenantId);
        const now = isoNow(this.ctx.clock);
        const row = await tx
          .insertInto("machines")
          .values({
            key: randomUUID(),
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
        this.noteChanged(access.tenantId, id);
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
      this.noteChanged(access.tenantId, id);
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

  // Robot sessions (MachineSessions).
  closeDeadNodes(...a: Args<MachineSessions["closeDeadNodes"]>) {
    return this.sessions.closeDeadNodes(...a);
  }
  beatNode(...a: Args<MachineSessions["beatNode"]>) {
    return this.sessions.beatNode(...a);
  }
  authenticate(...a: Args<MachineSessions["authenticate"]>) {
    return this.sessions.authenticate(...a);
  }
  stillAdmitted(...a: Args<MachineSessions["stillAdmitted"]>) {
    return this.sessions.stillAdmitted(...a);
  }
  openSession(...a: Args<MachineSessions["openSession"]>) {
    return this.sessions.openSession(...a);
  }
  heartbeat(...a: Args<MachineSessions["heartbeat"]>) {
    return this.sessions.heartbeat(...a);
  }
  flushHeartbeats(...a: Args<MachineSessions["flushHeartbeats"]>) {
    return this.sessions.flushHeartbeats(...a);
  }
  closeSession(...a: Args<MachineSessions["closeSession"]>) {
    return this.sessions.closeSession(...a);
  }
  alertUnresponsive(...a: Args<MachineSessions["alertUnresponsive"]>) {
    return this.sessions.alertUnresponsive(...a);
  }
  closeNodeSessions(...a: Args<MachineSessions["closeNodeSessions"]>) {
    return this.sessions.closeNodeSessions(...a);
  }
  sweepStaleSessions(...a: Args<MachineSessions["sweepStaleSessions"]>) {
    return this.sessions.sweepStaleSessions(...a);
  }
  pruneClosedSessions(...a: Args<MachineSessions["pruneClosedSessions"]>) {
    return this.sessions.pruneClosedSessions(...a);
  }

  /** Tells the live pages (after the commit) that the tenant's machines changed. */
  private noteChanged(tenantId: number, id?: number): void {
    this.ctx.changes?.note(tenantId, { kind: "machines", folderId: null, ...(id !== undefined && { ids: [id] }) });
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
