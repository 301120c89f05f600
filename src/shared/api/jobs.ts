import { z } from "zod";
import { jobStates, logLevels } from "../jobs.js";
import { bodyId, jsonObject } from "./fields.js";

/** The API's shapes of jobs and their logs: the routes validate and describe with them, the web infers its types. */

export const jobSchema = z.object({
  id: z.number(),
  key: z.string(),
  state: z.enum(jobStates),
  folderId: z.number(),
  processId: z.number().nullable(),
  processName: z.string(),
  entryPoint: z.string(),
  priority: z.number(),
  targetMachineId: z.number().nullable(),
  machineId: z.number().nullable(),
  inputArguments: jsonObject,
  outputArguments: jsonObject.nullable(),
  error: z.string().optional(),
  source: z.string(),
  createdBy: z.string(),
  stopAfterSeconds: z.number().nullable(),
  killAfterSeconds: z.number().nullable(),
  /** The trigger that started the job (source `trigger`), if any. */
  triggerId: z.number().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
export type Job = z.infer<typeof jobSchema>;

/** One transition of a job: the stored actor, its display name (a machine's current name), the reason. */
export const timelineEntrySchema = z.object({
  state: z.string(),
  actor: z.string().describe('Who made the transition as stored: a user, "system", or "machine <id>"'),
  actorName: z.string().describe("The actor for display: a machine's current name, otherwise `actor`"),
  reason: z.string().nullable().describe("Why, in English (raw text for a robot's error)"),
  reasonCode: z
    .string()
    .nullable()
    .describe("The reason as a stable code (docs/job-reasons.md), for text in the reader's language"),
  reasonParams: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).nullable(),
  at: z.string(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const jobDetailSchema = jobSchema.extend({
  timeline: z.array(timelineEntrySchema),
  waitingFor: z
    .object({
      code: z
        .string()
        .describe(
          "maintenance | licenseExpired | licenseSlots | noMachine | targetMachineNotServing | disconnected | slotsBusy | queued",
        ),
      params: z.record(z.string(), z.union([z.string(), z.number()])),
      message: z.string(),
    })
    .nullable()
    .describe("Why a pending job has not started, from the dispatcher's own rules (null otherwise)"),
});
export type JobDetail = z.infer<typeof jobDetailSchema>;

/** `POST …/folders/{folder}/jobs`. */
export const jobStartSchema = z
  .object({
    processId: bodyId,
    inputArguments: jsonObject.optional(),
    count: z.number().int().min(1).max(100).optional(),
    machineId: bodyId.optional(),
    priority: z.number().int().min(1).max(100).optional(),
    stopAfterSeconds: z.number().int().min(1).max(604_800).optional(),
    killAfterSeconds: z.number().int().min(1).max(604_800).optional(),
  })
  .strict();
export type JobStartInput = z.infer<typeof jobStartSchema>;

export const logLineSchema = z.object({
  id: z.number(),
  timestamp: z.string(),
  level: z.enum(logLevels),
  message: z.string(),
});
export type LogLine = z.infer<typeof logLineSchema>;
