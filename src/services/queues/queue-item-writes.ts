import { randomUUID } from "node:crypto";
import { ConflictError, ValidationError } from "../../domain/errors.js";
import type { NewQueueItem as NewQueueItemBody } from "../../shared/api/queues.js";
import { ProblemType } from "../../shared/problem-types.js";
import { priorityRank, QueueItemStatus, queueLimits, ReviewStatus } from "../../shared/queues.js";
import type { Db } from "../../storage/database.js";
import type { NewQueueItem, QueueRow } from "../../storage/schema.js";
import type { ServiceContext } from "../context.js";
import { contentJson, noDueDate, type QueueCaller, type SchemaCache } from "./queue-model.js";

/** Checking and inserting new items: shared by adding (one, bulk, CSV), editing and StartTransaction with content. */

export type NewItem = NewQueueItemBody;

/** A specific-content key no JSON body can produce: marks CSV rows that failed to parse. */
export const parseMarker = "\u0000unreadable-row";

/** Field errors of one new (or edited) item: content size, schema, reference length, dates; named under `prefix`. */
export function checkItem(schemas: SchemaCache, queue: QueueRow, item: NewItem, prefix: string) {
  if (parseMarker in item.specificContent) return [{ path: `${prefix}row`, message: "could not be read" }];
  const errors: { path: string; message: string }[] = [];
  try {
    contentJson(item.specificContent, `${prefix}specificContent`);
  } catch (error) {
    if (error instanceof ValidationError) return error.extensions.errors as typeof errors;
    throw error;
  }
  errors.push(...schemas.check(queue, "specific", item.specificContent, `${prefix}specificContent`));
  if (item.reference !== undefined && item.reference.length > queueLimits.referenceLength)
    errors.push({ path: `${prefix}reference`, message: `must be at most ${queueLimits.referenceLength} characters` });
  if (item.deferDate && item.dueDate && item.deferDate > item.dueDate)
    errors.push({ path: `${prefix}deferDate`, message: "must not be after dueDate" });
  return errors;
}

/** Inserts `new` items with their `created` events and the domain event, in the caller's transaction. */
export async function insertItems(
  ctx: ServiceContext,
  tx: Db,
  q: QueueRow,
  caller: QueueCaller,
  items: NewItem[],
  now: string,
) {
  const values: NewQueueItem[] = items.map((item) => {
    const due =
      item.dueDate ??
      (q.sla_minutes !== null ? new Date(Date.parse(now) + q.sla_minutes * 60_000).toISOString() : null);
    return {
      key: randomUUID(),
      tenant_id: q.tenant_id,
      folder_id: q.folder_id,
      queue_id: q.id,
      status: QueueItemStatus.new,
      review_status: ReviewStatus.none,
      reviewer_user_id: null,
      priority: priorityRank[item.priority ?? "normal"],
      reference: item.reference ?? null,
      unique_reference: q.unique_reference,
      specific_json: JSON.stringify(item.specificContent),
      defer_date: item.deferDate ?? null,
      due_date: due,
      due_order: due ?? noDueDate,
      risk_sla_date:
        q.risk_sla_minutes !== null ? new Date(Date.parse(now) + q.risk_sla_minutes * 60_000).toISOString() : null,
      retry_number: 0,
      manual_retry_number: 0,
      creator_job_id: caller.job?.id ?? null,
      created_by: caller.actor.name,
      created_at: now,
      updated_at: now,
      row_version: 1,
    };
  });
  const rows = await tx.insertInto("queue_items").values(values).returningAll().execute();
  await tx
    .insertInto("queue_item_events")
    .values(
      rows.map((r) => ({
        item_id: r.id,
        action: "created",
        status: QueueItemStatus.new,
        actor_kind: caller.actor.kind,
        actor_name: caller.actor.name,
        detail: null,
        created_at: now,
      })),
    )
    .execute();
  await ctx.events?.emit(tx, { type: "queueItem.added", queue: q, items: rows });
  return rows;
}

/** Runs `work`, turning the unique-reference index's violation into a 409 `duplicate-reference`. */
export async function duplicateAsConflict<T>(ctx: ServiceContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (ctx.dialect.isUniqueViolation(error))
      throw new ConflictError("An item with this reference is already in the queue.", ProblemType.duplicateReference, {
        errors: [{ path: "reference", message: "is already in the queue" }],
      });
    throw error;
  }
}
