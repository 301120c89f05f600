import type { Db } from "../database.js";

/** Log lines deleted per statement by the retention sweep. */
export const logPurgeBatch = 5000;

/**
 * Deletes up to `logPurgeBatch` log lines of a tenant older than `cutoff`; returns how many.
 * The caller repeats until fewer come back.
 *
 * In batches: one statement over millions of lines would hold the write lock (SQLite) or a long
 * transaction (PostgreSQL) for minutes, and run into the statement timeout. `id in (select … limit)`
 * because neither database takes a LIMIT on DELETE portably; the sub-select walks the
 * `job_logs_tenant_time` index (tenant_id, timestamp).
 */
export async function purgeJobLogsBatch(db: Db, tenantId: number, cutoff: string): Promise<number> {
  const result = await db
    .deleteFrom("job_logs")
    .where("id", "in", (eb) =>
      eb
        .selectFrom("job_logs")
        .select("id")
        .where("tenant_id", "=", tenantId)
        .where("timestamp", "<", cutoff)
        .limit(logPurgeBatch),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
