import { z } from "zod";
import {
  callModes,
  firingOutcomes,
  httpMethods,
  maxJobLimitSeconds,
  maxJobsPerFiring,
  minJobLimitSeconds,
  queueTriggerLimits,
} from "../triggers.js";
import { bodyId, text } from "./fields.js";

/** The API's shapes of triggers (time, HTTP, queue), their firings, calendars and the tenant settings. */

const zone = text(64);
const cron = text(200);
const limit = z.number().int().min(minJobLimitSeconds).max(maxJobLimitSeconds);

export const triggerSchema = z.object({
  id: z.number(),
  key: z.string(),
  type: z.string(),
  folderId: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  slug: z.string().nullable(),
  method: z.string().nullable(),
  callMode: z.string().nullable(),
  queueId: z.number().nullable(),
  minItems: z.number().nullable(),
  maxConcurrentJobs: z.number().nullable(),
  itemsPerJob: z.number().nullable(),
  processId: z.number(),
  inputArguments: z.record(z.string(), z.unknown()),
  priority: z.number().nullable(),
  machineId: z.number().nullable(),
  jobCount: z.number(),
  cron: z.string().nullable(),
  timeZone: z.string().nullable(),
  calendarId: z.number().nullable(),
  stopAfterSeconds: z.number().nullable(),
  killAfterSeconds: z.number().nullable(),
  alertPendingSeconds: z.number().nullable(),
  alertRunningSeconds: z.number().nullable(),
  endDate: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable().describe("Why the trigger turned itself off, in English."),
  disabledReasonCode: z
    .string()
    .nullable()
    .describe("The same reason as a code (with `disabledReasonParams`), to show it in the reader's language."),
  disabledReasonParams: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).nullable(),
  nextFireTime: z.string().nullable(),
  summary: z.string().nullable(),
  lastFiredAt: z.string().nullable(),
  lastResult: z.string().nullable(),
  createdBy: z.string(),
  updatedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** What every kind of trigger starts with, and the options of the jobs it starts (in this order). */
const head = {
  name: text(128),
  description: text(512).nullable().optional(),
  processId: bodyId,
};
const jobOptions = {
  inputArguments: z.record(z.string(), z.unknown()).optional(),
  priority: z.number().int().min(1).max(100).nullable().optional(),
  machineId: bodyId.nullable().optional(),
  stopAfterSeconds: limit.nullable().optional(),
  killAfterSeconds: limit.nullable().optional(),
};

const timeFields = {
  ...head,
  cron,
  timeZone: zone.optional(),
  calendarId: bodyId.nullable().optional(),
  inputArguments: z.record(z.string(), z.unknown()).optional(),
  priority: z.number().int().min(1).max(100).nullable().optional(),
  machineId: bodyId.nullable().optional(),
  jobCount: z.number().int().min(1).max(maxJobsPerFiring).optional(),
  stopAfterSeconds: limit.nullable().optional(),
  killAfterSeconds: limit.nullable().optional(),
  alertPendingSeconds: limit.nullable().optional(),
  alertRunningSeconds: limit.nullable().optional(),
  endDate: z.iso.datetime({ offset: true }).nullable().optional(),
  enabled: z.boolean().optional(),
};
const timeBody = z.object({ type: z.literal("time"), ...timeFields }).strict();
const slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "must be letters, digits, '-', '_' or '.' (at most 100)")
  .refine((s) => s.toLowerCase() !== "jobs", 'must not be "jobs"');
const httpBody = z
  .object({
    type: z.literal("http"),
    ...head,
    slug,
    method: z.enum(httpMethods),
    callMode: z.enum(callModes),
    ...jobOptions,
    enabled: z.boolean().optional(),
  })
  .strict();
const queueNumbers = {
  minItems: z.number().int().min(queueTriggerLimits.minItems.min).max(queueTriggerLimits.minItems.max),
  maxConcurrentJobs: z
    .number()
    .int()
    .min(queueTriggerLimits.maxConcurrentJobs.min)
    .max(queueTriggerLimits.maxConcurrentJobs.max),
  itemsPerJob: z.number().int().min(queueTriggerLimits.itemsPerJob.min).max(queueTriggerLimits.itemsPerJob.max),
};
const queueBody = z
  .object({
    type: z.literal("queue"),
    ...head,
    queueId: bodyId,
    minItems: queueNumbers.minItems.optional(),
    maxConcurrentJobs: queueNumbers.maxConcurrentJobs.optional(),
    itemsPerJob: queueNumbers.itemsPerJob.optional(),
    ...jobOptions,
    enabled: z.boolean().optional(),
  })
  .strict();
/** `POST …/folders/{folder}/triggers`: a time, HTTP or queue trigger by `type`. */
export const createTriggerSchema = z.discriminatedUnion("type", [timeBody, httpBody, queueBody]);
/** `PATCH …/triggers/{id}`: the fields of the trigger's kind. */
export const triggerChangeSchema = z
  .object({
    ...timeFields,
    minItems: queueNumbers.minItems,
    maxConcurrentJobs: queueNumbers.maxConcurrentJobs,
    itemsPerJob: queueNumbers.itemsPerJob,
    slug,
    method: z.enum(httpMethods),
    callMode: z.enum(callModes),
  })
  .partial()
  .strict();

export const firingSchema = z.object({
  id: z.number(),
  fireTime: z.string(),
  outcome: z.enum(firingOutcomes),
  reason: z.string().nullable(),
  jobIds: z.array(z.number()),
  createdAt: z.string(),
});

/** `POST …/triggers/preview`: what a cron expression would do (nothing saved). */
export const previewRequestSchema = z
  .object({
    cron,
    timeZone: zone.optional(),
    calendarId: bodyId.optional(),
    count: z.number().int().min(1).max(50).optional(),
  })
  .strict();
export const previewSchema = z.object({ times: z.array(z.string()), summary: z.string(), timeZone: z.string() });
export type Preview = z.infer<typeof previewSchema>;

/** A non-working-day calendar. */
export const calendarSchema = z.object({
  id: z.number(),
  name: z.string(),
  timeZone: z.string(),
  excludedDates: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Calendar = z.infer<typeof calendarSchema>;
export const calendarFields = {
  name: text(128),
  timeZone: text(64),
  // Checked as real dates by the service (no 2026-02-30); the format here.
  excludedDates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be written YYYY-MM-DD")).max(3660),
};
export const calendarInputSchema = z.object(calendarFields).strict();
export type CalendarInput = z.infer<typeof calendarInputSchema>;

/** The tenant's settings (time zone, trigger catch-up grace and auto-disable, log retention, queue abandon hours). */
export const tenantSettingsSchema = z.object({
  /** IANA zone: the default of new triggers and the zone the UI shows tenant times in. */
  timeZone: z.string(),
  /** Missed fire times noticed within this many seconds get one catch-up firing; older ones are skipped. */
  triggerCatchUpSeconds: z.number(),
  /** A trigger disables itself after this many consecutive faulted jobs (0 = never)… */
  triggerDisableFailedCount: z.number(),
  /** …when they all ended within this many days. */
  triggerDisableFailingDays: z.number(),
  /** Days job logs are kept. */
  logRetentionDays: z.number(),
  /** Hours a queue item may stay in progress before it is abandoned (also `T/queue-settings`). */
  queueAbandonHours: z.number(),
});
export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

export type Trigger = z.infer<typeof triggerSchema>;
export type Firing = z.infer<typeof firingSchema>;
type TriggerBody = z.input<typeof createTriggerSchema>;
/** A time trigger as created (the web adds `type`). */
export type TriggerInput = Omit<Extract<TriggerBody, { type: "time" }>, "type">;
/** A queue trigger as created; an existing one changes only the three numbers and enabled. */
export type QueueTriggerInput = Omit<Extract<TriggerBody, { type: "queue" }>, "type">;
/** An HTTP trigger as created or changed. */
export type HttpTriggerInput = Omit<Extract<TriggerBody, { type: "http" }>, "type">;
export type TriggerChanges = z.input<typeof triggerChangeSchema>;
