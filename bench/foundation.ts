import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { hash } from "@node-rs/argon2";
import pg from "pg";
import { startServer } from "../src/cli/serve.js";
import { parseConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";

/**
 * Foundation benchmarks. Each figure is reported next to a baseline measured in the same run,
 * so the ratio says what Dirigent adds on this machine today:
 * - authenticated API reads (token lookup + org-scoped query) vs GET /health (no database);
 * - logins per second vs bare argon2id hashes with the same parameters.
 * PostgreSQL runs when DIRIGENT_BENCH_DATABASE_URL (or DIRIGENT_TEST_DATABASE_URL) is set.
 */
const durationMs = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const concurrency = 16;
const password = "Bench-Passw0rd!";

async function load(
  run: () => Promise<void>,
  ms = durationMs,
): Promise<{ perSecond: number; p50: number; p99: number }> {
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
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

async function expectOk(res: Response) {
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
    const login = () =>
      fetch(`${server.url}/api/v1/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password }),
      });
    const { accessToken } = (await (await login()).json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}` };
    for (let i = 0; i < 20; i++) {
      await expectOk(
        await fetch(`${server.url}/api/v1/host/organizations`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ name: `Bench ${i}`, admin: { email: `a${i}@bench.test`, password } }),
        }),
      );
    }
    const health = await load(async () => expectOk(await fetch(`${server.url}/api/v1/health`)));
    const list = await load(async () =>
      expectOk(await fetch(`${server.url}/api/v1/host/organizations`, { headers: auth })),
    );
    const logins = await load(async () => expectOk(await login()), Math.min(durationMs, 3000));
    return { label, health, list, logins };
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function argonBaseline() {
  return load(
    async () => {
      await hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    },
    Math.min(durationMs, 3000),
  );
}

export async function freshPostgres(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `dirigent_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : 1);

/** Runs the foundation benchmarks and prints their table. */
export async function benchFoundation(pgUrl: string | undefined): Promise<void> {
  const results = [await benchDatabase("SQLite", undefined)];
  if (pgUrl) {
    const db = await freshPostgres(pgUrl);
    try {
      results.push(await benchDatabase("PostgreSQL", db.url));
    } finally {
      await db.drop();
    }
  }
  const argon = await argonBaseline();
  console.log(
    `\n## API and logins — ${os.cpus().length} cores, ${concurrency} concurrent clients, ${durationMs / 1000} s per run\n`,
  );
  console.log(
    "| database | GET /health (baseline) req/s | GET /host/organizations req/s (p50 / p99 ms) | ratio | logins/s | argon2id hashes/s (baseline) | ratio |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.label} | ${fmt(r.health.perSecond)} | ${fmt(r.list.perSecond)} (${fmt(r.list.p50)} / ${fmt(r.list.p99)}) | ${(r.list.perSecond / r.health.perSecond).toFixed(2)} | ${fmt(r.logins.perSecond)} | ${fmt(argon.perSecond)} | ${(r.logins.perSecond / argon.perSecond).toFixed(2)} |`,
    );
  }
}
