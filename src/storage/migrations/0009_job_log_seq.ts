import type { Kysely } from "kysely";

/**
 * The sequence number of the last log batch stored per job: robots send unacknowledged batches
 * again after a reconnect, and a batch at or below it was stored already (robot protocol 2).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("jobs")
    .addColumn("log_seq", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}
