import { ConflictError } from "../../domain/errors.js";
import { type JobReason, type JobReasonParams, jobReason } from "../../shared/job-reasons.js";
import type { JobState, LogLevel } from "../../shared/jobs.js";
import type { JobRow, ProcessRow } from "../../storage/schema.js";

export interface Job {
  id: number;
  key: string;
  state: JobState;
  folderId: number;
  processId: number | null;
  processName: string;
  entryPoint: string;
  priority: number;
  targetMachineId: number | null;
  machineId: number | null;
  inputArguments: Record<string, unknown>;
  outputArguments: Record<string, unknown> | null;
  error?: string;
  source: string;
  createdBy: string;
  stopAfterSeconds: number | null;
  killAfterSeconds: number | null;
  /** The trigger that started the job (source `trigger`), if any. */
  triggerId: number | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface StartJobs {
  processId: number;
  inputArguments?: Record<string, unknown> | undefined;
  count?: number | undefined;
  machineId?: number | undefined;
  priority?: number | undefined;
  stopAfterSeconds?: number | undefined;
  killAfterSeconds?: number | undefined;
}

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
}

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
  wakeDispatcher(): void;
}

const levelOrder = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export function levelsAtLeast(level: LogLevel): LogLevel[] {
  return levelOrder.slice(levelOrder.indexOf(level));
}

export function exitReason(code: number | null): JobReason {
  return code === null ? jobReason("ended-by-signal") : jobReason("exited-with-code", { code });
}

export function present(r: JobRow): Job {
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

/** One transition of a job: the stored actor, its display name (a machine's current name), the reason. */
export interface TimelineEntry {
  state: string;
  actor: string;
  actorName: string;
  reason: string | null;
  /** The reason as a code of src/shared/job-reasons.ts, for a reader's language (null: `reason` is raw text). */
  reasonCode: string | null;
  reasonParams: JobReasonParams | null;
  at: string;
}

/** The machine id of a robot's stored actor ("machine 7"), or null for people and the system. */
export function machineActorId(actor: string): number | null {
  const match = /^machine (\d+)$/.exec(actor);
  return match ? Number(match[1]) : null;
}
