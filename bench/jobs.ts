import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { create } from "tar";
import { type BenchApi, benchApi, bin, onEachDatabase, quantile, spawnServer } from "./harness.js";
import { addSummary } from "./summary.js";

/**
 * Dispatch (issue #14): the server and four real agents (`dirigent robot`, 4 slots each) as
 * processes of their own, as in production, so the dispatch measured does not share an event
 * loop with the agents' work.
 * - Latency, one job at a time (each waits until the one before has finished): the request sent
 *   → the agent received the assignment ("Job N … started.") → its process spawned ("Job N
 *   running"); and the server's own part from the job's timeline (created → assigned). The
 *   baseline is the machine's own spawn latency: the same no-op process spawned directly.
 * - Throughput: no-op jobs on the 4 × 4 slots until all have finished, next to spawning the same
 *   process directly, 16 at a time.
 * Targets: created → assigned p50 ≤ 5 ms; → running on the agent p50 ≤ 10 ms, p99 ≤ 50 ms.
 */
const latencyJobs = Number(process.env.BENCH_LATENCY_JOBS ?? 40);
const throughputJobs = Number(process.env.BENCH_THROUGHPUT_JOBS ?? 200);
const agentCount = 4;
const slots = 4;
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

/** The machine's own figures: the no-op process spawned directly (spawn latency, and 16 at a time until exit). */
async function rawSpawn(count: number): Promise<{ spawnP50: number; spawnP99: number; perSecond: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, ["-e", ""], { stdio: ["ignore", "pipe", "pipe"] });
      child.once("spawn", () => latencies.push(performance.now() - t));
      child.once("close", () => resolve());
    });
  }
  latencies.sort((a, b) => a - b);
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
  return {
    spawnP50: quantile(latencies, 0.5),
    spawnP99: quantile(latencies, 0.99),
    perSecond: count / ((performance.now() - started) / 1000),
  };
}

/** What the agents printed, by job id: when each job was received, spawned and finished (performance.now()). */
class AgentLines {
  readonly received = new Map<number, number>();
  readonly running = new Map<number, number>();
  readonly finished = new Map<number, number>();
  connected = 0;
  private waiters: (() => void)[] = [];

  watch(child: ChildProcess): void {
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (stamped) => {
      const now = performance.now();
      // The agent prints each line after its ISO time stamp.
      const line = stamped.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z\s+/, "");
      const job = /^Job (\d+) (\(.*\) started\.|running |finished )/.exec(line);
      if (line.startsWith("Connected to ")) this.connected += 1;
      else if (job) {
        const what = job[2] as string;
        const list = what.endsWith("started.") ? this.received : what === "running " ? this.running : this.finished;
        list.set(Number(job[1]), now);
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  async until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out: ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

async function setUp(api: BenchApi, url: string, dataDir: string) {
  const { accessToken } = (await api("POST", "/auth/token", { username: "admin", password })) as {
    accessToken: string;
  };
  await api("POST", "/host/organizations", { name: "Bench", admin: { email: "a@bench.test", password } }, accessToken);
  const T = "/orgs/bench/tenants/Default";
  const folder = (await api("POST", `${T}/folders`, { name: "Bench" }, accessToken)) as { id: number };
  const form = new FormData();
  form.append("file", new Blob([fs.readFileSync(await noopPackage(dataDir))]), "noop.tgz");
  const up = await fetch(`${url}/api/v1${T}/packages`, {
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
  const keys: string[] = [];
  for (let i = 0; i < agentCount; i++) {
    const m = (await api(
      "POST",
      `${T}/machines`,
      { name: `bench-${i}`, slots, folderIds: [folder.id] },
      accessToken,
    )) as {
      key: string;
    };
    keys.push(m.key);
  }
  const start = async (count: number): Promise<number[]> => {
    const { items } = (await api(
      "POST",
      `${T}/folders/${folder.id}/jobs`,
      { processId: proc.id, count },
      accessToken,
    )) as {
      items: { id: number }[];
    };
    return items.map((j) => j.id);
  };
  const timeline = async (id: number) =>
    (
      (await api("GET", `${T}/jobs/${id}`, undefined, accessToken)) as {
        timeline: { reasonCode: string | null; at: string }[];
      }
    ).timeline;
  return { keys, start, timeline };
}

async function benchDatabase(label: string, databaseUrl: string | undefined) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-bench-jobs-"));
  const server = await spawnServer({
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: password,
    DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "5",
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  const agents: ChildProcess[] = [];
  try {
    const { keys, start, timeline } = await setUp(benchApi(server.url), server.url, dataDir);
    const lines = new AgentLines();
    for (const [i, key] of keys.entries()) {
      const tmp = path.join(dataDir, `agent-${i}`);
      fs.mkdirSync(tmp);
      const agent = spawn(process.execPath, [bin, "robot", "--url", server.url, "--key", key], {
        env: { ...process.env, TMPDIR: tmp },
        stdio: ["ignore", "pipe", "inherit"],
      });
      lines.watch(agent);
      agents.push(agent);
    }
    await lines.until(() => lines.connected === agentCount, "the agents to connect");
    // Warm-up: every agent fetches and caches the package once.
    const warm = await start(agentCount * slots);
    await lines.until(() => warm.every((id) => lines.finished.has(id)), "the warm-up jobs");

    // Latency: one job at a time, each after the one before has finished.
    const received: number[] = [];
    const running: number[] = [];
    const assigned: number[] = [];
    for (let i = 0; i < latencyJobs; i++) {
      const sent = performance.now();
      const [id] = (await start(1)) as [number];
      await lines.until(() => lines.finished.has(id), `job ${id}`);
      received.push((lines.received.get(id) as number) - sent);
      running.push((lines.running.get(id) as number) - sent);
      const events = await timeline(id);
      const createdAt = Date.parse(events[0]?.at ?? "");
      const assignedAt = Date.parse(events.find((e) => e.reasonCode === "assigned-to-session")?.at ?? "");
      assigned.push(assignedAt - createdAt);
    }
    for (const list of [received, running, assigned]) list.sort((a, b) => a - b);

    // Throughput: many no-op jobs at once through the agents' slots, until all have finished.
    const t0 = performance.now();
    const ids: number[] = [];
    for (let left = throughputJobs; left > 0; left -= 100) ids.push(...(await start(Math.min(100, left))));
    await lines.until(() => ids.every((id) => lines.finished.has(id)), `${ids.length} jobs`, 300_000);
    const throughput = ids.length / ((performance.now() - t0) / 1000);
    return {
      label,
      assignedP50: quantile(assigned, 0.5),
      assignedP99: quantile(assigned, 0.99),
      receivedP50: quantile(received, 0.5),
      receivedP99: quantile(received, 0.99),
      runningP50: quantile(running, 0.5),
      runningP99: quantile(running, 0.99),
      throughput,
    };
  } finally {
    for (const agent of agents) agent.kill("SIGINT");
    await Promise.all(
      agents.map((a) => new Promise((resolve) => (a.exitCode !== null ? resolve(null) : a.once("exit", resolve)))),
    );
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs the dispatch benchmark and prints its table. */
export async function benchJobs(pgUrl: string | undefined): Promise<void> {
  const rows = await onEachDatabase(pgUrl, benchDatabase);
  const raw = await rawSpawn(throughputJobs);
  const ms = (n: number) => n.toFixed(1);
  console.log(
    `\n## Jobs — server and ${agentCount} agents (${slots} slots each) as processes; ${latencyJobs} jobs one at a time for latency, ${throughputJobs} no-op jobs for throughput\n`,
  );
  console.log(
    `Baseline (same run): spawning the no-op process directly takes p50 ${ms(raw.spawnP50)} / p99 ${ms(raw.spawnP99)} ms until it runs; ${raw.perSecond.toFixed(1)} such processes/s, 16 at a time.\n`,
  );
  console.log(
    "| database | created → assigned (server, job timeline) p50 / p99 ms (target p50 ≤ 5) | request sent → assignment on the agent p50 / p99 ms | request sent → process running on the agent p50 / p99 ms (target p50 ≤ 10, p99 ≤ 50) | no-op jobs/s | ratio to direct spawn |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${ms(r.assignedP50)} / ${ms(r.assignedP99)} | ${ms(r.receivedP50)} / ${ms(r.receivedP99)} | ${ms(r.runningP50)} / ${ms(r.runningP99)} | ${r.throughput.toFixed(1)} | ${(r.throughput / raw.perSecond).toFixed(2)} |`,
    );
    addSummary({
      figure: "Job created → running on an agent",
      setup: `${r.label}, one job at a time, real agent process`,
      value: `p50 ${ms(r.runningP50)} / p99 ${ms(r.runningP99)} ms (assigned p50 ${ms(r.assignedP50)} ms)`,
      baseline: `direct spawn p50 ${ms(raw.spawnP50)} ms`,
      ratio: "–",
      target: "p50 ≤ 10, p99 ≤ 50 ms; assigned p50 ≤ 5 ms",
    });
  }
}
