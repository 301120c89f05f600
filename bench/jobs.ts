import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { create } from "tar";
import { Agent } from "../src/agent/agent.js";
import { startServer } from "../src/cli/serve.js";
import { parseConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { freshPostgres } from "./foundation.js";

/**
 * Dispatch: latency from a job's creation to its start on an agent (p50/p99, one job at a time)
 * and throughput of no-op jobs with 4 agents × 4 slots, next to the machine's own limit —
 * spawning the same no-op process directly, 16 at a time — measured in the same run.
 */
const latencyJobs = Number(process.env.BENCH_LATENCY_JOBS ?? 30);
const throughputJobs = Number(process.env.BENCH_THROUGHPUT_JOBS ?? 200);
const password = "Bench-Passw0rd!";

async function noopPackage(dir: string): Promise<string> {
  const src = path.join(dir, "noop");
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(
    path.join(src, "dirigent.json"),
    JSON.stringify({ name: "noop", version: "1.0.0", entryPoints: [{ name: "main", command: ["node", "-e", ""] }] }),
  );
  const file = path.join(dir, "noop.tgz");
  await create({ gzip: true, cwd: src, file, portable: true }, ["dirigent.json"]);
  return file;
}

/** The baseline: the same no-op process spawned directly, 16 at a time. */
async function rawSpawn(count: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      await new Promise<void>((resolve) =>
        spawn(process.execPath, ["-e", ""], { stdio: "ignore" }).on("close", () => resolve()),
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return count / ((performance.now() - started) / 1000);
}

async function benchDatabase(label: string, databaseUrl: string | undefined) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-bench-jobs-"));
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const config = parseConfig({
    DIRIGENT_PORT: "0",
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: password,
    DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "5",
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  const server = await startServer(config, { logger: createLogger("error", quiet) });
  const agents: Agent[] = [];
  try {
    const api = async (method: string, url: string, body?: unknown, token?: string) => {
      const res = await fetch(`${server.url}/api/v1${url}`, {
        method,
        headers: {
          ...(body !== undefined && { "content-type": "application/json" }),
          ...(token && { authorization: `Bearer ${token}` }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const { accessToken } = (await api("POST", "/auth/token", { username: "admin", password })) as {
      accessToken: string;
    };
    await api(
      "POST",
      "/host/organizations",
      { name: "Bench", admin: { email: "a@bench.test", password } },
      accessToken,
    );
    const T = "/orgs/bench/tenants/Default";
    const folder = (await api("POST", `${T}/folders`, { name: "Bench" }, accessToken)) as { id: number };
    const form = new FormData();
    form.append("file", new Blob([fs.readFileSync(await noopPackage(dataDir))]), "noop.tgz");
    const up = await fetch(`${server.url}/api/v1${T}/packages`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}` },
      body: form,
    });
    if (!up.ok) throw new Error(`upload: ${up.status} ${await up.text()}`);
    const proc = (await api(
      "POST",
      `${T}/folders/${folder.id}/processes`,
      { name: "noop", packageName: "noop" },
      accessToken,
    )) as { id: number };
    const started = new Map<number, number>();
    for (let i = 0; i < 4; i++) {
      const m = (await api(
        "POST",
        `${T}/machines`,
        { name: `bench-${i}`, slots: 4, folderIds: [folder.id] },
        accessToken,
      )) as { key: string };
      const agent = new Agent({
        url: server.url,
        key: m.key,
        workDir: path.join(dataDir, `agent-${i}`),
        report: (line) => {
          const match = /^Job (\d+) \(.*\) started\./.exec(line);
          if (match) started.set(Number(match[1]), performance.now());
        },
      });
      agent.start();
      agents.push(agent);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const waitFor = async (check: () => boolean, what: string) => {
      const end = Date.now() + 120_000;
      while (!check()) {
        if (Date.now() > end) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    // Latency: one job at a time, from the creating request's answer to the agent starting it.
    const latencies: number[] = [];
    for (let i = 0; i < latencyJobs; i++) {
      const created = performance.now();
      const { items } = (await api("POST", `${T}/folders/${folder.id}/jobs`, { processId: proc.id }, accessToken)) as {
        items: { id: number }[];
      };
      const id = items[0]?.id as number;
      await waitFor(() => started.has(id), `job ${id} to start`);
      latencies.push((started.get(id) as number) - created);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;

    // Throughput: many no-op jobs at once through 4 agents × 4 slots, until all have finished.
    const t0 = performance.now();
    const ids: number[] = [];
    for (let left = throughputJobs; left > 0; left -= 100) {
      const { items } = (await api(
        "POST",
        `${T}/folders/${folder.id}/jobs`,
        { processId: proc.id, count: Math.min(100, left) },
        accessToken,
      )) as { items: { id: number }[] };
      ids.push(...items.map((j) => j.id));
    }
    const db = server.services.ctx.db;
    const end = Date.now() + 300_000;
    for (;;) {
      const done = await db
        .selectFrom("jobs")
        .select("id")
        .where("id", "in", ids)
        .where("state", "=", "successful")
        .execute();
      if (done.length === ids.length) break;
      if (Date.now() > end) throw new Error(`only ${done.length}/${ids.length} jobs finished`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const throughput = ids.length / ((performance.now() - t0) / 1000);
    return { label, p50: at(0.5), p99: at(0.99), throughput };
  } finally {
    for (const agent of agents) agent.stop();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs the dispatch benchmark and prints its table. */
export async function benchJobs(pgUrl: string | undefined): Promise<void> {
  const rows = [await benchDatabase("SQLite", undefined)];
  if (pgUrl) {
    const db = await freshPostgres(pgUrl);
    try {
      rows.push(await benchDatabase("PostgreSQL", db.url));
    } finally {
      await db.drop();
    }
  }
  const baseline = await rawSpawn(throughputJobs);
  console.log(
    `\n## Jobs — ${latencyJobs} jobs one at a time for latency; ${throughputJobs} no-op jobs on 4 agents × 4 slots for throughput\n`,
  );
  console.log(
    "| database | created → started p50 ms | p99 ms | no-op jobs/s | direct spawn of the same process, 16 at a time (baseline) /s | ratio |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.throughput.toFixed(1)} | ${baseline.toFixed(1)} | ${(r.throughput / baseline).toFixed(2)} |`,
    );
  }
}
