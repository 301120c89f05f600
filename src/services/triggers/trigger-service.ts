import { sql } from "kysely";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import type { SummaryLocale } from "../../domain/cron-summary.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { TriggerInput } from "../../shared/api/triggers.js";
import { ProblemType } from "../../shared/problem-types.js";
import { disabledReasonColumns } from "../../shared/trigger-reasons.js";
import { TriggerKind } from "../../shared/triggers.js";
import type { TriggerRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type ServiceContext, uniqueOrConflict } from "../context.js";
import type { JobService } from "../jobs/job-service.js";
import type { TenantSettingsService } from "../settings/tenant-settings-service.js";
import type { CalendarService } from "./calendar-service.js";
import type { CallMode, HttpMethod } from "./http-triggers.js";
import { mergeQueueConfig, type QueueTriggerChanges } from "./queue-triggers.js";
import { insertTrigger, noteTrigger } from "./trigger-jobs.js";
import { excludedBy, presentTrigger, type Trigger } from "./trigger-presenter.js";
import { TriggerQueries } from "./trigger-queries.js";
import { assertCalendarZone, compile } from "./trigger-schedule.js";

export { assertCalendarZone, compile } from "./trigger-schedule.js";

/** A time trigger as created or changed through the API (`type: "time"`). */
export type TimeTriggerInput = TriggerInput;

/** What PATCH may change on an HTTP trigger besides the shared fields. */
export interface HttpTriggerChanges {
  slug?: string | undefined;
  method?: HttpMethod | undefined;
  callMode?: CallMode | undefined;
}

/**
 * Time triggers: CRUD in folders (`triggers.*`), the preview of a schedule, history and jobs.
 * Firing lives in TriggerFiring (the scheduler's side). Queue and HTTP triggers will be other
 * `kind`s of the same table with their own input types and evaluation.
 */
export class TriggerService extends TriggerQueries {
  private listeners: (() => void)[] = [];

  constructor(
    ctx: ServiceContext,
    private readonly audit: AuditService,
    jobs: JobService,
    calendars: CalendarService,
    settings: TenantSettingsService,
  ) {
    super(ctx, jobs, calendars, settings);
  }

  /** Called after a trigger's schedule changed (the local scheduler wakes to re-plan). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async create(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    folderId: number,
    input: TimeTriggerInput,
    locale: SummaryLocale,
  ): Promise<Trigger> {
    access.assertFolder(folderId, "triggers.create");
    await this.assertFolder(access.tenantId, folderId);
    // With a calendar the trigger runs in the calendar's zone (see check); without, the tenant's by default.
    const timeZone =
      input.timeZone ??
      (await this.calendarZone(access.tenantId, input.calendarId)) ??
      (await this.settings.get(access.tenantId)).timeZone;
    const checked = await this.check(access.tenantId, folderId, { ...input, timeZone });
    const enabled = input.enabled ?? true;
    const row = await insertTrigger(
      this.ctx,
      this.audit,
      actor,
      orgId,
      { tenantId: access.tenantId, folderId, kind: TriggerKind.time, input },
      {
        job_count: input.jobCount ?? 1,
        cron: input.cron.trim(),
        time_zone: timeZone,
        calendar_id: input.calendarId ?? null,
        alert_pending_seconds: input.alertPendingSeconds ?? null,
        alert_running_seconds: input.alertRunningSeconds ?? null,
        end_at: checked.endAt,
        next_fire_at: enabled ? checked.next : null,
      },
    );
    this.changed();
    noteTrigger(this.ctx, row);
    return presentTrigger(row, locale, checked.calendar);
  }

  async list(access: TenantAccess, folderId: number, locale: SummaryLocale): Promise<Trigger[]> {
    access.assertFolder(folderId, "triggers.view");
    await this.assertFolder(access.tenantId, folderId);
    const rows = await this.ctx.db
      .selectFrom("triggers")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .where("folder_id", "=", folderId)
      .orderBy("name")
      .execute();
    const calendars = await this.ctx.db
      .selectFrom("calendars")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .execute();
    const byId = new Map(calendars.map((c) => [c.id, c]));
    return rows.map((r) => presentTrigger(r, locale, r.calendar_id ? byId.get(r.calendar_id) : undefined));
  }

  async get(access: TenantAccess, id: number, locale: SummaryLocale): Promise<Trigger> {
    const row = await this.find(this.ctx.db, access, id, "triggers.view");
    return presentTrigger(row, locale, await this.calendarOf(row));
  }

  async update(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
    changes: Partial<TimeTriggerInput> & QueueTriggerChanges & HttpTriggerChanges,
    locale: SummaryLocale,
  ): Promise<Trigger> {
    const before = await this.find(this.ctx.db, access, id, "triggers.edit");
    if (before.kind !== TriggerKind.time) return this.updateOtherKind(actor, orgId, before, changes, locale);
    const queueOnly = (["minItems", "maxConcurrentJobs", "itemsPerJob", "slug", "method", "callMode"] as const).filter(
      (k) => changes[k] !== undefined,
    );
    if (queueOnly.length > 0) {
      throw new ValidationError(queueOnly.map((path) => ({ path, message: "cannot be set on a time trigger" })));
    }
    const merged: TimeTriggerInput = {
      name: changes.name ?? before.name,
      processId: changes.processId ?? before.process_id,
      cron: changes.cron ?? (before.cron as string),
      // A newly chosen calendar brings its zone along unless a zone is given too.
      timeZone:
        changes.timeZone ??
        (changes.calendarId != null && changes.calendarId !== before.calendar_id
          ? await this.calendarZone(access.tenantId, changes.calendarId)
          : undefined) ??
        (before.time_zone as string),
      calendarId: changes.calendarId === undefined ? before.calendar_id : changes.calendarId,
      inputArguments: changes.inputArguments ?? (JSON.parse(before.input_json) as Record<string, unknown>),
      machineId: changes.machineId === undefined ? before.machine_id : changes.machineId,
      jobCount: changes.jobCount ?? before.job_count,
      endDate: changes.endDate === undefined ? before.end_at : changes.endDate,
      enabled: changes.enabled ?? before.enabled === 1,
    };
    const checked = await this.check(access.tenantId, before.folder_id, merged);
    const enabled = merged.enabled ?? true;
    // The schedule is re-planned only when it changed, so an edit of the name keeps a due fire time.
    const scheduleChanged =
      merged.cron !== before.cron ||
      merged.timeZone !== before.time_zone ||
      merged.endDate !== before.end_at ||
      enabled !== (before.enabled === 1);
    const row = await this.unique(merged.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable("triggers")
          .set({
            name: merged.name.trim(),
            ...(changes.description !== undefined && { description: changes.description?.trim() || null }),
            process_id: merged.processId,
            input_json: JSON.stringify(merged.inputArguments ?? {}),
            ...(changes.priority !== undefined && { priority: changes.priority }),
            machine_id: merged.machineId ?? null,
            job_count: merged.jobCount ?? 1,
            cron: merged.cron.trim(),
            time_zone: merged.timeZone ?? null,
            calendar_id: merged.calendarId ?? null,
            ...(changes.stopAfterSeconds !== undefined && { stop_after_seconds: changes.stopAfterSeconds }),
            ...(changes.killAfterSeconds !== undefined && { kill_after_seconds: changes.killAfterSeconds }),
            ...(changes.alertPendingSeconds !== undefined && { alert_pending_seconds: changes.alertPendingSeconds }),
            ...(changes.alertRunningSeconds !== undefined && { alert_running_seconds: changes.alertRunningSeconds }),
            end_at: checked.endAt,
            enabled: enabled ? 1 : 0,
            ...(enabled && disabledReasonColumns(null)),
            ...(scheduleChanged && { next_fire_at: enabled ? checked.next : null }),
            updated_by: actor.name,
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.triggers,
          action: AuditAction.update,
          target: { type: "trigger", id, name: row.name },
          before: presentTrigger(before, "en"),
          after: presentTrigger(row, "en"),
        });
        return row;
      }),
    );
    this.changed();
    noteTrigger(this.ctx, row);
    return presentTrigger(row, locale, checked.calendar);
  }

  /**
   * Changes an HTTP or queue trigger: the fields all kinds share (name, description, process,
   * arguments, priority, machine, stop/kill-after, enabled) are checked like at creation (the
   * process in the folder, the arguments against its entry point's schema, the machine); an HTTP
   * trigger also its slug (tenant-unique), method and call mode, a queue trigger its three numbers.
   * Its queue stays (one trigger per queue: delete and create for another queue); fields of time
   * triggers are a 400.
   */
  private async updateOtherKind(
    actor: Actor,
    orgId: number,
    before: TriggerRow,
    changes: Partial<TimeTriggerInput> & QueueTriggerChanges & HttpTriggerChanges,
    locale: SummaryLocale,
  ): Promise<Trigger> {
    const timeOnly = [
      "cron",
      "timeZone",
      "calendarId",
      "jobCount",
      "alertPendingSeconds",
      "alertRunningSeconds",
      "endDate",
    ] as const;
    const kindOnly =
      before.kind === TriggerKind.queue
        ? (["slug", "method", "callMode"] as const)
        : (["minItems", "maxConcurrentJobs", "itemsPerJob"] as const);
    const wrong = [...timeOnly, ...kindOnly].filter((k) => changes[k] !== undefined);
    if (wrong.length > 0) {
      throw new ValidationError(
        wrong.map((path) => ({
          path,
          message: `cannot be set on a ${before.kind} trigger`,
        })),
      );
    }
    const processId = changes.processId ?? before.process_id;
    const machineId = changes.machineId === undefined ? before.machine_id : changes.machineId;
    const inputArguments = changes.inputArguments ?? (JSON.parse(before.input_json) as Record<string, unknown>);
    if (changes.processId !== undefined || changes.inputArguments !== undefined || changes.machineId !== undefined) {
      await this.jobs.prepare(this.ctx.db, before.tenant_id, before.folder_id, {
        processId,
        inputArguments,
        ...(machineId != null && { machineId }),
      });
    }
    let config = before.config_json;
    if (before.kind === TriggerKind.queue) config = JSON.stringify(mergeQueueConfig(before, changes));
    if (before.kind === TriggerKind.http) {
      const old = JSON.parse(before.config_json) as Record<string, unknown>;
      config = JSON.stringify({
        ...old,
        ...(changes.method !== undefined && { method: changes.method }),
        ...(changes.callMode !== undefined && { callMode: changes.callMode }),
      });
      if (changes.slug !== undefined && changes.slug.toLowerCase() !== (before.slug ?? "").toLowerCase()) {
        const taken = await this.ctx.db
          .selectFrom("triggers")
          .select("id")
          .where("tenant_id", "=", before.tenant_id)
          .where("id", "!=", before.id)
          .where(sql<boolean>`lower(slug) = ${changes.slug.toLowerCase()}`)
          .executeTakeFirst();
        if (taken) {
          throw new ConflictError(
            `An HTTP trigger at "${changes.slug}" already exists in this tenant.`,
            ProblemType.alreadyExists,
            { errors: [{ path: "slug", message: "is already taken" }] },
          );
        }
      }
    }
    const name = changes.name ?? before.name;
    const row = await this.unique(name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable("triggers")
          .set({
            name: name.trim(),
            ...(changes.description !== undefined && { description: changes.description?.trim() || null }),
            process_id: processId,
            input_json: JSON.stringify(inputArguments),
            machine_id: machineId ?? null,
            ...(changes.priority !== undefined && { priority: changes.priority }),
            ...(changes.stopAfterSeconds !== undefined && { stop_after_seconds: changes.stopAfterSeconds }),
            ...(changes.killAfterSeconds !== undefined && { kill_after_seconds: changes.killAfterSeconds }),
            ...(changes.slug !== undefined && { slug: changes.slug }),
            config_json: config,
            enabled: changes.enabled === undefined ? before.enabled : changes.enabled ? 1 : 0,
            ...(changes.enabled === true && disabledReasonColumns(null)),
            updated_by: actor.name,
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", before.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.triggers,
          action: AuditAction.update,
          target: { type: "trigger", id: row.id, name: row.name },
          before: presentTrigger(before, "en"),
          after: presentTrigger(row, "en"),
        });
        return row;
      }),
    );
    if (row.kind === TriggerKind.queue) this.changed();
    noteTrigger(this.ctx, row);
    return presentTrigger(row, locale);
  }

  async setEnabled(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
    enabled: boolean,
    locale: SummaryLocale,
  ): Promise<Trigger> {
    return this.update(actor, orgId, access, id, { enabled }, locale);
  }

  async delete(actor: Actor, orgId: number, access: TenantAccess, id: number): Promise<void> {
    const row = await this.find(this.ctx.db, access, id, "triggers.delete");
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("triggers").where("id", "=", id).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.triggers,
        action: AuditAction.delete,
        target: { type: "trigger", id, name: row.name },
        before: presentTrigger(row, "en"),
      });
    });
    this.changed();
    noteTrigger(this.ctx, row);
  }

  /**
   * Everything a time trigger must satisfy: the process belongs to the folder, the arguments fit
   * its entry point's schema, the machine serves the folder (all through the job service's own
   * checks), the cron and zone are valid, the calendar is the tenant's, and it will fire at least
   * once before its end date. Returns the first fire time.
   */
  private async check(tenantId: number, folderId: number, input: TimeTriggerInput) {
    await this.jobs.prepare(this.ctx.db, tenantId, folderId, {
      processId: input.processId,
      inputArguments: input.inputArguments,
      ...(input.machineId != null && { machineId: input.machineId }),
    });
    const calendar =
      input.calendarId == null
        ? undefined
        : await this.calendars.findForTrigger(this.ctx.db, tenantId, input.calendarId);
    const schedule = compile(input.cron, input.timeZone as string);
    assertCalendarZone(calendar, input.timeZone as string);
    const now = this.ctx.clock.now();
    const endAt = input.endDate ? new Date(input.endDate).toISOString() : null;
    const [first] = schedule.nextTimes(now, 1, excludedBy(calendar));
    if (!first) throw ValidationError.field("cron", "never fires (no fire time on a day the calendar allows)");
    if (input.enabled !== false && endAt !== null) {
      if (endAt <= now.toISOString()) throw ValidationError.field("endDate", "is in the past");
      if (first.toISOString() >= endAt) throw ValidationError.field("endDate", "is before the first fire time");
    }
    // Stored unfiltered: a calendar day is skipped (and recorded) when it comes.
    const next = schedule.next(now)?.toISOString() ?? null;
    return { calendar, endAt, next };
  }

  /** The zone of the tenant's calendar `id` (undefined when none is given or it does not exist: check() names it). */
  private async calendarZone(tenantId: number, id: number | null | undefined): Promise<string | undefined> {
    if (id == null || !Number.isSafeInteger(id) || id > 2_147_483_647 || id < 1) return undefined;
    const row = await this.ctx.db
      .selectFrom("calendars")
      .select("time_zone")
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    return row?.time_zone;
  }

  private async assertFolder(tenantId: number, folderId: number): Promise<void> {
    const folder = await this.ctx.db
      .selectFrom("folders")
      .select("id")
      .where("id", "=", folderId)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!folder) throw new NotFoundError("The folder");
  }

  private unique<T>(name: string, work: () => Promise<T>): Promise<T> {
    return uniqueOrConflict(this.ctx, work, `A trigger named "${name.trim()}" already exists in this folder.`);
  }

  /** Tells the listeners (the local scheduler) that schedules changed outside this service. */
  notifyChanged(): void {
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
