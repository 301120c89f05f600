import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { CompiledQuery } from "kysely";
import { type RunningServer, startServer } from "../src/cli/serve.js";
import { parseConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { writesOf } from "../src/storage/database.js";
import { freshPostgres } from "./foundation.js";
import { addSummary } from "./summary.js";

/**
 * P6 (issue #14): an authenticated tenant request, `GET T/jobs?limit=50` over 1,000 jobs as an
 * organization user, next to `GET /health` in the same run — closed loop (16 clients) and open
 * loop (500 req/s) — with the request cache off (the baseline: ~8 queries before the handler)
 * and on (none on a warm cache).
 */
const durationMs = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const concurrency = 16;
const openRate = 500;
const password = "Bench-Passw0rd!";

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function closedLoop(url: string, headers: Record<string, string>) {
  const latencies: number[] = [];
  const end = Date.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t = performance.now();
        const res = await fetch(url, { headers });
        if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / ((performance.now() - started) / 1000),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

/** Sends `openRate` requests per second whatever the answers do; a request over 5 s counts as a timeout. */
async function openLoop(url: string, headers: Record<string, string>) {
  const latencies: number[] = [];
  let timeouts = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < durationMs) {
    const due = Math.floor(((performance.now() - started) / 1000) * openRate);
    for (; sent < due; sent++) {
      const t = performance.now();
      pending.push(
        fetch(url, { headers, signal: AbortSignal.timeout(5000) })
          .then(async (res) => {
            await res.arrayBuffer();
            latencies.push(performance.now() - t);
          })
          .catch(() => {
            timeouts += 1;
          }),
      );
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), timeouts };
}

async function seedJobs(server: RunningServer, tenantId: number, folderId: number, postgres: boolean) {
  const db = server.services.ctx.db;
  await db.executeQuery(
    CompiledQuery.raw(`with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000)
      insert into jobs (key, tenant_id, folder_id, process_name, entry_point, command_json, state, priority,
        input_json, source, created_by, created_at, updated_at)
      select 'bench-' || i, ${tenantId}, ${folderId}, 'Bench', 'main.js', '{}', 'successful', 0, '{}', 'manual',
        'bench', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' from n`),
  );
  await db.executeQuery(CompiledQuery.raw(postgres ? "vacuum analyze jobs" : "analyze"));
}

async function benchServer(databaseUrl: string | undefined, cacheSeconds: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-bench-requests-"));
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const config = parseConfig({
    DIRIGENT_PORT: "0",
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: password,
    DIRIGENT_AUTH_CACHE_SECONDS: cacheSeconds,
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  const server = await startServer(config, { logger: createLogger("error", quiet) });
  try {
    const call = async (method: string, url: string, token: string, body?: unknown) => {
      const res = await fetch(`${server.url}/api/v1${url}`, {
        method,
        headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const admin = (await call("POST", "/auth/token", "", { username: "admin", password })).accessToken as string;
    await call("POST", "/host/organizations", admin, { name: "Bench", admin: { email: "a@bench.test", password } });
    const user = (await call("POST", "/auth/token", "", { organization: "bench", email: "a@bench.test", password }))
      .accessToken as string;
    const T = "/orgs/bench/tenants/Default";
    const folder = (await call("POST", `${T}/folders`, user, { name: "Bench" })) as { id: number };
    const tenant = (await call("GET", `/orgs/bench/tenants/Default`, user)) as { id: number };
    await seedJobs(server, tenant.id, folder.id, Boolean(databaseUrl));
    const auth = { authorization: `Bearer ${user}` };
    const list = `${server.url}/api/v1${T}/jobs?limit=50`;
    const health = await closedLoop(`${server.url}/api/v1/health`, {});
    // Statements per request: the one figure the machine's load does not move.
    const writes = writesOf(server.services.ctx.db);
    await fetch(list, { headers: auth }).then((r) => r.arrayBuffer());
    const before = writes?.statements ?? 0;
    for (let i = 0; i < 20; i++) await fetch(list, { headers: auth }).then((r) => r.arrayBuffer());
    const statements = ((writes?.statements ?? 0) - before) / 20;
    const closed = await closedLoop(list, auth);
    const open = await openLoop(list, auth);
    return { health, closed, open, statements };
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : 1);

/** Runs the tenant request benchmark and prints its table. */
export async function benchRequests(pgUrl: string | undefined): Promise<void> {
  const rows: { label: string; r: Awaited<ReturnType<typeof benchServer>> }[] = [];
  for (const [database, cache] of [
    ["SQLite", "0"],
    ["SQLite", "10"],
    ...(pgUrl ? [["PostgreSQL", "0"] as const, ["PostgreSQL", "10"] as const] : []),
  ] as const) {
    const label = `${database}, request cache ${cache === "0" ? "off (baseline)" : "on"}`;
    if (database === "SQLite") rows.push({ label, r: await benchServer(undefined, cache) });
    else {
      const db = await freshPostgres(pgUrl as string);
      try {
        rows.push({ label, r: await benchServer(db.url, cache) });
      } finally {
        await db.drop();
      }
    }
  }
  console.log(
    `\n## Tenant requests — GET T/jobs?limit=50 over 1,000 jobs as an organization user, ${durationMs / 1000} s per run\n`,
  );
  console.log(
    `| setup | GET /health req/s (baseline) | jobs list req/s, ${concurrency} clients (p50 / p99 ms) | ratio (target ≥ 0.7) | ${openRate} req/s open loop p50 / p99 ms (target p99 ≤ 50) | timeouts | statements per request |`,
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const database of ["SQLite", "PostgreSQL"]) {
    const off = rows.find((x) => x.label.startsWith(`${database}, request cache off`))?.r;
    const on = rows.find((x) => x.label.startsWith(`${database}, request cache on`))?.r;
    if (!off || !on) continue;
    addSummary({
      figure: "GET T/jobs?limit=50 closed loop vs GET /health",
      setup: database,
      value: `${fmt(on.closed.perSecond)} req/s`,
      baseline: `/health ${fmt(on.health.perSecond)} req/s; cache off ${fmt(off.closed.perSecond)} req/s`,
      ratio: (on.closed.perSecond / on.health.perSecond).toFixed(2),
      target: "≥ 0.7",
    });
    addSummary({
      figure: `GET T/jobs?limit=50 at ${openRate} req/s, p99`,
      setup: database,
      value: `${fmt(on.open.p99)} ms (${on.open.timeouts} timeouts)`,
      baseline: `cache off ${fmt(off.open.p99)} ms (${off.open.timeouts} timeouts)`,
      // Without answers (every request timed out) there is no p99 to compare with.
      ratio: off.open.p99 > 0 ? (on.open.p99 / off.open.p99).toFixed(2) : "–",
      target: "p99 ≤ 50 ms",
    });
    addSummary({
      figure: "statements per tenant request",
      setup: database,
      value: on.statements.toFixed(1),
      baseline: `cache off ${off.statements.toFixed(1)}`,
      ratio: (on.statements / off.statements).toFixed(2),
      target: "only the handler's",
    });
  }
  for (const { label, r } of rows)
    console.log(
      `| ${label} | ${fmt(r.health.perSecond)} | ${fmt(r.closed.perSecond)} (${fmt(r.closed.p50)} / ${fmt(r.closed.p99)}) | ${(r.closed.perSecond / r.health.perSecond).toFixed(2)} | ${fmt(r.open.p50)} / ${fmt(r.open.p99)} | ${r.open.timeouts} | ${r.statements.toFixed(1)} |`,
    );
}
