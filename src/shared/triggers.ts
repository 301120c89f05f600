/**
 * Triggers (orchestrator-spec §4.3). Only `time` triggers exist so far; `queue` and `http`
 * triggers are separate kinds of the same table (their settings in `config_json`), evaluated by
 * their own code (queue arrivals, HTTP calls) — the scheduler only ever picks `time` triggers.
 */
export const TriggerKind = {
  time: "time",
  queue: "queue",
  http: "http",
} as const;
export type TriggerKind = (typeof TriggerKind)[keyof typeof TriggerKind];

/** What happened to one fire time of a trigger (its history). */
export const FiringOutcome = {
  /** Jobs were created. */
  fired: "fired",
  /** Deliberately not fired: maintenance, a calendar's excluded day, missed while down, a disabled tenant. */
  skipped: "skipped",
  /** Should have fired but could not create its jobs (package gone, a pending job already waiting, …). */
  failed: "failed",
} as const;
export type FiringOutcome = (typeof FiringOutcome)[keyof typeof FiringOutcome];
export const firingOutcomes = Object.values(FiringOutcome);

/** Stop-after and kill-after: 1 minute … 10 days 23 h 59 min (in seconds). */
export const minJobLimitSeconds = 60;
export const maxJobLimitSeconds = 10 * 86_400 + 23 * 3600 + 59 * 60;

/** Jobs one firing may create. */
export const maxJobsPerFiring = 100;

/** Default catch-up grace for missed fire times (tenant setting), in seconds. */
export const defaultCatchUpSeconds = 300;

/** The methods and call modes of HTTP triggers. */
export const httpMethods = ["GET", "POST", "PUT", "DELETE"] as const;
export type HttpMethod = (typeof httpMethods)[number];
export const callModes = ["fireAndForget", "asyncRequestReply", "longPolling"] as const;
export type CallMode = (typeof callModes)[number];

/** Bounds of a queue trigger's three numbers. */
export const queueTriggerLimits = {
  minItems: { min: 1, max: 10_000 },
  maxConcurrentJobs: { min: 1, max: 100 },
  itemsPerJob: { min: 1, max: 10_000 },
} as const;
