import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { sql } from "kysely";
import { create } from "tar";
import { Agent } from "../src/agent/agent.js";
import { type RunningServer, startServer } from "../src/cli/serve.js";
import { parseConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { robotPath } from "../src/shared/protocol.js";
import { appendJobLogs, type LogEntry } from "../src/storage/sql/append-job-logs.js";
import { benchApi, onEachDatabase } from "./harness.js";
import { type LogRobotData, logEntries } from "./log-robot.js";
import { addSummary } from "./summary.js";

/**
 * P5 (issue #14): log ingestion.
 * - The agent: an automation prints `burstLines` lines as fast as it can; lines per second from
 *   its start until every line is stored (target ≥ 20,000/s, and all of them stored).
 * - The server path: a simulated robot (the real protocol, in a worker thread: see log-robot.ts)
 *   sends the same number of lines in batches of 1,000, up to 8 unacknowledged, next to storing
 *   the same batches directly with the server's own statement (storage/sql/append-job-logs.ts)
 *   in the same run (target ≥ 0.7×). Neither side's clock includes making the lines.
 */
const burstLines = Number(process.env.BENCH_LOG_LINES ?? 200_000);
const batchLines = 1000;
const window = 8;
const password = "Bench-Passw0rd!";

async function packageOf(dir: string, name: string, main: string): Promise<Buffer> {
  const src = path.join(dir, name);
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(
    path.join(src, "dirigent.json"),
    JSON.stringify({ name, version: "1.0.0", entryPoints: [{ name: "main", command: ["node", "main.js"] }] }),
  );
  fs.writeFileSync(path.join(src, "main.js"), main);
  const file = path.join(dir, `${name}.tgz`);
  await create({ gzip: true, cwd: src, file, portable: true }, ["dirigent.json", "main.js"]);
  return fs.readFileSync(file);
}

async function storedLines(server: RunningServer, jobId: number): Promise<number> {
  const row = await server.services.ctx.db
    .selectFrom("job_logs")
    .select(sql<number>`cast(count(*) as integer)`.as("c"))
    .where("job_id", "=", jobId)
    .executeTakeFirstOrThrow();
  return row.c;
}

async function benchDatabase(label: string, databaseUrl: string | undefined) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-bench-logs-"));
  const config = parseConfig({
    DIRIGENT_PORT: "0",
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: password,
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const server = await startServer(config, { logger: createLogger("error", quiet) });
  let agent: Agent | null = null;
  let robot: Worker | null = null;
  try {
    const api = benchApi(server.url);
    const { accessToken: token } = (await api("POST", "/auth/token", { username: "admin", password })) as {
      accessToken: string;
    };
    await api("POST", "/host/organizations", { name: "Bench", admin: { email: "a@bench.test", password } }, token);
    const T = "/orgs/bench/tenants/default";
    const upload = async (archive: Buffer) => {
      const form = new FormData();
      form.append("file", new Blob([archive]), "package.tgz");
      const res = await fetch(`${server.url}/api/v1${T}/packages`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
    };
    await upload(
      await packageOf(dataDir, "burst", `for (let i = 1; i <= ${burstLines}; i++) console.log("line " + i);\n`),
    );
    await upload(await packageOf(dataDir, "quiet", "setInterval(() => {}, 1000);\n"));
    const setup = async (name: string, packageName: string) => {
      const folder = (await api("POST", `${T}/folders`, { name }, token)) as { id: number };
      const proc = (await api("POST", `${T}/folders/${folder.id}/processes`, { name, packageName }, token)) as {
        id: number;
      };
      const machine = (await api("POST", `${T}/machines`, { name, slots: 1, folderIds: [folder.id] }, token)) as {
        key: string;
      };
      const start = async () =>
        (
          (await api("POST", `${T}/folders/${folder.id}/jobs`, { processId: proc.id }, token)) as {
            items: { id: number }[];
          }
        ).items[0]?.id as number;
      return { key: machine.key, start };
    };

    // The agent: a real Agent in this process runs the burst.
    const burst = await setup("Burst", "burst");
    let startedAt = 0;
    agent = new Agent({
      url: server.url,
      key: burst.key,
      workDir: path.join(dataDir, "agent"),
      report: (line) => {
        if (/ started\.$/.test(line)) startedAt = performance.now();
      },
    });
    agent.start();
    await new Promise((r) => setTimeout(r, 1000));
    const burstJob = await burst.start();
    while ((await storedLines(server, burstJob)) < burstLines) await new Promise((r) => setTimeout(r, 50));
    const agentRate = burstLines / ((performance.now() - startedAt) / 1000);
    agent.stop();
    agent = null;

    // The server path: a simulated robot takes a job and sends batches over its WebSocket.
    const sim = await setup("Simulated", "quiet");
    const batches = Math.ceil(burstLines / batchLines);
    const robotData: LogRobotData = {
      module: fileURLToPath(new URL("./log-robot.ts", import.meta.url)),
      url: `${server.url.replace(/^http/, "ws")}${robotPath}`,
      key: sim.key,
      batches,
      batchLines,
      window,
    };
    robot = new Worker(fileURLToPath(new URL("./ts-worker.js", import.meta.url)), { workerData: robotData });
    const said = (type: string) =>
      new Promise<{ seconds?: number }>((resolve, reject) => {
        const listen = (m: { type: string; seconds?: number }) => {
          if (m.type !== type) return;
          robot?.off("message", listen);
          resolve(m);
        };
        robot?.on("message", listen).once("error", reject);
      });
    await said("welcomed");
    const done = said("done");
    const simJob = await sim.start();
    const { seconds } = await done;
    const serverRate = (batches * batchLines) / (seconds as number);
    if ((await storedLines(server, simJob)) !== batches * batchLines) throw new Error("server path: lines missing");

    // The baseline: the same batches stored directly with the server's statement, one transaction each.
    const db = server.services.ctx.db;
    const job = await db.selectFrom("jobs").selectAll().where("id", "=", simJob).executeTakeFirstOrThrow();
    await db.updateTable("jobs").set({ log_seq: 0 }).where("id", "=", simJob).execute();
    const lines = Array.from({ length: batches }, (_, b) => logEntries((b + 1) * batchLines, batchLines));
    const t1 = performance.now();
    for (let b = 1; b <= batches; b++) {
      await db.transaction().execute((tx) => appendJobLogs(tx, job, lines[b - 1] as LogEntry[], b));
    }
    const directRate = (batches * batchLines) / ((performance.now() - t1) / 1000);
    return { label, agentRate, serverRate, directRate };
  } finally {
    await robot?.terminate();
    agent?.stop();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs the log-ingestion benchmark and prints its table. */
export async function benchLogs(pgUrl: string | undefined): Promise<void> {
  const rows = await onEachDatabase(pgUrl, benchDatabase);
  console.log(`\n## Logs — ${burstLines} lines: an automation's burst through the agent, and the server path\n`);
  console.log(
    "| database | agent: burst stored, lines/s (target ≥ 20,000, none dropped) | server path lines/s | direct insert, same statement (baseline) lines/s | ratio (target ≥ 0.7) |",
  );
  console.log("|---|---|---|---|---|");
  for (const r of rows) {
    const ratio = r.serverRate / r.directRate;
    console.log(
      `| ${r.label} | ${r.agentRate.toFixed(0)} | ${r.serverRate.toFixed(0)} | ${r.directRate.toFixed(0)} | ${ratio.toFixed(2)} |`,
    );
    addSummary({
      figure: `${burstLines.toLocaleString("en")}-line burst through the agent, every line stored`,
      setup: r.label,
      value: `${r.agentRate.toFixed(0)} lines/s`,
      baseline: "—",
      ratio: "—",
      target: "≥ 20,000 lines/s",
    });
    addSummary({
      figure: "log lines over the robot protocol",
      setup: r.label,
      value: `${r.serverRate.toFixed(0)} lines/s`,
      baseline: `direct insert ${r.directRate.toFixed(0)} lines/s`,
      ratio: ratio.toFixed(2),
      target: "≥ 0.7",
    });
  }
}
