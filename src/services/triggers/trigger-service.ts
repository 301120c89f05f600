import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { CronSyntaxError, isValidTimeZone, Schedule, TimeZoneError } from "../../domain/cron.js";
import { describeCron, type SummaryLocale } from "../../domain/cron-summary.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { ProblemType } from "../../shared/problem-types.js";
import { TriggerKind } from "../../shared/triggers.js";
import type { Db } from "../../storage/database.js";
import type { CalendarRow, TriggerRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type Page, type ServiceContext, toPage, uniqueOrConflict } from "../context.js";
import type { Job, JobService } from "../jobs/job-service.js";
import type { TenantSettingsService } from "../settings/tenant-settings-service.js";
import type { CalendarService } from "./calendar-service.js";
import type { CallMode, HttpMethod } from "./http-triggers.js";
import { mergeQueueConfig, type QueueTriggerChanges } from "./queue-triggers.js";
import { excludedBy, type Firing, presentTrigger, type Trigger } from "./trigger-presenter.js";

/** A time trigger as created or changed through the API (`type: "time"`). */
export interface TimeTriggerInput {
  name: string;
  description?: string | null | undefined;
  processId: number;
  cron: string;
  timeZone?: string | undefined;
  calendarId?: number | null | undefined;
  inputArguments?: Record<string, unknown> | undefined;
  priority?: number | null | undefined;
  machineId?: number | null | undefined;
  jobCount?: number | undefined;
  stopAfterSeconds?: number | null | undefined;
  killAfterSeconds?: number | null | undefined;
  alertPendingSeconds?: number | null | undefined;
  alertRunningSeconds?: number | null | undefined;
  endDate?: string | null | undefined;
  enabled?: boolean | undefined;
}

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
export class TriggerService {
  private listeners: (() => void)[] = [];

  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly jobs: JobService,
    private readonly calendars: CalendarService,
    private readonly settings: TenantSettingsService,
  ) {}

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
    const row = await this.unique(input.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const now = isoNow(this.ctx.clock);
        const row = await tx
          .insertInto("triggers")
          .values({
            key: randomUUID(),
            tenant_id: access.tenantId,
            folder_id: folderId,
            kind: TriggerKind.time,
            name: input.name.trim(),
            description: input.description?.trim() || null,
            process_id: input.processId,
            input_json: JSON.stringify(input.inputArguments ?? {}),
            priority: input.priority ?? null,
            machine_id: input.machineId ?? null,
            job_count: input.jobCount ?? 1,
            cron: input.cron.trim(),
            time_zone: timeZone,
            calendar_id: input.calendarId ?? null,
            stop_after_seconds: input.stopAfterSeconds ?? null,
            kill_after_seconds: input.killAfterSeconds ?? null,
            alert_pending_seconds: input.alertPendingSeconds ?? null,
            alert_running_seconds: input.alertRunningSeconds ?? null,
            end_at: checked.endAt,
            enabled: enabled ? 1 : 0,
            next_fire_at: enabled ? checked.next : null,
            created_by: actor.name,
            updated_by: actor.name,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.triggers,
          action: AuditAction.create,
          target: { type: "trigger", id: row.id, name: row.name },
          after: presentTrigger(row, "en"),
        });
        return row;
      }),
    );
    this.changed();
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
            ...(enabled && { disabled_reason: null }),
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
            ...(changes.enabled === true && { disabled_reason: null }),
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
  }

  /** The summary and next fire times of an expression, nothing saved. Errors name `cron`, `timeZone`, `calendarId`. */
  async preview(
    access: TenantAccess,
    input: { cron: string; timeZone?: string | undefined; calendarId?: number | undefined; count?: number | undefined },
    locale: SummaryLocale,
  ): Promise<{ times: string[]; summary: string; timeZone: string }> {
    const calendar =
      input.calendarId === undefined
        ? undefined
        : await this.calendars.findForTrigger(this.ctx.db, access.tenantId, input.calendarId);
    const timeZone = input.timeZone ?? calendar?.time_zone ?? (await this.settings.get(access.tenantId)).timeZone;
    const schedule = compile(input.cron, timeZone);
    assertCalendarZone(calendar, timeZone);
    const times = schedule.nextTimes(this.ctx.clock.now(), input.count ?? 5, excludedBy(calendar));
    if (times.length === 0)
      throw ValidationError.field("cron", "never fires (no fire time on a day the calendar allows)");
    return { times: times.map((t) => t.toISOString()), summary: describeCron(input.cron, locale), timeZone };
  }

  /** The next `count` fire times of a saved trigger (calendar days left out, up to its end date). */
  async next(access: TenantAccess, id: number, count: number): Promise<{ times: string[] }> {
    const row = await this.find(this.ctx.db, access, id, "triggers.view");
    if (!row.cron || !row.time_zone || row.enabled !== 1) return { times: [] };
    const calendar = await this.calendarOf(row);
    const times = compile(row.cron, row.time_zone)
      .nextTimes(this.ctx.clock.now(), count, excludedBy(calendar))
      .map((t) => t.toISOString())
      .filter((t) => !row.end_at || t < row.end_at);
    return { times };
  }

  async history(access: TenantAccess, id: number, limit: number, cursor?: number): Promise<Page<Firing>> {
    await this.find(this.ctx.db, access, id, "triggers.view");
    let q = this.ctx.db
      .selectFrom("trigger_firings")
      .selectAll()
      .where("trigger_id", "=", id)
      .orderBy("id", "desc")
      .limit(limit + 1);
    if (cursor !== undefined) q = q.where("id", "<", cursor);
    const rows = await q.execute();
    return toPage(
      rows.map((r) => ({
        id: r.id,
        fireTime: r.fire_time,
        outcome: r.outcome,
        reason: r.reason,
        jobIds: JSON.parse(r.job_ids_json) as number[],
        createdAt: r.created_at,
      })),
      limit,
    );
  }

  async jobsOf(access: TenantAccess, id: number, limit: number, cursor?: number): Promise<Page<Job>> {
    const row = await this.find(this.ctx.db, access, id, "triggers.view");
    access.assertFolder(row.folder_id, "jobs.view");
    let q = this.ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("trigger_id", "=", id)
      .orderBy("id", "desc")
      .limit(limit + 1);
    if (cursor !== undefined) q = q.where("id", "<", cursor);
    return toPage(this.jobs.presentAll(await q.execute()), limit);
  }

  /** A trigger the principal may see with `permission` in its folder (404 for anything else). */
  async find(
    db: Db,
    access: TenantAccess,
    id: number,
    permission: "triggers.view" | "triggers.edit" | "triggers.delete",
  ) {
    const row = await db
      .selectFrom("triggers")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    if (!row || !access.seesFolder(row.folder_id) || !access.canInFolder(row.folder_id, "triggers.view")) {
      throw new NotFoundError("The trigger");
    }
    access.assertFolder(row.folder_id, permission);
    return row;
  }

  private async calendarOf(row: TriggerRow): Promise<CalendarRow | undefined> {
    if (row.calendar_id === null) return undefined;
    return this.ctx.db.selectFrom("calendars").selectAll().where("id", "=", row.calendar_id).executeTakeFirst();
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

/**
 * The original's rule (orchestrator-spec §4.3): a trigger with a non-working-days calendar cannot
 * have a time zone of its own. Here a calendar carries its zone, so the trigger's must be the
 * calendar's: otherwise "the excluded day" would be a different 24 hours for the calendar and the
 * schedule (a 00:30 Berlin fire time is still the previous day in New York).
 */
export function assertCalendarZone(calendar: CalendarRow | undefined, timeZone: string): void {
  if (calendar && calendar.time_zone !== timeZone) {
    throw ValidationError.field(
      "timeZone",
      `must be the time zone of the calendar "${calendar.name}" (${calendar.time_zone}) when that calendar is used`,
    );
  }
}

/** A Schedule, or a 400 naming `cron` or `timeZone`. */
export function compile(cron: string, timeZone: string): Schedule {
  if (!isValidTimeZone(timeZone)) throw ValidationError.field("timeZone", "is not a known IANA time zone");
  try {
    return new Schedule(cron, timeZone);
  } catch (error) {
    if (error instanceof CronSyntaxError) throw ValidationError.field("cron", error.message);
    if (error instanceof TimeZoneError) throw ValidationError.field("timeZone", error.message);
    throw error;
  }
}
