/**
 * Job states (orchestrator-spec §4.2, API.md):
 *
 *   pending ──dispatch──▶ running ──exit 0──▶ successful
 *      │                    │  └──exit ≠ 0 / robot lost / error──▶ faulted
 *      └──cancel──▶ stopped ├──stop──▶ stopping ──exit──▶ stopped (or successful/faulted)
 *                           └──kill──▶ terminating ──exit / 3 s──▶ stopped
 *   stopping ──kill──▶ terminating
 */
export const JobState = {
  pending: "pending",
  running: "running",
  stopping: "stopping",
  terminating: "terminating",
  successful: "successful",
  faulted: "faulted",
  stopped: "stopped",
} as const;
export type JobState = (typeof JobState)[keyof typeof JobState];
export const jobStates = Object.values(JobState);

export const jobTransitions: Readonly<Record<JobState, readonly JobState[]>> = {
  pending: ["running", "stopped"],
  // Back to pending: the assignment never reached the robot (it never acknowledged the job).
  running: ["pending", "stopping", "terminating", "successful", "faulted", "stopped"],
  stopping: ["terminating", "successful", "faulted", "stopped"],
  terminating: ["successful", "faulted", "stopped"],
  successful: [],
  faulted: [],
  stopped: [],
};

export const finalJobStates: readonly JobState[] = [JobState.successful, JobState.faulted, JobState.stopped];
/** States in which a robot is (or should be) running the job. */
export const activeJobStates: readonly JobState[] = [JobState.running, JobState.stopping, JobState.terminating];

export function isFinalJobState(state: JobState): boolean {
  return finalJobStates.includes(state);
}

export function canMoveJob(from: JobState, to: JobState): boolean {
  return jobTransitions[from].includes(to);
}

export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof logLevels)[number];

/** Seconds between a kill request and the forced SIGKILL on the robot. */
export const killGraceSeconds = 3;
