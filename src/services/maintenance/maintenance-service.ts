import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { ConflictError, MaintenanceError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { MaintenanceState, MaintenanceWindow } from "../../shared/api/host.js";
import { canMoveMaintenance, MaintenancePhase } from "../../shared/maintenance.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { MaintenanceWindowRow } from "../../storage/schema.js";
import type { RequestCache } from "../access/request-cache.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import type { NotificationService } from "../email/notification-service.js";

/**
 * Seconds a client is told to wait before retrying during maintenance when no end was announced
 * (or the announced one has passed): a polling interval, not a promise (the page says no end is known).
 */
export const maintenanceRetryAfterSeconds = 120;

export type { MaintenanceState, MaintenanceWindow };

/** How long a node trusts a tenant's maintenance phase it read for a robot heartbeat. */
export const phaseCacheMs = 5000;

/**
 * Maintenance mode (orchestrator-spec §2.5) for the whole installation or one tenant. A scope
 * is under maintenance while it has an open window (ended_at null); a unique index allows at
 * most one open window per scope, and every phase change is a conditional update.
 */
export class MaintenanceService {
  private stopJobs: (tenantId: number | null, mode: "stop" | "kill") => Promise<number> = async () => 0;

  /** Connects job control (set at start-up: the job service depends on nothing here). */
  connectJobs(stopJobs: (tenantId: number | null, mode: "stop" | "kill") => Promise<number>): void {
    this.stopJobs = stopJobs;
  }

  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly cache: RequestCache,
  ) {}

  async state(): Promise<MaintenanceState> {
    const db = this.ctx.db;
    const open = await db.selectFrom("maintenance_windows").selectAll().where("ended_at", "is", null).execute();
    const host = open.find((w) => w.tenant_id === null);
    const tenantWindows = open.filter((w) => w.tenant_id !== null);
    const tenants =
      tenantWindows.length === 0
        ? []
        : await db
            .selectFrom("tenants as t")
            .innerJoin("organizations as o", "o.id", "t.org_id")
            .select(["t.id", "t.name", "o.id as org_id", "o.slug", "o.name as org_name"])
            .where(
              "t.id",
              "in",
              tenantWindows.map((w) => w.tenant_id as number),
            )
            .execute();
    const log = await db
      .selectFrom("maintenance_events as e")
      .innerJoin("maintenance_windows as w", "w.id", "e.window_id")
      .select(["e.phase", "e.actor_name", "e.created_at", "w.tenant_id"])
      .orderBy("e.id", "desc")
      .limit(200)
      .execute();
    return {
      phase: host?.phase ?? MaintenancePhase.none,
      current: host ? presentWindow(host) : null,
      tenants: tenants.map((t) => {
        const w = tenantWindows.find((x) => x.tenant_id === t.id) as MaintenanceWindowRow;
        return {
          tenantId: t.id,
          tenantName: t.name,
          orgId: t.org_id,
          orgSlug: t.slug,
          orgName: t.org_name,
          phase: w.phase,
          window: presentWindow(w),
        };
      }),
      log: log.map((e) => ({
        phase: e.phase,
        actorName: e.actor_name,
        createdAt: e.created_at,
        tenantId: e.tenant_id,
      })),
    };
  }

  async start(
    actor: Actor,
    input: {
      phase: "draining" | "suspended";
      killJobs?: boolean | undefined;
      tenantId?: number | undefined;
      /** E-mail the administrators of the affected organizations. */
      notify?: boolean | undefined;
      /** The announced end (ISO 8601); null clears it, absent keeps it when the phase moves on. */
      expectedEndAt?: string | null | undefined;
    },
  ): Promise<MaintenanceState> {
    const expectedEndAt =
      input.expectedEndAt === undefined || input.expectedEndAt === null
        ? input.expectedEndAt
        : new Date(input.expectedEndAt).toISOString();
    if (expectedEndAt && Date.parse(expectedEndAt) <= this.ctx.clock.now().getTime()) {
      throw new ValidationError([{ path: "expectedEndAt", message: "must be in the future" }]);
    }
    const windowId = await this.ctx.db.transaction().execute(async (tx) => {
      const tenant = input.tenantId === undefined ? null : await this.findTenant(tx, input.tenantId);
      const open = await this.openWindow(tx, input.tenantId ?? null);
      const from = open?.phase ?? MaintenancePhase.none;
      if (!canMoveMaintenance(from, input.phase)) throw transitionConflict(from, input.phase);
      const now = isoNow(this.ctx.clock);
      let windowId: number;
      if (!open) {
        try {
          const row = await tx
            .insertInto("maintenance_windows")
            .values({
              tenant_id: input.tenantId ?? null,
              phase: input.phase,
              kill_jobs: input.killJobs ? 1 : 0,
              started_at: now,
              started_by: actor.name,
              expected_end_at: expectedEndAt ?? null,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
          windowId = row.id;
        } catch (error) {
          // Another administrator started maintenance for this scope a moment ago.
          if (this.ctx.dialect.isUniqueViolation(error))
            throw transitionConflict(MaintenancePhase.draining, input.phase);
          throw error;
        }
      } else {
        const moved = await tx
          .updateTable("maintenance_windows")
          .set({
            phase: input.phase,
            kill_jobs: input.killJobs ? 1 : open.kill_jobs,
            ...(expectedEndAt !== undefined && { expected_end_at: expectedEndAt }),
          })
          .where("id", "=", open.id)
          .where("phase", "=", open.phase)
          .where("ended_at", "is", null)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) throw transitionConflict(from, input.phase);
        windowId = open.id;
      }
      await tx
        .insertInto("maintenance_events")
        .values({ window_id: windowId, phase: input.phase, actor_name: actor.name, created_at: now })
        .execute();
      if (input.notify) {
        const announcedEnd = expectedEndAt === undefined ? (open?.expected_end_at ?? null) : expectedEndAt;
        await this.notifyAdmins(tx, tenant, "maintenance-started", {
          phase: input.phase,
          startedAt: now,
          expectedEndAt: announcedEnd,
        });
      }
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.maintenance,
          action: AuditAction.start,
          target: tenant
            ? { type: "tenant", id: tenant.id, name: tenant.name }
            : { type: "host", id: "host", name: "Host" },
          before: { phase: from },
          after: {
            phase: input.phase,
            killJobs: input.killJobs ?? false,
            ...(expectedEndAt !== undefined && { expectedEndAt }),
          },
        },
      );
      return windowId;
    });
    this.forgetPhases();
    // Draining stops running jobs (kills them when asked to); the window counts the attempts.
    const mode = input.killJobs ? "kill" : "stop";
    const asked = await this.stopJobs(input.tenantId ?? null, mode);
    if (asked > 0) {
      await this.ctx.db
        .updateTable("maintenance_windows")
        .set((eb) =>
          mode === "kill"
            ? { job_kills_attempted: eb("job_kills_attempted", "+", asked) }
            : { job_stops_attempted: eb("job_stops_attempted", "+", asked) },
        )
        .where("id", "=", windowId)
        .execute();
    }
    return this.state();
  }

  async end(
    actor: Actor,
    input: { tenantId?: number | undefined; notify?: boolean | undefined },
  ): Promise<MaintenanceState> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const tenant = input.tenantId === undefined ? null : await this.findTenant(tx, input.tenantId);
      const open = await this.openWindow(tx, input.tenantId ?? null);
      if (!open) throw transitionConflict(MaintenancePhase.none, MaintenancePhase.none);
      const now = isoNow(this.ctx.clock);
      const ended = await tx
        .updateTable("maintenance_windows")
        .set({ ended_at: now, ended_by: actor.name })
        .where("id", "=", open.id)
        .where("ended_at", "is", null)
        .executeTakeFirst();
      if (Number(ended.numUpdatedRows) === 0) throw transitionConflict(MaintenancePhase.none, MaintenancePhase.none);
      await tx
        .insertInto("maintenance_events")
        .values({ window_id: open.id, phase: MaintenancePhase.none, actor_name: actor.name, created_at: now })
        .execute();
      if (input.notify) await this.notifyAdmins(tx, tenant, "maintenance-ended", { endedAt: now });
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.maintenance,
          action: AuditAction.end,
          target: tenant
            ? { type: "tenant", id: tenant.id, name: tenant.name }
            : { type: "host", id: "host", name: "Host" },
          before: { phase: open.phase },
          after: { phase: MaintenancePhase.none },
        },
      );
    });
    this.forgetPhases();
    return this.state();
  }

  /** The phase in force for the whole installation. */
  async hostPhase(db: Db = this.ctx.db): Promise<MaintenancePhase> {
    return (await this.openWindow(db, null))?.phase ?? MaintenancePhase.none;
  }

  /** The installation's phase for readers outside a transaction (the login page): from the cached open windows. */
  async cachedHostPhase(): Promise<MaintenancePhase> {
    return (await this.openWindows()).find((w) => w.tenant_id === null)?.phase ?? MaintenancePhase.none;
  }

  /** Phases read by `recentPhaseFor`, per tenant, until `until` (ms). */
  private phases = new Map<number, { phase: MaintenancePhase; until: number }>();
  private phasesGeneration = 0;

  private forgetPhases(): void {
    this.phases = new Map();
    this.phasesGeneration += 1;
  }

  /**
   * `phaseFor`, read at most once per tenant every `phaseCacheMs` on this node: robot heartbeats
   * ask it for every session. A change made on this node is seen at once; one made on another
   * node within `phaseCacheMs` (a suspended tenant's robots leave at their next heartbeat after it).
   */
  async recentPhaseFor(tenantId: number): Promise<MaintenancePhase> {
    const now = Date.now();
    const cached = this.phases.get(tenantId);
    if (cached && cached.until > now) return cached.phase;
    const generation = this.phasesGeneration;
    const phase = await this.phaseFor(tenantId);
    // A change committed while this read ran may not be in it: keep it only if none happened.
    if (generation === this.phasesGeneration) this.phases.set(tenantId, { phase, until: now + phaseCacheMs });
    return phase;
  }

  /**
   * The phase in force for a tenant: the stricter of the installation's and its own. The
   * dispatcher asks it for every robot in every round: the open windows are cached
   * (RequestCache), and a phase change on any node makes every node forget them.
   */
  async phaseFor(tenantId: number): Promise<MaintenancePhase> {
    const open = (await this.openWindows()).filter((w) => w.tenant_id === null || w.tenant_id === tenantId);
    if (open.some((w) => w.phase === MaintenancePhase.suspended)) return MaintenancePhase.suspended;
    return open.length > 0 ? MaintenancePhase.draining : MaintenancePhase.none;
  }

  /**
   * Throws a 503 problem when an organization user may not proceed: the whole installation is
   * under maintenance, or the tenant the request touches is. System administrators are never stopped.
   */
  async assertUserMayProceed(tenantId?: number): Promise<void> {
    // Every user request asks this (twice for a tenant route): see openWindows.
    const open = await this.openWindows();
    const windows = open.filter((w) => w.tenant_id === null || w.tenant_id === tenantId);
    if (windows.length === 0) return;
    const scope = windows.some((w) => w.tenant_id === null) ? "host" : "tenant";
    // Back when the last window that applies ends; a window without an announced end leaves it unknown.
    const ends = windows.map((w) => w.expected_end_at);
    const expectedEndAt = ends.includes(null) ? null : ((ends as string[]).sort().at(-1) ?? null);
    const left = expectedEndAt ? Math.ceil((Date.parse(expectedEndAt) - this.ctx.clock.now().getTime()) / 1000) : 0;
    // An announced end that has passed is no promise any more: the page says the end is not known.
    const known = left > 0 ? expectedEndAt : null;
    throw new MaintenanceError(left > 0 ? left : maintenanceRetryAfterSeconds, scope, known);
  }

  /** The open maintenance windows (cached; see RequestCache). */
  private openWindows(): Promise<
    { tenant_id: number | null; phase: MaintenancePhase; expected_end_at: string | null }[]
  > {
    return this.cache.get("maintenance", "open", () =>
      this.ctx.db
        .selectFrom("maintenance_windows")
        .select(["tenant_id", "phase", "expected_end_at"])
        .where("ended_at", "is", null)
        .execute(),
    );
  }

  /** Queues a maintenance notice to the administrators of every organization, or of the tenant's. */
  private async notifyAdmins(
    db: Db,
    tenant: { id: number; name: string; org_id: number } | null,
    template: "maintenance-started" | "maintenance-ended",
    data: Record<string, unknown>,
  ) {
    const admins = await this.notifications.orgAdministrators(db, tenant ? [tenant.org_id] : null);
    for (const orgId of new Set(admins.map((a) => a.orgId))) {
      await this.notifications.notify(
        db,
        admins.filter((a) => a.orgId === orgId),
        template,
        { ...data, tenantName: tenant?.name ?? null },
        { orgId },
      );
    }
  }

  private openWindow(db: Db, tenantId: number | null) {
    return db
      .selectFrom("maintenance_windows")
      .selectAll()
      .where("ended_at", "is", null)
      .where("tenant_id", tenantId === null ? "is" : "=", tenantId)
      .executeTakeFirst();
  }

  private async findTenant(db: Db, tenantId: number) {
    const tenant = await db
      .selectFrom("tenants")
      .select(["id", "name", "org_id"])
      .where("id", "=", tenantId)
      .executeTakeFirst();
    if (!tenant) throw new NotFoundError("The tenant");
    return tenant;
  }
}

function transitionConflict(from: MaintenancePhase, to: MaintenancePhase): ConflictError {
  const detail =
    from === MaintenancePhase.none && to === MaintenancePhase.none
      ? "Maintenance mode is not active."
      : `Maintenance cannot move from ${from} to ${to}.`;
  return new ConflictError(detail, ProblemType.invalidStateTransition, { from, to });
}

function presentWindow(w: MaintenanceWindowRow): MaintenanceWindow {
  return {
    id: w.id,
    phase: w.phase,
    tenantId: w.tenant_id,
    killJobs: w.kill_jobs === 1,
    startedAt: w.started_at,
    startedBy: w.started_by,
    expectedEndAt: w.expected_end_at,
    jobStopsAttempted: w.job_stops_attempted,
    jobKillsAttempted: w.job_kills_attempted,
    triggersSkipped: w.triggers_skipped,
  };
}
