import { type QueryCreator, sql } from "kysely";
import { JobState } from "../../shared/jobs.js";
import { durationBucket, unixHour, unixMinute } from "../../shared/monitoring.js";
import type { Db } from "../../storage/database.js";
import type { DialectName } from "../../storage/dialect.js";
import type { Database, JobRow } from "../../storage/schema.js";
import type { DomainEvent } from "../events/domain-events.js";

type Counter = "created" | "started" | "successful" | "faulted" | "stopped";

/**
 * Writes the job rollups as jobs change: one upsert into the minute row and one into the hour row
 * of the job's tenant, folder and process, inside the job's own transaction, so the counters can
 * neither miss a change nor count one that rolled back.
 *
 * Contention: on PostgreSQL an upsert locks its row until the job's transaction commits, so jobs
 * of the same process finishing in the same minute take turns on that row for the rest of their
 * (short) transactions. Keying by folder and process as well as the minute keeps unrelated jobs
 * off each other's rows; the minute row is always written before the hour row, so two
 * transactions never wait for each other in a cycle. `bench/monitoring.ts` measures the cost.
 * On PostgreSQL both upserts are one statement (one round trip inside the job's transaction).
 */
export async function recordJobEvent(db: Db, event: DomainEvent, dialect: DialectName): Promise<boolean> {
  if (event.type !== "job.created" && event.type !== "job.stateChanged") return false;
  const { job } = event;
  const bump = (atMs: number, counter: Counter, durationMs: number | null) =>
    bumpRollups(db, dialect, job, atMs, counter, durationMs);
  if (event.type === "job.created") {
    await bump(Date.parse(job.created_at), "created", null);
    return true;
  }
  const to = job.state;
  if (to === JobState.running && event.from === JobState.pending) {
    await bump(Date.parse(job.started_at ?? job.updated_at), "started", null);
    return true;
  }
  if (to === JobState.successful || to === JobState.faulted || to === JobState.stopped) {
    const ended = Date.parse(job.ended_at ?? job.updated_at);
    const duration = job.started_at ? Math.max(0, ended - Date.parse(job.started_at)) : null;
    await bump(ended, to, duration);
    if (to === JobState.faulted) await lastFault(db, job, new Date(ended).toISOString());
    return true;
  }
  return false;
}

async function bumpRollups(
  db: Db,
  dialect: DialectName,
  job: JobRow,
  atMs: number,
  counter: Counter,
  durationMs: number | null,
) {
  const key = { tenant_id: job.tenant_id, folder_id: job.folder_id, process_id: job.process_id ?? 0 };
  const values: Record<string, number> = { [counter]: 1 };
  if (durationMs !== null) {
    values.duration_ms_sum = durationMs;
    values.duration_count = 1;
    values[`d${durationBucket(durationMs)}`] = 1;
  }
  // `insert … on conflict do update` is the same statement in SQLite (3.24+) and PostgreSQL.
  const upsert = (qc: QueryCreator<Database>, table: "job_rollups_minute" | "job_rollups_hour") => {
    const bucket = table === "job_rollups_minute" ? "minute" : "hour";
    const set = Object.fromEntries(
      Object.keys(values).map((col) => [col, sql`${sql.ref(`${table}.${col}`)} + ${sql.ref(`excluded.${col}`)}`]),
    );
    return qc
      .insertInto(table)
      .values({ ...key, [bucket]: bucket === "minute" ? unixMinute(atMs) : unixHour(atMs), ...values } as never)
      .onConflict((oc) =>
        oc.columns(["tenant_id", bucket, "folder_id", "process_id"] as never).doUpdateSet(set as never),
      );
  };
  if (dialect === "postgres") {
    // The hour upsert as a data-modifying WITH that the minute upsert does not read: PostgreSQL
    // runs such a sub-statement after the main one, so the minute row is still locked first.
    const withHour = db.with("hour_row", (qc) => upsert(qc, "job_rollups_hour"));
    await upsert(withHour as unknown as QueryCreator<Database>, "job_rollups_minute").execute();
    return;
  }
  await upsert(db, "job_rollups_minute").execute();
  await upsert(db, "job_rollups_hour").execute();
}

/** Keeps the newest fault of the job's process (a newer job id wins, so late writers do not go back in time). */
async function lastFault(db: Db, job: JobRow, endedAt: string) {
  await db
    .insertInto("job_last_faults")
    .values({
      tenant_id: job.tenant_id,
      process_id: job.process_id ?? 0,
      job_id: job.id,
      error: job.error?.slice(0, 2000) ?? null,
      ended_at: endedAt,
    })
    .onConflict((oc) =>
      oc
        .columns(["tenant_id", "process_id"])
        .doUpdateSet((eb) => ({
          job_id: eb.ref("excluded.job_id"),
          error: eb.ref("excluded.error"),
          ended_at: eb.ref("excluded.ended_at"),
        }))
        .where("job_last_faults.job_id", "<", (eb) => eb.ref("excluded.job_id")),
    )
    .execute();
}
