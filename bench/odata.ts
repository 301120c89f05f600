import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { CompiledQuery, sql } from "kysely";
import { startServer } from "../src/cli/serve.js";
import { parseConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";

/**
 * The compatibility layer's cost (issue #10): `GET …/odata/Jobs?$filter=State eq 'Successful'&$top=100&$count=true`
 * over 100,000 jobs, next to the native `GET T/jobs?state=successful&limit=100` measured in the
 * same run (alternating, so load from elsewhere hits both alike). Target: ≥ 0.8× native throughput.
 */
const durationMs = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const concurrency = 16;
const password = "Bench-Passw0rd!";
const jobCount = Number(process.env.BENCH_ODATA_JOBS ?? 100_000);

async function load(run: () => Promise<void>, ms: number) {
  const latencies: number[] = [];
  const end = Date.now() + ms;
  const worker = async () => {
    while (Date.now() < end) {
      const t = performance.now();
      await run();
      latencies.push(performance.now() - t);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { latencies, seconds };
}

function summary(runs: { latencies: number[]; seconds: number }[]) {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

async function ok(res: Response) {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

async function benchDatabase(label: string, databaseUrl: string | undefined) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-bench-"));
  const config = parseConfig({
    DIRIGENT_PORT: "0",
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: password,
    DIRIGENT_LOGIN_RATE_LIMIT: "100000",
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const server = await startServer(config, { logger: createLogger("error", quiet) });
  try {
    const post = async (url: string, body: unknown, token?: string) => {
      const res = await fetch(`${server.url}/api/v1${url}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const admin = (await post("/auth/token", { username: "admin", password })).accessToken as string;
    await post(
      "/host/organizations",
      { name: "Bench", slug: "bench", admin: { email: "a@bench.test", password } },
      admin,
    );
    const token = (await post("/auth/token", { organization: "bench", email: "a@bench.test", password }))
      .accessToken as string;
    const tenant = server.services.ctx.db;
    const { id: tenantId } = await tenant
      .selectFrom("tenants as t")
      .innerJoin("organizations as o", "o.id", "t.org_id")
      .select("t.id")
      .where("o.slug", "=", "bench")
      .executeTakeFirstOrThrow();
    const folder = await post(`/orgs/bench/tenants/${tenantId}/folders`, { name: "Jobs" }, token);
    // 100,000 jobs of one tenant and folder, nine in ten successful; in chunks (statement timeout).
    const chunk = 10_000;
    for (let from = 1; from <= jobCount; from += chunk) {
      const to = Math.min(jobCount, from + chunk - 1);
      const numbers = databaseUrl
        ? `select generate_series(${from}, ${to}) as i`
        : `with recursive n(i) as (select ${from} union all select i + 1 from n where i < ${to}) select i from n`;
      await server.storage.db.executeQuery(
        CompiledQuery.raw(`insert into jobs (key, tenant_id, folder_id, process_name, entry_point, command_json, state,
          priority, input_json, output_json, source, created_by, created_at, started_at, ended_at, updated_at)
        select 'job-' || i, ${tenantId}, ${folder.id}, 'Bench', 'main', '["node","main.js"]',
          case when i % 10 = 0 then 'faulted' else 'successful' end, 50, '{"n":1}', '{"ok":true}', 'api', 'bench',
          '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:02.000Z'
        from (${numbers}) as numbers`),
      );
    }
    if (databaseUrl) {
      await server.storage.db.executeQuery(CompiledQuery.raw("vacuum analyze jobs"));
    } else {
      await sql`analyze`.execute(server.storage.db);
      // As on a server that has run a while: the seed is in the database file, not the WAL.
      await sql`pragma wal_checkpoint(truncate)`.execute(server.storage.db);
    }
    const auth = { authorization: `Bearer ${token}` };
    const native = `${server.url}/api/v1/orgs/bench/tenants/${tenantId}/jobs?state=successful&limit=100`;
    const odata = `${server.url}/bench/Default/orchestrator_/odata/Jobs?$filter=${encodeURIComponent("State eq 'Successful'")}&$top=100&$count=true`;
    const check = (await (await fetch(odata, { headers: auth })).json()) as {
      "@odata.count": number;
      value: unknown[];
    };
    if (check["@odata.count"] !== jobCount - jobCount / 10 || check.value.length !== 100)
      throw new Error(`unexpected OData answer: count ${check["@odata.count"]}`);
    const rounds = 4;
    const nativeRuns = [];
    const odataRuns = [];
    for (let i = 0; i < rounds; i++) {
      nativeRuns.push(await load(async () => ok(await fetch(native, { headers: auth })), durationMs / rounds));
      odataRuns.push(await load(async () => ok(await fetch(odata, { headers: auth })), durationMs / rounds));
    }
    const n = summary(nativeRuns);
    const o = summary(odataRuns);
    const f = (x: number) => x.toFixed(1);
    console.log(
      `\n## OData compatibility (${label}, ${jobCount.toLocaleString("en")} jobs, ${concurrency} concurrent)`,
    );
    console.log("| request | req/s | p50 ms | p99 ms |");
    console.log("|---|---|---|---|");
    console.log(
      `| GET T/jobs?state=successful&limit=100 (native, baseline) | ${f(n.perSecond)} | ${f(n.p50)} | ${f(n.p99)} |`,
    );
    console.log(
      `| GET …/odata/Jobs?$filter=State eq 'Successful'&$top=100&$count=true | ${f(o.perSecond)} | ${f(o.p50)} | ${f(o.p99)} |`,
    );
    console.log(`OData / native throughput: ${(o.perSecond / n.perSecond).toFixed(2)}× (target ≥ 0.8×)`);
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchOData(pgUrl: string | undefined): Promise<void> {
  await benchDatabase("SQLite", undefined);
  if (pgUrl) {
    // A database of its own, dropped afterwards.
    const pg = (await import("pg")).default;
    const name = `dirigent_bench_odata_${process.pid}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    try {
      const url = new URL(pgUrl);
      url.pathname = `/${name}`;
      await benchDatabase("PostgreSQL", url.toString());
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
}
