import { z } from "zod";
import {
  exceptionTypes,
  parseDate,
  queueItemStatuses,
  queueLimits,
  queuePriorities,
  reviewStatuses,
  slaColours,
} from "../queues.js";
import { jsonObject, text } from "./fields.js";

/**
 * The API's shapes of queues and their items. Every bound is explicit: PostgreSQL refuses what
 * SQLite accepts (integers beyond 32 bits, NUL in text), so such input must be a 400 naming the
 * field on both databases, never a driver error.
 */

/** A database id: a positive 32-bit integer. */
export const dbId = z.coerce.number().int().positive().max(2_147_483_647);

/** An ISO-8601 date or date-time (stored as UTC); impossible dates (Feb 30) are refused. */
export const isoDate = z
  .string()
  .max(40)
  .refine((s) => parseDate(s) !== null, "must be an ISO-8601 date or date-time, e.g. 2026-12-31T18:00:00Z");

const jsonSchema = jsonObject.nullable().optional();
const minutes = z.number().int().min(1).max(5_256_000);

export const queueFields = {
  name: text(queueLimits.nameLength),
  description: z
    .string()
    .trim()
    .max(queueLimits.descriptionLength)
    .regex(/^[^\p{Cc}]*$/u, "must not contain control characters")
    .optional(),
  uniqueReference: z.boolean().optional(),
  autoRetry: z.boolean().optional(),
  maxRetries: z.number().int().min(0).max(queueLimits.maxRetries).optional(),
  retryAbandoned: z.boolean().optional(),
  slaMinutes: minutes.nullable().optional(),
  riskSlaMinutes: minutes.nullable().optional(),
  specificDataSchema: jsonSchema,
  outputDataSchema: jsonSchema,
  analyticsDataSchema: jsonSchema,
  processId: dbId.nullable().optional(),
};
export const createQueueBody = z.object(queueFields).strict();
export const updateQueueBody = z.object(queueFields).omit({ uniqueReference: true }).partial().strict();

const status = z.enum(queueItemStatuses);

export const queueSchema = z.object({
  id: z.number(),
  key: z.string(),
  folderId: z.number(),
  name: z.string(),
  description: z.string(),
  uniqueReference: z.boolean(),
  autoRetry: z.boolean(),
  maxRetries: z.number(),
  retryAbandoned: z.boolean(),
  slaMinutes: z.number().nullable(),
  riskSlaMinutes: z.number().nullable(),
  specificDataSchema: jsonObject.nullable(),
  outputDataSchema: jsonObject.nullable(),
  analyticsDataSchema: jsonObject.nullable(),
  processId: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const queueStatsSchema = queueSchema.extend({
  counts: z.record(status, z.number()),
  averageProcessingSeconds: z.number().nullable(),
  slaColour: z.enum(slaColours),
});

export const newItemBody = z
  .object({
    specificContent: jsonObject,
    reference: text(queueLimits.referenceLength).optional(),
    priority: z.enum(queuePriorities).optional(),
    deferDate: isoDate.optional(),
    dueDate: isoDate.optional(),
  })
  .strict();
export type NewItemBody = z.infer<typeof newItemBody>;

export const bulkResultSchema = z.object({
  added: z.number(),
  failedItems: z.array(
    z.object({
      ordinal: z.number(),
      row: z.number().optional(),
      type: z.string(),
      detail: z.string(),
      errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  ),
});

export const itemSchema = z.object({
  id: z.number(),
  key: z.string(),
  queueId: z.number(),
  folderId: z.number(),
  status,
  reviewStatus: z.enum(reviewStatuses),
  reviewerUserId: z.number().nullable(),
  priority: z.enum(queuePriorities),
  reference: z.string().nullable(),
  specificContent: jsonObject,
  output: jsonObject.nullable(),
  analytics: jsonObject.nullable(),
  progress: z.string().nullable(),
  deferDate: z.string().nullable(),
  dueDate: z.string().nullable(),
  riskSlaDate: z.string().nullable(),
  exception: z
    .object({ type: z.enum(exceptionTypes), reason: z.string().nullable(), details: z.string().nullable() })
    .nullable(),
  retryNumber: z.number(),
  ancestorId: z.number().nullable(),
  manualRetryNumber: z.number(),
  creatorJobId: z.number().nullable(),
  executorJobId: z.number().nullable(),
  machineId: z.number().nullable(),
  createdBy: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  rowVersion: z.number(),
});
export const itemDetailSchema = itemSchema.extend({
  history: z.array(
    z.object({
      id: z.number(),
      action: z.string(),
      status,
      actor: z.object({ kind: z.string(), name: z.string() }),
      detail: z.string().nullable(),
      at: z.string(),
    }),
  ),
  retryChain: z.array(
    z.object({
      id: z.number(),
      status,
      retryNumber: z.number(),
      manualRetryNumber: z.number(),
      ancestorId: z.number().nullable(),
      createdAt: z.string(),
    }),
  ),
});

export type QueueInput = z.input<typeof createQueueBody>;
export type Queue = z.infer<typeof queueStatsSchema>;
export type NewQueueItem = z.input<typeof newItemBody>;
export type BulkResult = z.infer<typeof bulkResultSchema>;
export type QueueItem = z.infer<typeof itemSchema>;
export type QueueItemDetail = z.infer<typeof itemDetailSchema>;
/** A queue definition without its figures (what the job routes and services hand around). */
export type QueueDefinition = z.infer<typeof queueSchema>;
