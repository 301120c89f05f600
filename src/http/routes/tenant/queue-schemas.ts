import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { parseDate } from "../../../services/queues/queue-item-ops.js";
import type { QueueCaller } from "../../../services/queues/queue-model.js";
import {
  commitTypes,
  exceptionTypes,
  queueItemStatuses,
  queueLimits,
  queuePriorities,
  reviewStatuses,
} from "../../../shared/queues.js";
import { actorOf } from "../../auth.js";
import { text } from "../../schemas.js";

/**
 * The zod shapes of the queue routes (tenant routes and /job routes). Every bound is explicit:
 * PostgreSQL refuses what SQLite accepts (integers beyond 32 bits, NUL in text), so such input
 * must be a 400 naming the field on both databases, never a driver error.
 */

/** A database id: a positive 32-bit integer. */
export const dbId = z.coerce.number().int().positive().max(2_147_483_647);
/** Free text that may hold line breaks, but never NUL (PostgreSQL text cannot store it). */
export const longText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL characters");
/** An ISO-8601 date or date-time (stored as UTC); impossible dates (Feb 30) are refused. */
export const isoDate = z
  .string()
  .max(40)
  .refine((s) => parseDate(s) !== null, "must be an ISO-8601 date or date-time, e.g. 2026-12-31T18:00:00Z");
const jsonObject = z.record(z.string(), z.unknown());
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
const status = z.enum(queueItemStatuses);
export const queueStatsSchema = queueSchema.extend({
  counts: z.record(status, z.number()),
  averageProcessingSeconds: z.number().nullable(),
  slaColour: z.enum(["grey", "green", "orange", "red"]),
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

/** The item with its dates as ISO UTC (the schema checked that they parse). */
export function normaliseItem(item: NewItemBody): NewItemBody {
  return {
    ...item,
    ...(item.deferDate !== undefined && { deferDate: parseDate(item.deferDate) as string }),
    ...(item.dueDate !== undefined && { dueDate: parseDate(item.dueDate) as string }),
  };
}

export const bulkBody = z
  .object({
    commitType: z.enum(commitTypes),
    items: z.array(newItemBody).min(1).max(queueLimits.bulkItems),
  })
  .strict();
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

export const startBody = z
  .object({
    reference: text(queueLimits.referenceLength).optional(),
    referenceFilter: z.enum(["equals", "startsWith"]).optional(),
  })
  .strict();
export const progressBody = z.object({ progress: longText(queueLimits.progressLength) }).strict();
export const resultBody = z
  .object({
    status: z.enum(["successful", "failed"]),
    exceptionType: z.enum(exceptionTypes).optional(),
    reason: longText(queueLimits.reasonLength).optional(),
    details: longText(queueLimits.detailsLength).optional(),
    output: jsonObject.optional(),
    analytics: jsonObject.optional(),
  })
  .strict();
export const reviewBody = z
  .object({ reviewStatus: z.enum(reviewStatuses).optional(), reviewerUserId: dbId.nullable().optional() })
  .strict();

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

export const itemQuery = z
  .object({
    status: status.optional(),
    reference: text(queueLimits.referenceLength).optional(),
    priority: z.enum(queuePriorities).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    sort: z.enum(["newest", "oldest"]).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: dbId.optional(),
  })
  .strict();

/** The queue caller of a request: its audit actor, and the running job when a job token called. */
export function callerOf(request: FastifyRequest, orgId: number): QueueCaller {
  const job = request.jobAuth;
  return { actor: actorOf(request), orgId, ...(job && { job: { id: job.jobId, machineId: job.machineId } }) };
}
