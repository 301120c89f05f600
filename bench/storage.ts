import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { CompiledQuery, sql } from "kysely";
import { systemClock } from "../src/platform/clock.js";
import { createLogger } from "../src/platform/logger.js";
import type { ServiceContext } from "../src/services/context.js";
import { HeartbeatBatch } from "../src/services/robots/heartbeat-batch.js";
import { openPostgres, openSqlite, type StorageHandle } from "../src/storage/database.js";
import { claimJob } from "../src/storage/sql/claim-job.js";
import { freshPostgres } from "./foundation.js";
import { addSummary } from "./summary.js";

/**
 * Storage benchmarks (issue #14, #11 item 12), each against a baseline in the same run:
 * - SQLite with the prepared-statement cache vs the same file preparing every statement anew;
 * - `GET T/jobs`'s query over 10,000 jobs with the 0014 indexes vs the same table without them;
 * - 1,000 robot heartbeats written in one batched statement vs one UPDATE each (as before);
 * - PostgreSQL: the same statements as prepared statements (pg-client.ts) vs unnamed ones, which
 *   the server parses and plans on every run.
 * The queries are the services' own shapes run through Kysely, without HTTP around them.
 */
const seconds = Math.min(Number(process.env.BENCH_SECONDS ?? 5), 3);
const jobCount = 10_000;
const sessionCount = 1_000;

/** Runs `run` back to back for `seconds`; returns runs per second and p50 / p99 ms. */
async function timed(run: () => Promise<unknown>, parts = 1): Promise<{ perSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = performance.now() + (seconds * 1000) / parts;
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

/** 10,000 jobs over 20 tenants and 10 folders, and 1,000 live robot sessions; no foreign keys checked. */
async function seed(storage: StorageHandle, postgres: boolean): Promise<void> {
  const fill = async (db: typeof storage.db) => {
    await db.executeQuery(
      CompiledQuery.raw(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${jobCount})
        insert into jobs (key, tenant_id, folder_id, process_name, entry_point, command_json, state, priority,
          input_json, source, created_by, created_at, updated_at)
        select 'job-' || i, 1 + i % 20, 1 + i % 10, 'Bench', 'main.js', '{}',
          case when i % 100 = 0 then 'pending' else 'successful' end, 0, '{}', 'manual', 'bench',
          '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' from n`),
    );
    await db.executeQuery(
      CompiledQuery.raw(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${sessionCount})
        insert into robot_sessions (tenant_id, machine_id, node_id, host_name, os, agent_version, state,
          connected_at, last_heartbeat_at)
        select 1, i, 'bench-node', 'h', 'linux', '1', 'available', '2026-01-01T00:00:00.000Z',
          '2026-01-01T00:00:00.000Z' from n`),
    );
  };
  if (postgres) {
    await storage.db.transaction().execute(async (tx) => {
      await tx.executeQuery(CompiledQuery.raw("set local session_replication_role = replica"));
      await fill(tx);
    });
    // VACUUM sets the hint bits and the visibility map now, not during the first figure.
    await storage.db.executeQuery(CompiledQuery.raw("vacuum analyze jobs"));
    await storage.db.executeQuery(CompiledQuery.raw("vacuum analyze robot_sessions"));
  } else {
    await sql`pragma foreign_keys = off`.execute(storage.db);
    await fill(storage.db);
    await sql`analyze`.execute(storage.db);
  }
}

const listJobs = (storage: StorageHandle) =>
  storage.db.selectFrom("jobs").selectAll().where("tenant_id", "=", 1).orderBy("id", "desc").limit(51).execute();

async function heartbeats(storage: StorageHandle) {
  const ids = Array.from({ length: sessionCount }, (_, i) => i + 1);
  const one = await timed(async () => {
    const now = new Date().toISOString();
    for (const id of ids) {
      await storage.db
        .updateTable("robot_sessions")
        .set({ last_heartbeat_at: now, state: "available" })
        .where("id", "=", id)
        .where("disconnected_at", "is", null)
        .execute();
    }
  });
  const batch = new HeartbeatBatch({ db: storage.db, clock: systemClock } as unknown as ServiceContext);
  const batched = await timed(async () => {
    for (const id of ids) batch.record(id, false);
    await batch.flush();
  });
  return { one: one.perSecond * sessionCount, batched: batched.perSecond * sessionCount };
}

async function benchDatabase(label: string, open: () => StorageHandle, postgres: boolean) {
  const storage = open();
  try {
    await storage.migrate();
    await seed(storage, postgres);
    for (let i = 0; i < 100; i++) await listJobs(storage);
    const indexed = await timed(() => listJobs(storage));
    const beats = await heartbeats(storage);
    await sql`drop index jobs_tenant_list`.execute(storage.db);
    await sql`drop index jobs_tenant_folder_list`.execute(storage.db);
    const unindexed = await timed(() => listJobs(storage));
    return { label, indexed, unindexed, beats };
  } finally {
    await storage.close();
  }
}

/**
 * PostgreSQL's prepared statements against unnamed ones, on one seeded database, alternating (4
 * rounds each) so that load from elsewhere hits both alike: a folder's job list, and the
 * dispatcher's claim transaction for a machine without a matching job (its idle case).
 */
async function preparedStatements(url: string, logger: ReturnType<typeof createLogger>) {
  const unnamed = openPostgres(url, { logger, preparedStatements: false });
  const variants = [
    { label: "unnamed (baseline)", storage: unnamed, list: 0, claim: 0 },
    { label: "prepared", storage: openPostgres(url, { logger }), list: 0, claim: 0 },
  ];
  try {
    await unnamed.migrate();
    await seed(unnamed, true);
    const list = (db: StorageHandle["db"]) =>
      db
        .selectFrom("jobs")
        .selectAll()
        .where("tenant_id", "=", 1)
        .where("folder_id", "in", [1, 2, 3])
        .orderBy("id", "desc")
        .limit(51)
        .execute();
    const claim = (db: StorageHandle["db"]) =>
      db.transaction().execute((tx) =>
        claimJob(tx, "postgres", {
          sessionId: 1,
          machineId: 1,
          tenantId: 1,
          now: new Date().toISOString(),
          tokenHash: "-",
        }),
      );
    for (let round = 0; round < 4; round++) {
      for (const v of variants) {
        v.list += (await timed(() => list(v.storage.db), 8)).perSecond / 4;
        v.claim += (await timed(() => claim(v.storage.db), 8)).perSecond / 4;
      }
    }
    return variants;
  } finally {
    for (const v of variants) await v.storage.close();
  }
}

const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2);

export async function benchStorage(pgUrl: string | undefined): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-bench-storage-"));
  const logger = createLogger("error", new Writable({ write: (_c, _e, done) => done() }));
  try {
    // The statement cache: the same list query and the same heartbeat UPDATE, cache off and on,
    // measured in alternation (4 rounds each) so that load from elsewhere hits both alike.
    const variants = [
      { label: "cache off (baseline)", size: 0 },
      { label: "cache on (500)", size: 500 },
    ].map((v) => ({
      ...v,
      storage: openSqlite(path.join(dir, `cache-${v.size}.sqlite`), { statementCacheSize: v.size }),
      list: 0,
      update: 0,
    }));
    try {
      for (const v of variants) {
        await v.storage.migrate();
        await seed(v.storage, false);
      }
      for (let round = 0; round < 4; round++) {
        for (const v of variants) {
          v.list += (await timed(() => listJobs(v.storage), 4)).perSecond / 4;
          v.update +=
            (
              await timed(
                () =>
                  v.storage.db
                    .updateTable("robot_sessions")
                    .set({ last_heartbeat_at: new Date().toISOString() })
                    .where("id", "=", 7)
                    .where("disconnected_at", "is", null)
                    .execute(),
                4,
              )
            ).perSecond / 4;
        }
      }
    } finally {
      for (const v of variants) await v.storage.close();
    }
    const cacheRuns = variants;
    const results = [await benchDatabase("SQLite", () => openSqlite(path.join(dir, "indexes.sqlite")), false)];
    let prepared: Awaited<ReturnType<typeof preparedStatements>> = [];
    if (pgUrl) {
      const db = await freshPostgres(pgUrl);
      try {
        results.push(await benchDatabase("PostgreSQL", () => openPostgres(db.url, { logger }), true));
      } finally {
        await db.drop();
      }
      const other = await freshPostgres(pgUrl);
      try {
        prepared = await preparedStatements(other.url, logger);
      } finally {
        await other.drop();
      }
    }
    const off = cacheRuns[0];
    console.log(`\n## Storage — ${jobCount} jobs, ${sessionCount} robot sessions, ${seconds} s per figure\n`);
    console.log("| SQLite statements | jobs list queries/s | ratio | heartbeat UPDATEs/s | ratio |");
    console.log("|---|---|---|---|---|");
    for (const r of cacheRuns) {
      console.log(
        `| ${r.label} | ${fmt(r.list)} | ${fmt(r.list / (off?.list ?? 1))} | ${fmt(r.update)} | ${fmt(r.update / (off?.update ?? 1))} |`,
      );
    }
    console.log(
      "\n| database | jobs list without 0014 indexes (baseline) /s (p50 / p99 ms) | with them /s (p50 / p99 ms) | ratio | heartbeats stored/s, one UPDATE each (baseline) | batched (HeartbeatBatch) | ratio |",
    );
    console.log("|---|---|---|---|---|---|---|");
    for (const r of results) {
      console.log(
        `| ${r.label} | ${fmt(r.unindexed.perSecond)} (${fmt(r.unindexed.p50)} / ${fmt(r.unindexed.p99)}) | ${fmt(r.indexed.perSecond)} (${fmt(r.indexed.p50)} / ${fmt(r.indexed.p99)}) | ${fmt(r.indexed.perSecond / r.unindexed.perSecond)} | ${fmt(r.beats.one)} | ${fmt(r.beats.batched)} | ${fmt(r.beats.batched / r.beats.one)} |`,
      );
    }
    const unnamed = prepared[0];
    if (unnamed) {
      console.log(
        "\n| PostgreSQL statements | folder's jobs list queries/s | ratio | claim transactions/s (none pending) | ratio |",
      );
      console.log("|---|---|---|---|---|");
      for (const v of prepared) {
        console.log(
          `| ${v.label} | ${fmt(v.list)} | ${fmt(v.list / unnamed.list)} | ${fmt(v.claim)} | ${fmt(v.claim / unnamed.claim)} |`,
        );
      }
      const on = prepared[1] as (typeof prepared)[number];
      addSummary({
        figure: "prepared statements: folder's jobs list / claim transaction",
        setup: "PostgreSQL",
        value: `${fmt(on.list)} / ${fmt(on.claim)} per s`,
        baseline: `unnamed ${fmt(unnamed.list)} / ${fmt(unnamed.claim)} per s`,
        ratio: `${fmt(on.list / unnamed.list)} / ${fmt(on.claim / unnamed.claim)}`,
        target: "> 1",
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
