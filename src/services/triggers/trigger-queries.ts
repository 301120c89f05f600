import { describeCron, type SummaryLocale } from "../../domain/cron-summary.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import type { Db } from "../../storage/database.js";
import type { CalendarRow, TriggerRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type Page, type ServiceContext, toPage } from "../context.js";
import { presentedJobColumns } from "../jobs/job-model.js";
import type { Job, JobService } from "../jobs/job-service.js";
import type { TenantSettingsService } from "../settings/tenant-settings-service.js";
import type { CalendarService } from "./calendar-service.js";
import { excludedBy, type Firing } from "./trigger-presenter.js";
import { assertCalendarZone, compile } from "./trigger-schedule.js";

/**
 * What a trigger will do and did, nothing written: the preview of a schedule, a saved trigger's
 * next fire times, its firing history and its jobs, and the lookup with the folder permission
 * check. `TriggerService` extends this class, so routes keep calling these through
 * `services.triggers`.
 */
export class TriggerQueries {
  constructor(
    protected readonly ctx: ServiceContext,
    protected readonly jobs: JobService,
    protected readonly calendars: CalendarService,
    protected readonly settings: TenantSettingsService,
  ) {}

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
      .select(presentedJobColumns)
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

  protected async calendarOf(row: TriggerRow): Promise<CalendarRow | undefined> {
    if (row.calendar_id === null) return undefined;
    return this.ctx.db.selectFrom("calendars").selectAll().where("id", "=", row.calendar_id).executeTakeFirst();
  }
}
