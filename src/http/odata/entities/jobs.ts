import { AppError, ConflictError, NotFoundError, ValidationError } from "../../../domain/errors.js";
import { type PresentedJobRow, presentedJobColumns } from "../../../services/jobs/job-model.js";
import { type Job, present as presentJob } from "../../../services/jobs/job-service.js";
import { ProblemType } from "../../../shared/problem-types.js";
import { isGuid, type ODataContext } from "../context.js";
import {
  type Dto,
  idOf,
  listQuery,
  type ODataResult,
  objectProp,
  optionalInt,
  optionalString,
  pascal,
  priorityName,
  prop,
  queryOf,
  selectFields,
  single,
} from "../envelope.js";
import type { EntityModel } from "../query/query-options.js";

const states = {
  pending: "pending",
  running: "running",
  stopping: "stopping",
  terminating: "terminating",
  successful: "successful",
  faulted: "faulted",
  stopped: "stopped",
  // The original's states Dirigent has no jobs in: they match nothing.
  suspended: "suspended",
  resumed: "resumed",
};

export const jobModel: EntityModel = {
  set: "Jobs",
  defaultOrder: { column: "jobs.id", direction: "desc" },
  expand: ["Robot", "Machine", "Release"],
  properties: [
    { name: "Id", column: "jobs.id", type: "int" },
    { name: "Key", column: "jobs.key", type: "guid" },
    { name: "State", column: "jobs.state", type: { enum: states } },
    { name: "CreationTime", column: "jobs.created_at", type: "date" },
    { name: "StartTime", column: "jobs.started_at", type: "date" },
    { name: "EndTime", column: "jobs.ended_at", type: "date" },
    { name: "LastModificationTime", column: "jobs.updated_at", type: "date" },
    { name: "ReleaseName", column: "jobs.process_name", type: "string" },
    { name: "ReleaseVersionId", column: "jobs.process_id", type: "int" },
    { name: "EntryPointPath", column: "jobs.entry_point", type: "string" },
    { name: "OrganizationUnitId", column: "jobs.folder_id", type: "int" },
    { name: "SpecificPriorityValue", column: "jobs.priority", type: "int" },
    { name: "Info", column: "jobs.error", type: "string" },
    { name: "StartingScheduleId", column: "jobs.trigger_id", type: "int" },
    ...[
      "ResumeTime",
      "Release",
      "HostMachineName",
      "Robot",
      "Machine",
      "InputArguments",
      "OutputArguments",
      "InputFile",
      "OutputFile",
      "Source",
      "SourceType",
      "Type",
      "ProcessType",
      "RuntimeType",
      "JobPriority",
      "StopStrategy",
      "Reference",
      "BatchExecutionKey",
      "ParentJobKey",
      "ErrorCode",
      "JobError",
      "FolderKey",
      "OrganizationUnitFullyQualifiedName",
    ].map((name) => ({ name, type: "string" as const })),
  ],
};

/** The original's Job DTO of Dirigent jobs; `withArguments` false in lists (as the original). */
async function presentJobs(
  ctx: ODataContext,
  jobs: Job[],
  withArguments: boolean,
  expand: Set<string>,
): Promise<Dto[]> {
  const folders = await ctx.folders();
  const machineIds = [...new Set(jobs.map((j) => j.machineId).filter((id): id is number => id !== null))];
  const processIds = [...new Set(jobs.map((j) => j.processId).filter((id): id is number => id !== null))];
  const db = ctx.services.ctx.db;
  const [machines, processes] = await Promise.all([
    machineIds.length === 0
      ? []
      : db
          .selectFrom("machines")
          .select(["id", "name", "key"])
          .where("tenant_id", "=", ctx.tenant.id)
          .where("id", "in", machineIds)
          .execute(),
    processIds.length === 0 || !expand.has("Release")
      ? []
      : db
          .selectFrom("processes")
          .select(["id", "key", "name", "package_name", "package_version"])
          .where("tenant_id", "=", ctx.tenant.id)
          .where("id", "in", processIds)
          .execute(),
  ]);
  const machineById = new Map(machines.map((m) => [m.id, m]));
  const processById = new Map(processes.map((p) => [p.id, p]));
  return jobs.map((job) => {
    const folder = folders.get(job.folderId);
    const machine = job.machineId === null ? undefined : machineById.get(job.machineId);
    const process = job.processId === null ? undefined : processById.get(job.processId);
    const endedOrStarted = job.endedAt ?? job.startedAt ?? job.createdAt;
    return {
      Id: job.id,
      Key: job.key,
      State: pascal(job.state),
      CreationTime: job.createdAt,
      StartTime: job.startedAt,
      EndTime: job.endedAt,
      LastModificationTime: endedOrStarted,
      ResumeTime: null,
      ReleaseName: job.processName,
      ReleaseVersionId: job.processId,
      ...(expand.has("Release") && {
        Release: process
          ? {
              Id: process.id,
              Key: process.key,
              Name: process.name,
              ProcessKey: process.package_name,
              ProcessVersion: process.package_version,
              IsLatestVersion: process.package_version === null,
            }
          : null,
      }),
      EntryPointPath: job.entryPoint,
      HostMachineName: machine?.name ?? null,
      ...(expand.has("Robot") && { Robot: machine ? { Id: machine.id, Name: machine.name } : null }),
      ...(expand.has("Machine") && { Machine: machine ? { Id: machine.id, Name: machine.name } : null }),
      InputArguments: withArguments ? JSON.stringify(job.inputArguments) : null,
      OutputArguments: withArguments && job.outputArguments ? JSON.stringify(job.outputArguments) : null,
      InputFile: null,
      OutputFile: null,
      Info: job.error ?? (job.state === "successful" ? "Job completed" : null),
      Source: job.source === "trigger" ? "Schedule" : "Manual",
      SourceType: job.source === "trigger" ? "Schedule" : "Manual",
      Type: "Unattended",
      ProcessType: "Process",
      RuntimeType: "Unattended",
      JobPriority: priorityName(job.priority),
      SpecificPriorityValue: job.priority,
      StopStrategy: job.state === "stopping" ? "SoftStop" : job.state === "terminating" ? "Kill" : null,
      Reference: null,
      BatchExecutionKey: job.key,
      ParentJobKey: null,
      StartingScheduleId: job.triggerId,
      ErrorCode: null,
      JobError:
        job.state === "faulted" && job.error
          ? {
              Code: "Faulted",
              Title: "Job faulted",
              Detail: job.error,
              Category: "System",
              Status: null,
              Timestamp: job.endedAt,
            }
          : null,
      FolderKey: folder?.row.key ?? null,
      OrganizationUnitId: job.folderId,
      OrganizationUnitFullyQualifiedName: folder?.path ?? null,
    };
  });
}

/** `GET /odata/Jobs`: across the folders the caller may see (`jobs.view`), or the header's folder. */
export async function listJobs(ctx: ODataContext): Promise<ODataResult> {
  const folder = await ctx.headerFolder();
  const allowed = ctx.access.foldersWith("jobs.view");
  const db = ctx.services.ctx.db;
  let base = db.selectFrom("jobs").select(presentedJobColumns).where("jobs.tenant_id", "=", ctx.tenant.id);
  if (folder) {
    if (allowed !== "all" && !allowed.includes(folder.row.id)) return listEmpty(ctx);
    base = base.where("jobs.folder_id", "=", folder.row.id);
  } else if (allowed !== "all") {
    if (allowed.length === 0) return listEmpty(ctx);
    base = base.where("jobs.folder_id", "in", allowed);
  }
  return listQuery(ctx, jobModel, base, (rows: PresentedJobRow[], query) =>
    presentJobs(ctx, rows.map(presentJob), false, query.expand),
  );
}

function listEmpty(ctx: ODataContext): ODataResult {
  const query = queryOf(ctx, jobModel);
  return {
    status: 200,
    body: {
      "@odata.context": `${ctx.base}/odata/$metadata#Jobs`,
      ...(query.count && { "@odata.count": 0 }),
      value: [],
    },
  };
}

async function oneJob(ctx: ODataContext, ref: string): Promise<ODataResult> {
  const folder = await ctx.headerFolder();
  const job = await ctx.services.jobs.get(ctx.access, ref);
  if (folder && job.folderId !== folder.row.id) throw new NotFoundError("The job");
  const query = queryOf(ctx, jobModel);
  const [dto] = await presentJobs(ctx, [job], true, query.expand);
  return single(ctx, "Jobs", selectFields(dto as Dto, query.select));
}

/** `GET /odata/Jobs({id})`. */
export function getJob(ctx: ODataContext, id: string): Promise<ODataResult> {
  return oneJob(ctx, String(idOf(id)));
}

/** `GET /odata/Jobs/…GetByKey(identifier=<GUID>)` (the GUID quoted or not). */
export function getJobByKey(ctx: ODataContext, identifier: string): Promise<ODataResult> {
  const key = identifier.replace(/^'(.*)'$/, "$1");
  if (!isGuid(key)) throw ValidationError.field("identifier", "is not a GUID");
  return oneJob(ctx, key.toLowerCase());
}

const strategies = ["modernjobscount", "jobscount", "specific", "all", "robotcount"];
const priorities: Record<string, number> = { low: 25, normal: 50, high: 75 };

/**
 * `POST /odata/Jobs/…StartJobs {"startInfo": …}`: the release by key or name in the header's
 * folder, `InputArguments` as JSON text; starts through the same service as `POST T/folders/{f}/jobs`.
 */
export async function startJobs(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const folder = await ctx.requireFolder();
  const info = objectProp(body, "startInfo");
  const releaseKey = optionalString(info, "ReleaseKey", 100);
  const releaseName = optionalString(info, "ReleaseName", 200);
  if (releaseKey === undefined && releaseName === undefined)
    throw ValidationError.field("startInfo.ReleaseKey", "is required (or ReleaseName)");
  if (releaseKey !== undefined && !isGuid(releaseKey))
    throw ValidationError.field("startInfo.ReleaseKey", "is not a GUID");
  const rawArgs = prop(info, "InputArguments");
  let inputArguments: Record<string, unknown> | undefined;
  if (typeof rawArgs === "string" && rawArgs.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawArgs);
    } catch {
      throw ValidationError.field("startInfo.InputArguments", "is not JSON text of an object");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw ValidationError.field("startInfo.InputArguments", "is not JSON text of an object");
    inputArguments = parsed as Record<string, unknown>;
  } else if (typeof rawArgs === "object" && rawArgs !== null && !Array.isArray(rawArgs)) {
    inputArguments = rawArgs as Record<string, unknown>;
  } else if (rawArgs !== undefined && rawArgs !== null && rawArgs !== "") {
    throw ValidationError.field("startInfo.InputArguments", "is not JSON text of an object");
  }
  const specific = optionalInt(info, "SpecificPriorityValue", 1, 100);
  const named = optionalString(info, "JobPriority", 20)?.toLowerCase();
  if (named !== undefined && !(named in priorities))
    throw ValidationError.field("startInfo.JobPriority", "must be Low, Normal or High");
  const priority = specific ?? (named !== undefined ? priorities[named] : undefined);
  const stopAfterSeconds = optionalInt(info, "StopProcessExpression", 0, 604_800) || undefined;
  const killAfterSeconds = optionalInt(info, "KillProcessExpression", 0, 604_800) || undefined;
  const db = ctx.services.ctx.db;
  const processes = await db
    .selectFrom("processes")
    .select(["id", "name", "key"])
    .where("tenant_id", "=", ctx.tenant.id)
    .where("folder_id", "=", folder.row.id)
    .execute();
  const process =
    releaseKey !== undefined
      ? processes.find((p) => p.key === releaseKey.toLowerCase())
      : (processes.find((p) => p.name === releaseName) ??
        processes.find((p) => p.name.toLowerCase() === releaseName?.toLowerCase()));
  if (!process) throw new NotFoundError("The release (process)");

  const strategy = (optionalString(info, "Strategy", 50) ?? "ModernJobsCount").toLowerCase();
  if (!strategies.includes(strategy))
    throw ValidationError.field(
      "startInfo.Strategy",
      "must be ModernJobsCount, JobsCount, Specific, All or RobotCount",
    );
  let count = optionalInt(info, "JobsCount", 0, 100) ?? 1;
  if (strategy === "robotcount") count = optionalInt(info, "NoOfRobots", 1, 100) ?? count;
  const robotIds = prop(info, "RobotIds");
  const targets: (number | undefined)[] = [];
  if (strategy === "specific" && Array.isArray(robotIds) && robotIds.length > 0) {
    // A Dirigent robot is a machine: one job on each named machine.
    if (robotIds.length > 100) throw ValidationError.field("startInfo.RobotIds", "has more than 100 ids");
    for (const id of robotIds) {
      if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id >= 2 ** 31)
        throw ValidationError.field("startInfo.RobotIds", "must hold robot ids (whole numbers)");
      targets.push(id);
    }
  } else if (strategy === "all") {
    const machines = await db
      .selectFrom("machine_folders")
      .select("machine_id")
      .where("folder_id", "=", folder.row.id)
      .execute();
    for (const m of machines) targets.push(m.machine_id);
    if (targets.length === 0) targets.push(undefined);
  } else {
    if (count < 1) count = 1;
  }

  const base = {
    processId: process.id,
    ...(inputArguments !== undefined && { inputArguments }),
    ...(priority !== undefined && { priority }),
    ...(stopAfterSeconds !== undefined && { stopAfterSeconds }),
    ...(killAfterSeconds !== undefined && { killAfterSeconds }),
  };
  const started: Job[] = [];
  try {
    if (targets.length === 0) {
      started.push(
        ...(await ctx.services.jobs.start(ctx.actor, ctx.org.id, ctx.access, folder.row.id, { ...base, count }, "api")),
      );
    } else {
      for (const machineId of targets)
        started.push(
          ...(await ctx.services.jobs.start(
            ctx.actor,
            ctx.org.id,
            ctx.access,
            folder.row.id,
            { ...base, ...(machineId !== undefined && { machineId }) },
            "api",
          )),
        );
    }
  } catch (error) {
    // The service names its own fields (processId, machineId, inputArguments…): say which startInfo field that is.
    if (error instanceof ValidationError) {
      const errors = (error.extensions.errors as { path: string; message: string }[] | undefined) ?? [];
      throw new ValidationError(
        errors.map((e) => ({
          path: `startInfo.${e.path.replace(/^inputArguments/, "InputArguments").replace(/^machineId/, "RobotIds")}`,
          message: e.message,
        })),
        error.detail,
      );
    }
    throw error;
  }
  const dtos = await presentJobs(ctx, started, true, new Set());
  return {
    status: 201,
    body: { "@odata.context": `${ctx.base}/odata/$metadata#Jobs`, value: dtos },
  };
}

function strategyOf(body: unknown): "stop" | "kill" {
  const strategy = (optionalString(body, "strategy", 20) ?? "SoftStop").toLowerCase();
  if (strategy === "softstop" || strategy === "1") return "stop";
  if (strategy === "kill" || strategy === "2") return "kill";
  throw ValidationError.field("strategy", "must be SoftStop or Kill");
}

/** `POST /odata/Jobs({id})/…StopJob {"strategy"}` → 204. */
export async function stopJob(ctx: ODataContext, id: string, body: unknown): Promise<ODataResult> {
  const mode = strategyOf(body);
  await ctx.services.jobs.stop(ctx.actor, ctx.org.id, ctx.access, String(idOf(id)), mode);
  return { status: 204 };
}

/** `POST /odata/Jobs/…StopJobs {"jobIds":[…],"strategy"}` → 204. */
export async function stopJobs(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const mode = strategyOf(body);
  const ids = prop(body, "jobIds");
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000)
    throw ValidationError.field("jobIds", "must be a list of 1 to 1000 job ids");
  for (const id of ids)
    if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id >= 2 ** 31)
      throw ValidationError.field("jobIds", "must hold job ids (whole numbers)");
  for (const id of ids as number[]) {
    try {
      await ctx.services.jobs.stop(ctx.actor, ctx.org.id, ctx.access, String(id), mode);
    } catch (error) {
      // A job that is already stopping or finished: nothing to do, as the original.
      if (error instanceof ConflictError) continue;
      throw error;
    }
  }
  return { status: 204 };
}

/** `POST /odata/Jobs/…RestartJob {"jobId"}` → 200 with the new job. */
export async function restartJob(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const id = optionalInt(body, "jobId", 1, 2 ** 31 - 1);
  if (id === undefined) throw ValidationError.field("jobId", "is required");
  const job = await ctx.services.jobs.restart(ctx.actor, ctx.org.id, ctx.access, String(id));
  const [dto] = await presentJobs(ctx, [job], true, new Set());
  return single(ctx, "Jobs", dto as Dto);
}

/** `POST /odata/Jobs/…ResumeJob`: Dirigent has no suspended jobs. */
export async function resumeJob(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const key = optionalString(body, "jobKey", 100);
  if (key === undefined || !isGuid(key)) throw ValidationError.field("jobKey", "is not a GUID");
  const job = await ctx.services.jobs.get(ctx.access, key.toLowerCase());
  throw new AppError(
    409,
    ProblemType.invalidStateTransition,
    "Conflict",
    `A ${job.state} job cannot be resumed: only suspended jobs can, and Dirigent does not suspend jobs.`,
  );
}
