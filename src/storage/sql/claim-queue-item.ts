import type { Db } from "../database.js";
import type { DialectName } from "../dialect.js";
import type { QueueItemRow } from "../schema.js";

export interface ClaimQueueItem {
  queueId: number;
  now: string;
  executorJobId: number | null;
  machineId: number | null;
  reference?: { value: string; filter: "equals" | "startsWith" } | undefined;
}

/**
 * Hands the next item of a queue to one consumer: the `new` item whose defer date has passed,
 * by priority, then due date (`due_order`, so items without one come last on both databases),
 * then age; optionally only items whose reference equals or starts with a text.
 *
 * ONE conditional statement, so no item ever goes to two consumers, on one node or many:
 * - PostgreSQL: the inner SELECT takes the row with `FOR UPDATE SKIP LOCKED`, so concurrent
 *   consumers skip each other's candidate instead of queueing behind it (without SKIP LOCKED,
 *   50 parallel claims serialise on the first row and 49 of them find it taken and get nothing
 *   although 49 other items wait); the outer `status = 'new'` re-check guards the rest.
 * - SQLite: one connection, one writer: the UPDATE runs alone, the sub-select and the update see
 *   the same snapshot. SQLite has no row locks (and no FOR UPDATE), so the clause is left out.
 * `startsWith` compares `substr(reference, 1, n)`: LIKE is case-insensitive on SQLite but not on
 * PostgreSQL, and prefixes are matched exactly in both.
 */
export function claimQueueItem(db: Db, dialect: DialectName, c: ClaimQueueItem): Promise<QueueItemRow | undefined> {
  const ref = c.reference;
  return db
    .updateTable("queue_items")
    .set((eb) => ({
      status: "inProgress",
      started_at: c.now,
      updated_at: c.now,
      executor_job_id: c.executorJobId,
      machine_id: c.machineId,
      row_version: eb("row_version", "+", 1),
    }))
    .where("id", "=", (eb) =>
      eb
        .selectFrom("queue_items as q")
        .select("q.id")
        .where("q.queue_id", "=", c.queueId)
        .where("q.status", "=", "new")
        .where((w) => w.or([w("q.defer_date", "is", null), w("q.defer_date", "<=", c.now)]))
        .$if(ref?.filter === "equals", (q) => q.where("q.reference", "=", ref?.value ?? ""))
        .$if(ref?.filter === "startsWith", (q) =>
          q.where((w) =>
            w(w.fn("substr", ["q.reference", w.lit(1), w.val(ref?.value.length ?? 0)]), "=", ref?.value ?? ""),
          ),
        )
        .orderBy("q.priority")
        .orderBy("q.due_order")
        .orderBy("q.id")
        .limit(1)
        .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
    )
    .where("status", "=", "new")
    .returningAll()
    .executeTakeFirst();
}
