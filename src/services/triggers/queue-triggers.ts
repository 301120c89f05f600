import { AppError, ConflictError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { QueueTriggerInput } from "../../shared/api/triggers.js";
import { AccountStatus } from "../../shared/identity.js";
import { jobReason } from "../../shared/job-reasons.js";
import { JobState } from "../../shared/jobs.js";
import { MaintenancePhase } from "../../shared/maintenance.js";
import { isSingular } from "../../shared/plural.js";
import { QueueItemStatus } from "../../shared/queues.js";
import { FiringOutcome, TriggerKind } from "../../shared/triggers.js";
import type { Db } from "../../storage/database.js";
import type { TriggerRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { AlertService } from "../alerts/alert-service.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import { assertFolderOfTenant } from "../folders/folder-service.js";
import type { JobService } from "../jobs/job-service.js";
import type { QueueService } from "../queues/queue-service.js";
import { raiseTriggerFailed } from "./trigger-alerts.js";
import { insertTrigger, jobCreationFailure, noteTrigger, recordFiring, startTriggerJobs } from "./trigger-jobs.js";
import { presentTrigger, type Trigger } from "./trigger-presenter.js";

/** Limits of a queue trigger's numbers (orchestrator-spec §4.3; at most 100 jobs at once, as a firing). */
export { queueTriggerLimits } from "../../shared/triggers.js";

/** What `config_json` holds for a queue trigger. */
export interface QueueTriggerConfig {
  queueId: number;
  minItems: number;
  maxJobs: number;
  itemsPerJob: number;
}

export type { QueueTriggerInput };

/** The changeable numbers of a queue trigger (PATCH). */
export interface QueueTriggerChanges {
  minItems?: number | undefined;
  maxConcurrentJobs?: number | undefined;
  itemsPerJob?: number | undefined;
}

/** States in which a job counts against the trigger's maximum (pending + running). */
const openStates = [JobState.pending, JobState.running, JobState.stopping, JobState.terminating];

export function queueConfigOf(row: TriggerRow): QueueTriggerConfig | null {
  if (row.kind !== TriggerKind.queue) return null;
  return JSON.parse(row.config_json) as QueueTriggerConfig;
}

/** The config of a queue trigger after a PATCH (merged over the stored one). */
export function mergeQueueConfig(row: TriggerRow, changes: QueueTriggerChanges): QueueTriggerConfig {
  const before = queueConfigOf(row) as QueueTriggerConfig;
  return {
    ...before,
    ...(changes.minItems !== undefined && { minItems: changes.minItems }),
    ...(changes.maxConcurrentJobs !== undefined && { maxJobs: changes.maxConcurrentJobs }),
    ...(changes.itemsPerJob !== undefined && { itemsPerJob: changes.itemsPerJob }),
  };
}

/**
 * How many jobs an evaluation starts: none below `minItems` available items; otherwise enough for
 * one job per `itemsPerJob` available items, at most `maxJobs` open at once, minus those already
 * open (so a periodic re-check does not start a second job for an item the first one will take).
 */
export function jobsToStart(config: QueueTriggerConfig, available: number, open: number): number {
  if (available < config.minItems) return 0;
  const wanted = Math.min(config.maxJobs, Math.ceil(available / config.itemsPerJob));
  return Math.max(0, wanted - open);
}

/**
 * Queue triggers (orchestrator-spec §4.3): one per queue; start the process when at least
 * `minItems` new, not deferred items wait, keep at most `maxConcurrentJobs` pending + running,
 * one more job per `itemsPerJob` items.
 *
 * Evaluation is ONE transaction that first locks the trigger row (PostgreSQL `FOR UPDATE`;
 * SQLite has one writer and its connection serialises transactions), then counts the available
 * items and this trigger's open jobs and creates the missing jobs through the job service — so
 * two nodes (or two evaluations on one node) never exceed the maximum. It runs from the
 * scheduler every few seconds for every enabled queue trigger, and right after items are added.
 */
export class QueueTriggers {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly jobs: JobService,
    private readonly queues: QueueService,
    private readonly alerts: AlertService,
  ) {}

  async create(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    folderId: number,
    input: QueueTriggerInput,
  ): Promise<Trigger> {
    access.assertFolder(folderId, "triggers.create");
    await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
    await this.jobs.prepare(this.ctx.db, access.tenantId, folderId, {
      processId: input.processId,
      inputArguments: input.inputArguments,
      ...(input.machineId != null && { machineId: input.machineId }),
    });
    // The queue: of this tenant, in a folder the caller may view queues in (404 there becomes a 400 naming the field).
    try {
      await this.queues.find(this.ctx.db, access, input.queueId, "queues.view");
    } catch (error) {
      if (error instanceof AppError && (error.status === 404 || error.status === 403)) {
        throw ValidationError.field("queueId", "is not a queue you may view in this tenant");
      }
      throw error;
    }
    const config: QueueTriggerConfig = {
      queueId: input.queueId,
      minItems: input.minItems ?? 1,
      maxJobs: input.maxConcurrentJobs ?? 1,
      itemsPerJob: input.itemsPerJob ?? 1,
    };
    const existing = await this.triggerOfQueue(this.ctx.db, access.tenantId, input.queueId);
    if (existing) {
      throw new ConflictError(`The queue already has a trigger ("${existing.name}"); a queue has one at most.`);
    }
    const row = await insertTrigger(
      this.ctx,
      this.audit,
      actor,
      orgId,
      { tenantId: access.tenantId, folderId, kind: TriggerKind.queue, input },
      { config_json: JSON.stringify(config) },
    );
    return presentTrigger(row, "en");
  }

  /** Evaluates every enabled queue trigger (the scheduler's periodic check); returns the jobs created. */
  async evaluateAll(): Promise<number> {
    const rows = await this.ctx.db
      .selectFrom("triggers")
      .select("id")
      .where("kind", "=", TriggerKind.queue)
      .where("enabled", "=", 1)
      .orderBy("id")
      .execute();
    let created = 0;
    for (const r of rows) {
      try {
        created += await this.evaluate(r.id);
      } catch (error) {
        this.ctx.logger.error({ err: error, triggerId: r.id }, "queue trigger evaluation failed");
      }
    }
    return created;
  }

  /** Evaluates the enabled triggers of one queue (items were added to it); returns the jobs created. */
  async evaluateQueue(queueId: number): Promise<number> {
    const rows = await this.ctx.db
      .selectFrom("triggers")
      .selectAll()
      .where("kind", "=", TriggerKind.queue)
      .where("enabled", "=", 1)
      // config_json is written by JSON.stringify with queueId first; the exact check follows.
      .where("config_json", "like", `{"queueId":${Math.trunc(queueId)},%`)
      .execute();
    let created = 0;
    for (const r of rows) {
      if (queueConfigOf(r)?.queueId === queueId) created += await this.evaluate(r.id);
    }
    return created;
  }

  /** Starts an evaluation of the queue's triggers without waiting (the wake-up hook of item adds). */
  queueChanged(queueId: number): void {
    this.evaluateQueue(queueId).catch((error: unknown) =>
      this.ctx.logger.error({ err: error, queueId }, "queue trigger evaluation failed"),
    );
  }

  /**
   * The original's `ActivateOnJobComplete`: a job of a queue trigger ended, so re-check that
   * trigger. Domain events are told inside the transaction that ends the job, before its commit,
   * so the check runs shortly after and once more a second later (an evaluation is safe to
   * repeat: it locks the trigger and counts); the periodic check remains the guarantee.
   */
  jobEnded(triggerId: number): void {
    for (const delayMs of [50, 1000]) {
      setTimeout(() => {
        this.evaluate(triggerId).catch((error: unknown) =>
          this.ctx.logger.error({ err: error, triggerId }, "queue trigger evaluation failed"),
        );
      }, delayMs).unref();
    }
  }

  /**
   * One evaluation of one queue trigger, in one transaction holding the trigger row's lock.
   * Returns how many jobs it created (0 when disabled, the tenant is disabled or in maintenance,
   * too few items wait, or the maximum of open jobs is reached).
   */
  async evaluate(id: number): Promise<number> {
    let tenantId = 0;
    const created = await this.ctx.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom("triggers")
        .selectAll()
        .where("id", "=", id)
        .$if(this.ctx.dialect.name === "postgres", (q) => q.forUpdate())
        .executeTakeFirst();
      const config = row ? queueConfigOf(row) : null;
      if (!row || !config || row.enabled !== 1) return 0;
      tenantId = row.tenant_id;
      const tenant = await tx.selectFrom("tenants").select("status").where("id", "=", row.tenant_id).executeTakeFirst();
      if (!tenant || tenant.status !== AccountStatus.active) return 0;
      if ((await this.maintenancePhase(tx, row.tenant_id)) !== MaintenancePhase.none) return 0;
      const now = isoNow(this.ctx.clock);
      const items = await tx
        .selectFrom("queue_items")
        .select((eb) => eb.fn.countAll<string | number>().as("n"))
        .where("queue_id", "=", config.queueId)
        .where("status", "=", QueueItemStatus.new)
        .where((w) => w.or([w("defer_date", "is", null), w("defer_date", "<=", now)]))
        .executeTakeFirstOrThrow();
      const available = Number(items.n);
      if (available < config.minItems) return 0;
      const jobs = await tx
        .selectFrom("jobs")
        .select((eb) => eb.fn.countAll<string | number>().as("n"))
        .where("trigger_id", "=", row.id)
        .where("state", "in", openStates)
        .executeTakeFirstOrThrow();
      const open = Number(jobs.n);
      const count = jobsToStart(config, available, open);
      if (count === 0) return 0;
      let jobIds: number[];
      try {
        const inserted = await startTriggerJobs(this.jobs, tx, row, {
          actor: `trigger:${row.name}`,
          reason: jobReason("started-queue-trigger", { trigger: row.name, waiting: available, open }),
          count,
        });
        jobIds = inserted.map((j) => j.id);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        // The process, package or machine is gone: recorded once (not on every periodic check).
        const reason = jobCreationFailure(error);
        const result = `${FiringOutcome.failed}: ${reason}`;
        if (row.last_result !== result) {
          await this.record(tx, row, now, FiringOutcome.failed, reason, []);
          await tx.updateTable("triggers").set({ last_result: result }).where("id", "=", row.id).execute();
          await this.ctx.events?.emit(tx, { type: "trigger.failed", trigger: row, fireTime: now, reason });
          await raiseTriggerFailed(this.alerts, tx, row, reason);
        }
        return 0;
      }
      await this.record(
        tx,
        row,
        now,
        FiringOutcome.fired,
        `${available} ${isSingular("en", available) ? "item" : "items"} available, ${open} ${isSingular("en", open) ? "job" : "jobs"} open: started ${count}.`,
        jobIds,
      );
      await tx
        .updateTable("triggers")
        .set({ last_fired_at: now, last_result: "fired" })
        .where("id", "=", row.id)
        .execute();
      return jobIds.length;
    });
    if (created > 0) this.jobs.jobsCreated({ tenantId, count: created });
    return created;
  }

  private async triggerOfQueue(db: Db, tenantId: number, queueId: number): Promise<TriggerRow | undefined> {
    const rows = await db
      .selectFrom("triggers")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("kind", "=", TriggerKind.queue)
      .execute();
    return rows.find((r) => queueConfigOf(r)?.queueId === queueId);
  }

  private async record(
    tx: Db,
    row: TriggerRow,
    at: string,
    outcome: FiringOutcome,
    reason: string,
    jobIds: number[],
  ): Promise<void> {
    await recordFiring(tx, row, at, at, { outcome, reason, jobIds });
    noteTrigger(this.ctx, row);
  }

  private async maintenancePhase(tx: Db, tenantId: number): Promise<MaintenancePhase> {
    const open = await tx
      .selectFrom("maintenance_windows")
      .select("phase")
      .where("ended_at", "is", null)
      .where((eb) => eb.or([eb("tenant_id", "is", null), eb("tenant_id", "=", tenantId)]))
      .execute();
    if (open.some((w) => w.phase === MaintenancePhase.suspended)) return MaintenancePhase.suspended;
    return open.length > 0 ? MaintenancePhase.draining : MaintenancePhase.none;
  }
}
