import { type CreateTableBuilder, type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * Monitoring rollups (issue #13): counters the dashboards read instead of scanning `jobs`.
 * Buckets are integers — Unix minutes (`minute`) or Unix hours (`hour`) — so keys are small and
 * range scans are plain integer ranges; the UI shows them in the tenant's time zone.
 *
 * Job rollups are written as jobs change (a domain-event listener, in the job's transaction);
 * machine, queue and e-mail rollups are sampled once a minute. Minute rows are kept 2 days, hour
 * rows 90 days (the monitoring sampler prunes them).
 */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  for (const [table, bucket] of [
    ["job_rollups_minute", "minute"],
    ["job_rollups_hour", "hour"],
  ] as const) {
    let t: CreateTableBuilder<string, string> = db.schema
      .createTable(table)
      .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
      .addColumn("folder_id", "integer", (c) => c.notNull())
      // 0 for jobs whose process was deleted before they were counted.
      .addColumn("process_id", "integer", (c) => c.notNull())
      .addColumn(bucket, "integer", (c) => c.notNull())
      .addColumn("created", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("started", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("successful", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("faulted", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("stopped", "integer", (c) => c.notNull().defaultTo(0))
      // Run time (started → ended) of the jobs that ended in the bucket, in milliseconds.
      // bigint: a busy hour of long jobs passes 2^31 ms (24 days of run time) quickly.
      .addColumn("duration_ms_sum", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("duration_count", "integer", (c) => c.notNull().defaultTo(0));
    // Histogram of those run times (bounds in src/shared/monitoring.ts), for the p95.
    for (let i = 0; i < 12; i++) t = t.addColumn(`d${i}`, "integer", (c) => c.notNull().defaultTo(0));
    t = t.addPrimaryKeyConstraint(`${table}_pk`, ["tenant_id", bucket, "folder_id", "process_id"]);
    // SQLite: rows stored in key order (no rowid), so a dashboard's range is one sequential read of
    // the table itself instead of an index walk plus a lookup per row (bench/monitoring.ts).
    await (d.name === "sqlite" ? t.modifyEnd(sql`without rowid`) : t).execute();
  }
  // The newest fault of each process, for "most faulted processes" without searching `jobs`.
  await db.schema
    .createTable("job_last_faults")
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("process_id", "integer", (c) => c.notNull())
    .addColumn("job_id", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("ended_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("job_last_faults_pk", ["tenant_id", "process_id"])
    .execute();
  // Host view: jobs per hour across the installation (every tenant's rows of a range of hours).
  await sql`create index job_rollups_hour_time on job_rollups_hour (hour)`.execute(db);

  for (const [table, bucket] of [
    ["machine_rollups_minute", "minute"],
    ["machine_rollups_hour", "hour"],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
      .addColumn("machine_id", "integer", (c) => c.notNull())
      .addColumn(bucket, "integer", (c) => c.notNull())
      .addColumn("samples", "integer", (c) => c.notNull())
      // Sums over the samples: slots running a job, and slots of connected sessions.
      .addColumn("busy_slots", "integer", (c) => c.notNull())
      .addColumn("total_slots", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["tenant_id", bucket, "machine_id"])
      .execute();
  }

  for (const [table, bucket] of [
    ["queue_rollups_minute", "minute"],
    ["queue_rollups_hour", "hour"],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
      .addColumn("folder_id", "integer", (c) => c.notNull())
      .addColumn("queue_id", "integer", (c) => c.notNull())
      .addColumn(bucket, "integer", (c) => c.notNull())
      // Open items at the (last) sample of the bucket.
      .addColumn("new_items", "integer", (c) => c.notNull())
      .addColumn("in_progress", "integer", (c) => c.notNull())
      // Items that reached a result within the bucket.
      .addColumn("successful", "integer", (c) => c.notNull())
      .addColumn("failed", "integer", (c) => c.notNull())
      .addColumn("abandoned", "integer", (c) => c.notNull())
      .addColumn("processing_ms_sum", "bigint", (c) => c.notNull())
      .addColumn("processing_count", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["tenant_id", bucket, "queue_id"])
      .execute();
  }
  // The sampler counts the items that ended in the last two minutes.
  await sql`create index queue_items_ended on queue_items (ended_at) where ended_at is not null`.execute(db);

  // Host: e-mail outbox health per hour (sent and failed in the hour; held at the last sample).
  await db.schema
    .createTable("email_rollups_hour")
    .addColumn("hour", "integer", (c) => c.primaryKey())
    .addColumn("sent", "integer", (c) => c.notNull())
    .addColumn("failed", "integer", (c) => c.notNull())
    .addColumn("held", "integer", (c) => c.notNull())
    .execute();
  await sql`create index email_outbox_sent on email_outbox (sent_at) where sent_at is not null`.execute(db);
}
