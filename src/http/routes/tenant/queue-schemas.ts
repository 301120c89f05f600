import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { parseDate } from "../../../services/queues/queue-item-ops.js";
import type { QueueCaller } from "../../../services/queues/queue-model.js";
import { jsonObject } from "../../../shared/api/fields.js";
import { dbId, isoDate, type NewItemBody, newItemBody } from "../../../shared/api/queues.js";
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

export {
  bulkResultSchema,
  createQueueBody,
  dbId,
  isoDate,
  itemDetailSchema,
  itemSchema,
  type NewItemBody,
  newItemBody,
  queueFields,
  queueSchema,
  queueStatsSchema,
  updateQueueBody,
} from "../../../shared/api/queues.js";

/** Free text that may hold line breaks, but never NUL (PostgreSQL text cannot store it). */
export const longText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL characters");

/**
 * The zod shapes of the queue routes (tenant routes and /job routes). Every bound is explicit:
 * PostgreSQL refuses what SQLite accepts (integers beyond 32 bits, NUL in text), so such input
 * must be a 400 naming the field on both databases, never a driver error.
 */

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

const status = z.enum(queueItemStatuses);

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
