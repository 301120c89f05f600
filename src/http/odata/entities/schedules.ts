import { NotFoundError, ValidationError } from "../../../domain/errors.js";
import { presentTrigger } from "../../../services/triggers/trigger-presenter.js";
import { TriggerKind } from "../../../shared/triggers.js";
import type { CalendarRow, TriggerRow } from "../../../storage/schema.js";
import type { ODataContext } from "../context.js";
import {
  type Dto,
  idOf,
  listQuery,
  type ODataResult,
  priorityName,
  prop,
  queryOf,
  selectFields,
  single,
} from "../envelope.js";
import type { EntityModel } from "../query/query-options.js";

/**
 * ProcessSchedules: Dirigent's time and queue triggers in the original's ProcessScheduleDto
 * (HTTP triggers are the original's separate API triggers, not schedules). Reads need
 * `triggers.view` in the trigger's folder; SetEnabled goes through the trigger service
 * (`triggers.edit`, one audit row per trigger, the schedule re-planned).
 */

type ScheduleRow = TriggerRow & { release_name: string; release_key: string; package_name: string };

const scheduleKinds = [TriggerKind.time, TriggerKind.queue];

export const scheduleModel: EntityModel = {
  set: "ProcessSchedules",
  defaultOrder: { column: "t.id", direction: "asc" },
  properties: [
    { name: "Id", column: "t.id", type: "int" },
    { name: "Key", column: "t.key", type: "guid" },
    { name: "Name", column: "t.name", type: "string" },
    { name: "Description", column: "t.description", type: "string" },
    { name: "Enabled", column: "t.enabled", type: "bool" },
    { name: "ReleaseId", column: "t.process_id", type: "int" },
    { name: "ReleaseKey", column: "p.key", type: "guid" },
    { name: "ReleaseName", column: "p.name", type: "string" },
    { name: "PackageName", column: "p.package_name", type: "string" },
    { name: "StartProcessCron", column: "t.cron", type: "string" },
    { name: "StartProcessNextOccurrence", column: "t.next_fire_at", type: "date" },
    { name: "TimeZoneId", column: "t.time_zone", type: "string" },
    { name: "TimeZoneIana", column: "t.time_zone", type: "string" },
    { name: "CalendarId", column: "t.calendar_id", type: "int" },
    { name: "StopProcessDate", column: "t.end_at", type: "date" },
    { name: "OrganizationUnitId", column: "t.folder_id", type: "int" },
    { name: "CreationTime", column: "t.created_at", type: "date" },
    { name: "LastModificationTime", column: "t.updated_at", type: "date" },
    ...[
      "StartProcessCronDetails",
      "StartProcessCronSummary",
      "JobPriority",
      "SpecificPriorityValue",
      "RuntimeType",
      "StartStrategy",
      "ExecutorRobots",
      "StopProcessExpression",
      "StopStrategy",
      "KillProcessExpression",
      "AlertPendingExpression",
      "AlertRunningExpression",
      "InputArguments",
      "UseCalendar",
      "CalendarName",
      "QueueDefinitionId",
      "ItemsActivationThreshold",
      "ItemsPerJobActivationTarget",
      "MaxJobsForActivation",
      "ActivateOnJobComplete",
      "EnvironmentId",
      "EnvironmentName",
      "Tags",
      "OrganizationUnitFullyQualifiedName",
    ].map((name) => ({ name, type: "string" as const })),
  ],
};

const seconds = (value: number | null) => (value === null ? null : String(value));

async function presentSchedules(ctx: ODataContext, rows: ScheduleRow[]): Promise<Dto[]> {
  const folders = await ctx.folders();
  const calendarIds = [...new Set(rows.map((r) => r.calendar_id).filter((id): id is number => id !== null))];
  const machineIds = [...new Set(rows.map((r) => r.machine_id).filter((id): id is number => id !== null))];
  const db = ctx.services.ctx.db;
  const [calendars, machines] = await Promise.all([
    calendarIds.length === 0
      ? ([] as CalendarRow[])
      : db
          .selectFrom("calendars")
          .selectAll()
          .where("tenant_id", "=", ctx.tenant.id)
          .where("id", "in", calendarIds)
          .execute(),
    machineIds.length === 0
      ? []
      : db
          .selectFrom("machines")
          .select(["id", "name"])
          .where("tenant_id", "=", ctx.tenant.id)
          .where("id", "in", machineIds)
          .execute(),
  ]);
  return rows.map((r) => {
    const calendar = calendars.find((c) => c.id === r.calendar_id);
    // The original's summaries are English, whoever asks.
    const t = presentTrigger(r, "en", calendar);
    const machine = machines.find((m) => m.id === t.machineId);
    return {
      Id: t.id,
      Key: t.key,
      Name: t.name,
      Description: t.description,
      Enabled: t.enabled,
      ReleaseId: t.processId,
      ReleaseKey: r.release_key,
      ReleaseName: r.release_name,
      PackageName: r.package_name,
      EnvironmentId: null,
      EnvironmentName: null,
      JobPriority: t.priority === null ? null : priorityName(t.priority),
      SpecificPriorityValue: t.priority,
      RuntimeType: "Unattended",
      StartProcessCron: t.cron,
      StartProcessCronDetails: null,
      StartProcessCronSummary: t.summary,
      StartProcessNextOccurrence: t.nextFireTime,
      // 0 = the listed robots (a Dirigent robot is a machine), else how many jobs one firing starts.
      StartStrategy: machine ? 0 : t.jobCount,
      ExecutorRobots: machine ? [{ Id: machine.id, Name: machine.name }] : [],
      StopProcessExpression: seconds(t.stopAfterSeconds),
      StopStrategy: t.stopAfterSeconds !== null ? "SoftStop" : t.killAfterSeconds !== null ? "Kill" : null,
      KillProcessExpression: t.killAfterSeconds,
      AlertPendingExpression: seconds(t.alertPendingSeconds),
      AlertRunningExpression: seconds(t.alertRunningSeconds),
      StopProcessDate: t.endDate,
      TimeZoneId: t.timeZone,
      TimeZoneIana: t.timeZone,
      UseCalendar: t.calendarId !== null,
      CalendarId: t.calendarId,
      CalendarName: calendar?.name ?? null,
      InputArguments: JSON.stringify(t.inputArguments),
      QueueDefinitionId: t.queueId,
      ItemsActivationThreshold: t.minItems ?? 0,
      ItemsPerJobActivationTarget: t.itemsPerJob ?? 0,
      MaxJobsForActivation: t.maxConcurrentJobs ?? 0,
      ActivateOnJobComplete: false,
      Tags: [],
      OrganizationUnitId: t.folderId,
      OrganizationUnitFullyQualifiedName: folders.get(t.folderId)?.path ?? null,
      CreationTime: t.createdAt,
      LastModificationTime: t.updatedAt,
    };
  });
}

function schedulesBase(ctx: ODataContext) {
  return ctx.services.ctx.db
    .selectFrom("triggers as t")
    .innerJoin("processes as p", "p.id", "t.process_id")
    .selectAll("t")
    .select(["p.name as release_name", "p.key as release_key", "p.package_name as package_name"])
    .where("t.tenant_id", "=", ctx.tenant.id)
    .where("t.kind", "in", scheduleKinds);
}

/** `GET /odata/ProcessSchedules`: the header's folder, or every folder the caller may see triggers in. */
export async function listSchedules(ctx: ODataContext): Promise<ODataResult> {
  const folder = await ctx.headerFolder();
  const allowed = ctx.access.foldersWith("triggers.view");
  let base = schedulesBase(ctx);
  if (folder) {
    if (allowed !== "all" && !allowed.includes(folder.row.id)) base = base.where("t.id", "<", 0);
    base = base.where("t.folder_id", "=", folder.row.id);
  } else if (allowed !== "all") {
    base = allowed.length === 0 ? base.where("t.id", "<", 0) : base.where("t.folder_id", "in", allowed);
  }
  return listQuery(ctx, scheduleModel, base, (rows: ScheduleRow[]) => presentSchedules(ctx, rows));
}

/** A time or queue trigger the caller may `permission` (the service's check: 404, or 403 when visible). */
async function findSchedule(ctx: ODataContext, id: number, permission: "triggers.view" | "triggers.edit") {
  const row = await ctx.services.triggers.find(ctx.services.ctx.db, ctx.access, id, permission).catch((error) => {
    throw error instanceof NotFoundError ? new NotFoundError("The schedule") : error;
  });
  if (!scheduleKinds.includes(row.kind as (typeof scheduleKinds)[number])) throw new NotFoundError("The schedule");
  return row;
}

/** `GET /odata/ProcessSchedules({id})`. */
export async function getSchedule(ctx: ODataContext, id: string): Promise<ODataResult> {
  const folder = await ctx.headerFolder();
  const row = await findSchedule(ctx, idOf(id), "triggers.view");
  if (folder && row.folder_id !== folder.row.id) throw new NotFoundError("The schedule");
  const joined = (await schedulesBase(ctx).where("t.id", "=", row.id).executeTakeFirst()) as ScheduleRow;
  const [dto] = await presentSchedules(ctx, [joined]);
  return single(ctx, "ProcessSchedules", selectFields(dto as Dto, queryOf(ctx, scheduleModel).select));
}

/**
 * `POST /odata/ProcessSchedules/…SetEnabled {"scheduleIds":[…],"enabled"}` → 200 `{"value": true}`.
 * Every id is checked (visible, `triggers.edit`) before any changes, so a wrong id changes nothing.
 */
export async function setSchedulesEnabled(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const enabled = prop(body, "enabled");
  const ids = prop(body, "scheduleIds");
  const errors: { path: string; message: string }[] = [];
  if (typeof enabled !== "boolean") errors.push({ path: "enabled", message: "is required (true or false)" });
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000)
    errors.push({ path: "scheduleIds", message: "must be a list of 1 to 1000 schedule ids" });
  else
    ids.forEach((id, i) => {
      if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id >= 2 ** 31)
        errors.push({ path: `scheduleIds.${i}`, message: "is not a schedule id (a positive whole number)" });
    });
  if (errors.length > 0) throw new ValidationError(errors);
  const unique = [...new Set(ids as number[])];
  for (const id of unique) await findSchedule(ctx, id, "triggers.edit");
  for (const id of unique)
    await ctx.services.triggers.setEnabled(ctx.actor, ctx.org.id, ctx.access, id, enabled as boolean, "en");
  return {
    status: 200,
    body: { "@odata.context": `${ctx.base}/odata/$metadata#Edm.Boolean`, value: true },
  };
}
