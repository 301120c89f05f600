import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { CompiledQuery, sql } from "kysely";
import { systemClock } from "../src/platform/clock.js";
import { createLogger } from "../src/platform/logger.js";
import { TenantAccess } from "../src/services/access/access-service.js";
import type { ServiceContext } from "../src/services/context.js";
import type { MaintenanceService } from "../src/services/maintenance/maintenance-service.js";
import { recordJobEvent } from "../src/services/monitoring/job-rollups.js";
import { MonitoringService } from "../src/services/monitoring/monitoring-service.js";
import type { MachineService } from "../src/services/robots/machine-service.js";
import { durationBounds, durationBucketCount, rangeBuckets } from "../src/shared/monitoring.js";
import { openPostgres, openSqlite, type StorageHandle } from "../src/storage/database.js";
import type { JobRow } from "../src/storage/schema.js";
import { freshPostgres } from "./foundation.js";

/**
 * Monitoring (issue #13): the jobs dashboard's query over 1,000,000 jobs' worth of rollups (target
 * < 50 ms) next to the naive scan of `jobs` for the same range in the same run, and the cost of
 * writing the rollups inside each job transaction (finishing jobs with and without the listener).
 */
const jobCount = Number(process.env.BENCH_MONITORING_JOBS ?? 1_000_000);
const seconds = Math.min(Number(process.env.BENCH_SECONDS ?? 5), 3);
const processes = 20;
const days = 90;

async function timed(run: () => Promise<unknown>): Promise<{ perSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  while (performance.now() < end) {
    const t = performance.now();
    await run();
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { perSecond: latencies.length / ((performance.now() - started) / 1000), p50: at(0.5), p99: at(0.99) };
}

/**
 * 1,000,000 finished jobs of tenant 1 over the last 90 days (20 processes in 5 folders, run times
 * 0–599 s, every 23rd faulted), and the rollups those jobs leave behind: hour rows for all 90
 * days, minute rows for the last 2 — the same numbers the listener writes one job at a time.
 */
export async function seed(storage: StorageHandle, postgres: boolean) {
  const nowS = Math.floor(Date.now() / 1000);
  const numbers = postgres
    ? `select generate_series(1, ${jobCount}) as i`
    : `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${jobCount}) select i from n`;
  const iso = (expr: string) =>
    postgres
      ? `to_char(to_timestamp(${expr}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : `strftime('%Y-%m-%dT%H:%M:%fZ', ${expr}, 'unixepoch')`;
  // Job i ended at now − i × 7.776 s (1,000,000 jobs over 90 days) after running i mod 600 s.
  const step = Math.floor((days * 86_400 * 1000) / jobCount);
  const jobsOf = `select i, 1 + i % ${processes} as process_id, 1 + (i % ${processes}) % 5 as folder_id,
      ${nowS} - (cast(i as bigint) * ${step}) / 1000 as end_s, i % 600 as dur, case when i % 23 = 0 then 1 else 0 end as bad
      from (${numbers}) n`;
  const bucketOf = `case ${durationBounds.map((b, k) => `when dur < ${b} then ${k}`).join(" ")} else ${durationBounds.length} end`;
  const histogram = Array.from(
    { length: durationBucketCount },
    (_, k) => `sum(case when ${bucketOf} = ${k} then 1 else 0 end)`,
  ).join(", ");
  const rollup = (table: string, unit: string, seconds: number, where: string) =>
    `insert into ${table} (tenant_id, folder_id, process_id, ${unit}, created, started, successful, faulted, stopped,
       duration_ms_sum, duration_count, ${Array.from({ length: durationBucketCount }, (_, k) => `d${k}`).join(", ")})
     select 1, folder_id, process_id, end_s / ${seconds}, count(*), count(*), sum(1 - bad), sum(bad), 0,
       sum(dur * 1000), count(*), ${histogram}
     from (${jobsOf}) j ${where} group by folder_id, process_id, end_s / ${seconds}`;
  const fill = async (db: typeof storage.db) => {
    await db.executeQuery(
      CompiledQuery.raw(`insert into jobs (key, tenant_id, folder_id, process_id, process_name, entry_point, command_json,
          state, priority, input_json, source, created_by, error, created_at, started_at, ended_at, updated_at)
        select 'job-' || i, 1, folder_id, process_id, 'Process ' || process_id, 'main', '[]',
          case when bad = 1 then 'faulted' else 'successful' end, 50, '{}', 'manual', 'bench',
          case when bad = 1 then 'Exited with code 1' else null end,
          ${iso("end_s - dur")}, ${iso("end_s - dur")}, ${iso("end_s")}, ${iso("end_s")}
        from (${jobsOf}) j`),
    );
    await db.executeQuery(CompiledQuery.raw(rollup("job_rollups_hour", "hour", 3600, "")));
    await db.executeQuery(
      CompiledQuery.raw(`insert into job_last_faults (tenant_id, process_id, job_id, error, ended_at)
        select 1, process_id, max(id), 'Exited with code 1', max(ended_at) from jobs where state = 'faulted' group by process_id`),
    );
    await db.executeQuery(
      CompiledQuery.raw(rollup("job_rollups_minute", "minute", 60, `where end_s >= ${nowS - 2 * 86_400}`)),
    );
  };
  if (postgres) {
    await storage.db.transaction().execute(async (tx) => {
      await tx.executeQuery(CompiledQuery.raw("set local session_replication_role = replica"));
      // Seeding a million rows takes longer than the pool's statement timeout.
      await tx.executeQuery(CompiledQuery.raw("set local statement_timeout = 0"));
      await fill(tx);
    });
    for (const t of ["jobs", "job_rollups_hour", "job_rollups_minute"])
      await storage.db.executeQuery(CompiledQuery.raw(`vacuum analyze ${t}`));
  } else {
    await sql`pragma foreign_keys = off`.execute(storage.db);
    await fill(storage.db);
    await sql`analyze`.execute(storage.db);
  }
}

/** The naive way: the same counts per hour and per process straight from `jobs` (no run times, no p95 even). */
async function naive(storage: StorageHandle, fromIso: string) {
  const db = storage.db;
  await Promise.all([
    db
      .selectFrom("jobs")
      .select([
        sql<string>`substr(ended_at, 1, 13)`.as("h"),
        sql<number>`sum(case when state = 'successful' then 1 else 0 end)`.as("ok"),
        sql<number>`sum(case when state = 'faulted' then 1 else 0 end)`.as("bad"),
      ])
      .where("tenant_id", "=", 1)
      .where("ended_at", ">=", fromIso)
      .groupBy(sql`substr(ended_at, 1, 13)`)
      .execute(),
    db
      .selectFrom("jobs")
      .select(["process_id", "state", sql<number>`count(*)`.as("c")])
      .where("tenant_id", "=", 1)
      .where("ended_at", ">=", fromIso)
      .groupBy(["process_id", "state"])
      .execute(),
  ]);
}

/** Finishing jobs: one transaction each that moves a job row, with and without the rollup listener. */
async function writeCost(storage: StorageHandle, postgres: boolean) {
  const db = storage.db;
  const rows = (await db.selectFrom("jobs").selectAll().where("tenant_id", "=", 1).limit(1).execute()) as JobRow[];
  const job = rows[0] as JobRow;
  const finish = (withRollups: boolean) =>
    db.transaction().execute(async (tx) => {
      // The seeded jobs have no tenant row: skip foreign-key checks (in both variants alike).
      if (postgres) await tx.executeQuery(CompiledQuery.raw("set local session_replication_role = replica"));
      const now = new Date().toISOString();
      const row = await tx
        .updateTable("jobs")
        .set({ updated_at: now })
        .where("id", "=", job.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (withRollups)
        await recordJobEvent(
          tx,
          { type: "job.stateChanged", job: { ...row, ended_at: now }, from: "running" },
          postgres ? "postgres" : "sqlite",
        );
    });
  const without = await timed(() => finish(false));
  const withRollups = await timed(() => finish(true));
  return { without, withRollups };
}

async function benchDatabase(label: string, open: () => StorageHandle, postgres: boolean) {
  const storage = open();
  try {
    await storage.migrate();
    const seeded = performance.now();
    await seed(storage, postgres);
    const seedSeconds = (performance.now() - seeded) / 1000;
    const ctx = { db: storage.db, clock: systemClock } as unknown as ServiceContext;
    const service = new MonitoringService(
      ctx,
      null as unknown as MachineService,
      null as unknown as MaintenanceService,
    );
    const admin = new TenantAccess(1, true, new Set(), new Map());
    const member = new TenantAccess(1, false, new Set(), new Map([[1, new Set(["jobs.view" as const])]]));
    const hourRows = await storage.db
      .selectFrom("job_rollups_hour")
      .select(sql<number>`count(*)`.as("c"))
      .executeTakeFirst();
    const out: Record<string, { perSecond: number; p50: number; p99: number }> = {};
    for (const range of ["1h", "24h", "7d"] as const) {
      const b = rangeBuckets(range, Date.now());
      for (let i = 0; i < 20; i++) await service.jobs(admin, b);
      out[`rollups ${range}`] = await timed(() => service.jobs(admin, b));
    }
    out["rollups 7d, one folder"] = await timed(() => service.jobs(member, rangeBuckets("7d", Date.now())));
    const from7d = new Date(Date.now() - 7 * 86_400_000).toISOString();
    for (let i = 0; i < 2; i++) await naive(storage, from7d);
    out["naive scan of jobs 7d (baseline)"] = await timed(() => naive(storage, from7d));
    const writes = await writeCost(storage, postgres);
    return { label, out, writes, seedSeconds, hourRows: Number(hourRows?.c ?? 0) };
  } finally {
    await storage.close();
  }
}

const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2);

type Result = Awaited<ReturnType<typeof benchDatabase>>;

function report(r: Result) {
  const base = r.out["naive scan of jobs 7d (baseline)"];
  console.log(`\n${r.label}: ${r.hourRows} hour rollup rows, seeded in ${fmt(r.seedSeconds)} s\n`);
  console.log("| query | per second | p50 ms | p99 ms | speed-up vs naive (p50) |");
  console.log("|---|---|---|---|---|");
  for (const [name, m] of Object.entries(r.out)) {
    console.log(
      `| ${name} | ${fmt(m.perSecond)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt((base?.p50 ?? 0) / m.p50)}× |`,
    );
  }
  console.log(
    `\n| job finishes/s, one transaction each, without rollups (baseline) | with rollups | ratio |\n|---|---|---|\n| ${fmt(r.writes.without.perSecond)} | ${fmt(r.writes.withRollups.perSecond)} | ${fmt(r.writes.withRollups.perSecond / r.writes.without.perSecond)} |`,
  );
}

export async function benchMonitoring(pgUrl: string | undefined, options: { sqlite?: boolean } = {}): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-bench-monitoring-"));
  const logger = createLogger("error", new Writable({ write: (_c, _e, done) => done() }));
  console.log(
    `\n## Monitoring — jobs dashboard over ${jobCount.toLocaleString("en")} jobs (${days} days, ${processes} processes), ${seconds} s per figure`,
  );
  try {
    if (options.sqlite !== false)
      report(await benchDatabase("SQLite", () => openSqlite(path.join(dir, "monitoring.sqlite")), false));
    if (pgUrl) {
      const db = await freshPostgres(pgUrl);
      try {
        // Seeding a million rows takes longer than the request timeout of the pool.
        report(
          await benchDatabase("PostgreSQL", () => openPostgres(db.url, { logger, statementTimeoutMs: 900_000 }), true),
        );
      } finally {
        await db.drop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
