import { ConflictError } from "../../domain/errors.js";
import { ProblemType } from "../../shared/problem-types.js";
import { canMoveQueueItem, isFinalQueueItemStatus, QueueItemStatus, ReviewStatus } from "../../shared/queues.js";
import type { Db } from "../../storage/database.js";
import type { QueueItemRow } from "../../storage/schema.js";
import { itemEvent, type QueueCaller } from "./queue-model.js";

/** Item state changes shared by the item, transaction and sweeper services. */

/**
 * One conditional change of an item (row version and status must be unchanged), else 409. `to`
 * must be allowed by the transition table, or the item's own status (progress of an item in progress).
 */
export async function moveItem(
  db: Db,
  row: QueueItemRow,
  to: QueueItemStatus,
  values: Partial<Omit<QueueItemRow, "id" | "row_version" | "status">>,
): Promise<QueueItemRow> {
  if (to !== row.status && !canMoveQueueItem(row.status, to))
    throw new ConflictError(`An item cannot move from ${row.status} to ${to}.`, ProblemType.invalidStateTransition, {
      from: row.status,
      to,
    });
  if (to === row.status && isFinalQueueItemStatus(to))
    throw new ConflictError(`The item is ${to}: final items cannot change.`, ProblemType.invalidStateTransition, {
      from: row.status,
    });
  const updated = await db
    .updateTable("queue_items")
    .set((eb) => ({ ...values, status: to, row_version: eb("row_version", "+", 1) }))
    .where("id", "=", row.id)
    .where("status", "=", row.status)
    .where("row_version", "=", row.row_version)
    .returningAll()
    .executeTakeFirst();
  if (!updated)
    throw new ConflictError("The item changed meanwhile; reload it.", ProblemType.invalidStateTransition, {
      from: row.status,
      to,
    });
  return updated;
}

/**
 * Retries a failed or abandoned item in the caller's transaction: the original becomes
 * `retried`, a `new` clone with the same key, content and reference carries on. Returns the clone.
 */
export async function retryItem(
  tx: Db,
  row: QueueItemRow,
  caller: Pick<QueueCaller, "actor">,
  now: string,
  how: { manual: boolean; reason: string },
): Promise<QueueItemRow> {
  // The original leaves the unique-reference index first, so the clone may take its reference.
  await moveItem(tx, row, QueueItemStatus.retried, {
    updated_at: now,
    ...(how.manual && { review_status: ReviewStatus.retried }),
  });
  await itemEvent(tx, row.id, "retry", QueueItemStatus.retried, caller.actor, how.reason, now);
  const { id: _id, ...rest } = row;
  const clone = await tx
    .insertInto("queue_items")
    .values({
      ...rest,
      status: QueueItemStatus.new,
      review_status: ReviewStatus.none,
      reviewer_user_id: null,
      output_json: null,
      analytics_json: null,
      progress: null,
      exception_type: null,
      exception_reason: null,
      exception_details: null,
      processing_ms: null,
      sla_alert_level: 0,
      retry_number: how.manual ? row.retry_number : row.retry_number + 1,
      manual_retry_number: how.manual ? row.manual_retry_number + 1 : row.manual_retry_number,
      ancestor_id: row.id,
      executor_job_id: null,
      machine_id: null,
      created_by: caller.actor.name,
      started_at: null,
      ended_at: null,
      created_at: now,
      updated_at: now,
      row_version: 1,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await itemEvent(tx, clone.id, "created", QueueItemStatus.new, caller.actor, `Retry of item ${row.id}`, now);
  return clone;
}

export { parseDate } from "../../shared/queues.js";
