import { ConflictError } from "../../domain/errors.js";
import type { Job, JobStartInput } from "../../shared/api/jobs.js";
import { type JobReason, jobReason } from "../../shared/job-reasons.js";
import type { JobState, LogLevel } from "../../shared/jobs.js";
import type { JobRow, ProcessRow } from "../../storage/schema.js";

export type { Job, TimelineEntry } from "../../shared/api/jobs.js";

/** What starting jobs takes: the API's start body (triggers start jobs with the same shape). */
export type StartJobs = JobStartInput;

/** What `prepare` checked and `insertJobs` creates. */
export interface PreparedJobs {
  tenantId: number;
  folderId: number;
  process: ProcessRow;
  pkg: { id: number };
  entryPoint: { name: string; command: string[] };
  inputArguments: Record<string, unknown>;
  input: StartJobs;
}

export interface JobFilter {
  state?: JobState | undefined;
  processId?: number | undefined;
  machineId?: number | undefined;
  folderId?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Process name contains this text, or the job's id is this number. */
  q?: string | undefined;
  /** `createdAt`, `priority`, `state`, `processName` (ascending) or with `-` (descending); absent = newest first. */
  sort?: string | undefined;
  /** Also count all matching jobs (`total`). */
  total?: boolean | undefined;
}

/** The job list's sort names and their columns (sorted-page.ts). */
export const jobSortColumns = {
  createdAt: "created_at",
  priority: { column: "priority", type: "number" },
  state: "state",
  processName: "process_name",
} as const;

/** What a job-finished report from a robot says. */
export interface JobOutcome {
  exitCode: number | null;
  outputArguments: Record<string, unknown> | null;
  error: string | null;
  stopped: boolean;
  /** False when the robot never spawned the process (absent from older agents: true). */
  started?: boolean;
}

/** Commands to robots that a service cannot send itself (the robot gateway delivers them). */
export interface RobotCommands {
  stop(sessionId: number, jobKey: string, mode: "stop" | "kill"): void;
  /** `created`: the jobs that woke it, when new jobs did (the dispatcher goes straight to their tenant). */
  wakeDispatcher(created?: DispatchHint): void;
}

/** New pending work of a tenant, told to this node's dispatcher right after the commit that made it. */
export interface DispatchHint {
  tenantId: number;
  count: number;
}

const levelOrder = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export function levelsAtLeast(level: LogLevel): LogLevel[] {
  return levelOrder.slice(levelOrder.indexOf(level));
}

export function exitReason(code: number | null): JobReason {
  return code === null ? jobReason("ended-by-signal") : jobReason("exited-with-code", { code });
}

/**
 * The columns `present` reads: lists select just these (a job row has 31 columns, and reading
 * a row's columns into an object is most of a list query's cost on SQLite).
 */
export const presentedJobColumns = [
  "id",
  "key",
  "state",
  "folder_id",
  "process_id",
  "process_name",
  "entry_point",
  "priority",
  "target_machine_id",
  "machine_id",
  "input_json",
  "output_json",
  "error",
  "source",
  "created_by",
  "stop_after_seconds",
  "kill_after_seconds",
  "trigger_id",
  "created_at",
  "started_at",
  "ended_at",
] as const satisfies readonly (keyof JobRow)[];

export type PresentedJobRow = Pick<JobRow, (typeof presentedJobColumns)[number]>;

export function present(r: PresentedJobRow): Job {
  return {
    id: r.id,
    key: r.key,
    state: r.state,
    folderId: r.folder_id,
    processId: r.process_id,
    processName: r.process_name,
    entryPoint: r.entry_point,
    priority: r.priority,
    targetMachineId: r.target_machine_id,
    machineId: r.machine_id,
    inputArguments: JSON.parse(r.input_json) as Record<string, unknown>,
    outputArguments: r.output_json ? (JSON.parse(r.output_json) as Record<string, unknown>) : null,
    ...(r.error !== null && { error: r.error }),
    source: r.source,
    createdBy: r.created_by,
    stopAfterSeconds: r.stop_after_seconds,
    killAfterSeconds: r.kill_after_seconds,
    triggerId: r.trigger_id,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

/** A state change that lost a race (the job moved meanwhile) is expected; any other error is not. */
export function ignoreConflict(error: unknown): undefined {
  if (error instanceof ConflictError) return undefined;
  throw error;
}

/** The machine id of a robot's stored actor ("machine 7"), or null for people and the system. */
export function machineActorId(actor: string): number | null {
  const match = /^machine (\d+)$/.exec(actor);
  return match ? Number(match[1]) : null;
}
