import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { protocolVersion, robotPath } from "../src/shared/protocol.js";
import { benchApi, onEachDatabase, quantile, spawnServer } from "./harness.js";
import { addSummary } from "./summary.js";

/**
 * P4 (issue #14): robot sessions at scale, with the server as its own process (so its CPU and
 * memory are its own, not the simulated robots'):
 * - a connect storm: `robots` simulated robots speaking the real protocol connect at once (a
 *   server restart) — how long until all are welcomed, and each handshake's time;
 * - steady state: the server's CPU (share of one core) and RSS while they heartbeat at the
 *   agent's 30 s rate, next to the same server idle (the baseline);
 * - `GET T/jobs?limit=50` p99 with the robots connected, next to the same with none.
 * Targets: all welcomed within 10 s, no handshake over 2 s; under 300 MB RSS and 10 % of a core;
 * API p99 within 1.5× of the idle figure.
 */
const robots = Number(process.env.BENCH_ROBOTS ?? 1000);
const heartbeatSeconds = 30;
const steadySeconds = Number(process.env.BENCH_SECONDS ?? 5) * 2;
const password = "Bench-Passw0rd!";
const ticksPerSecond = 100;

/** CPU seconds (user + system) and RSS in MB of a process, from /proc. */
function usage(pid: number): { cpu: number; rssMb: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpu = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  const rssMb = (Number(fields[21]) * 4096) / 1024 / 1024;
  return { cpu, rssMb };
}

/** The server's share of one core over `seconds`, and its RSS at the end. */
async function load(pid: number, seconds: number) {
  const before = usage(pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = usage(pid);
  return { core: (after.cpu - before.cpu) / seconds, rssMb: after.rssMb };
}

/**
 * `GET T/jobs?limit=50`, 20 per second for `steadySeconds` (200 requests at the default, so the
 * p99 is not simply the slowest one): p50 / p99 ms.
 */
async function apiLatency(url: string, token: string) {
  const latencies: number[] = [];
  const end = Date.now() + steadySeconds * 1000;
  while (Date.now() < end) {
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/orgs/bench/tenants/default/jobs?limit=50`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 50));
  }
  latencies.sort((a, b) => a - b);
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

async function benchDatabase(label: string, databaseUrl: string | undefined) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-bench-robots-"));
  const server = await spawnServer({
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: password,
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  const sockets: WebSocket[] = [];
  try {
    const api = benchApi(server.url);
    const { accessToken } = (await api("POST", "/auth/token", { username: "admin", password })) as {
      accessToken: string;
    };
    await api(
      "POST",
      "/host/organizations",
      { name: "Bench", admin: { email: "a@bench.test", password } },
      accessToken,
    );
    const T = "/orgs/bench/tenants/default";
    const folder = (await api("POST", `${T}/folders`, { name: "Bench" }, accessToken)) as { id: number };
    const keys: string[] = [];
    for (let i = 0; i < robots; i += 20) {
      const made = await Promise.all(
        Array.from({ length: Math.min(20, robots - i) }, (_, j) =>
          api("POST", `${T}/machines`, { name: `robot-${i + j}`, slots: 1, folderIds: [folder.id] }, accessToken),
        ),
      );
      keys.push(...made.map((m) => m.key as string));
    }

    const idleApi = await apiLatency(server.url, accessToken);
    const idle = await load(server.pid, steadySeconds);

    // The storm: every robot connects at the same moment and says hello.
    const wsUrl = `${server.url.replace(/^http/, "ws")}${robotPath}`;
    const handshakes: number[] = [];
    const stormStart = performance.now();
    await Promise.all(
      keys.map(
        (key, i) =>
          new Promise<void>((resolve, reject) => {
            const t = performance.now();
            const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${key}` } });
            sockets.push(socket);
            socket.once("open", () =>
              socket.send(
                JSON.stringify({
                  type: "hello",
                  protocolVersion,
                  agentVersion: "bench",
                  hostName: `host-${i}`,
                  os: "linux",
                  runningJobs: [],
                }),
              ),
            );
            socket.on("message", (data) => {
              const message = JSON.parse(data.toString()) as { type: string };
              if (message.type !== "welcome") return;
              handshakes.push(performance.now() - t);
              resolve();
            });
            socket.once("error", reject);
            socket.once("close", (code) => reject(new Error(`robot ${i} closed with ${code}`)));
          }),
      ),
    );
    const stormSeconds = (performance.now() - stormStart) / 1000;
    handshakes.sort((a, b) => a - b);

    // Steady state: each robot heartbeats every 30 s, spread evenly.
    const timers = sockets.map((socket, i) => {
      const beat = () => socket.send(JSON.stringify({ type: "heartbeat", runningJobs: [], draining: false }));
      const first = setTimeout(
        () => {
          beat();
          timers[i] = setInterval(beat, heartbeatSeconds * 1000);
        },
        ((i / sockets.length) * heartbeatSeconds * 1000) % (heartbeatSeconds * 1000),
      );
      return first as NodeJS.Timeout;
    });
    const steady = await load(server.pid, steadySeconds);
    const busyApi = await apiLatency(server.url, accessToken);
    for (const timer of timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    return {
      label,
      stormSeconds,
      handshakeP50: quantile(handshakes, 0.5),
      handshakeP99: quantile(handshakes, 0.99),
      handshakeMax: handshakes.at(-1) ?? 0,
      idle,
      steady,
      idleApi,
      busyApi,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs the robots-at-scale benchmark and prints its table. */
export async function benchRobots(pgUrl: string | undefined): Promise<void> {
  const rows = await onEachDatabase(pgUrl, benchDatabase);
  console.log(
    `\n## Robots — ${robots} simulated robots (real protocol) connecting at once, then heartbeating every ${heartbeatSeconds} s; server in its own process\n`,
  );
  console.log(
    "| database | all welcomed s (target ≤ 10) | handshake p50 / p99 / max ms (target max ≤ 2000) | server CPU idle (baseline) | with robots (target ≤ 10 %) | RSS MB (target < 300) | jobs list p99 ms idle (baseline) | with robots | ratio (target ≤ 1.5) |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const ratio = r.busyApi.p99 / r.idleApi.p99;
    console.log(
      `| ${r.label} | ${r.stormSeconds.toFixed(1)} | ${r.handshakeP50.toFixed(0)} / ${r.handshakeP99.toFixed(0)} / ${r.handshakeMax.toFixed(0)} | ${(r.idle.core * 100).toFixed(1)} % | ${(r.steady.core * 100).toFixed(1)} % | ${r.steady.rssMb.toFixed(0)} | ${r.idleApi.p99.toFixed(1)} | ${r.busyApi.p99.toFixed(1)} | ${ratio.toFixed(2)} |`,
    );
    addSummary({
      figure: `${robots} robots connecting at once: all welcomed`,
      setup: r.label,
      value: `${r.stormSeconds.toFixed(1)} s, max handshake ${(r.handshakeMax / 1000).toFixed(2)} s`,
      baseline: "—",
      ratio: "—",
      target: "≤ 10 s, max ≤ 2 s",
    });
    addSummary({
      figure: `${robots} robots at 30 s heartbeats: server CPU / RSS`,
      setup: r.label,
      value: `${(r.steady.core * 100).toFixed(1)} % / ${r.steady.rssMb.toFixed(0)} MB`,
      baseline: `idle ${(r.idle.core * 100).toFixed(1)} %`,
      ratio: "—",
      target: "< 10 % of a core, < 300 MB",
    });
    addSummary({
      figure: `jobs list p99 with ${robots} robots connected`,
      setup: r.label,
      value: `${r.busyApi.p99.toFixed(1)} ms`,
      baseline: `no robots ${r.idleApi.p99.toFixed(1)} ms`,
      ratio: ratio.toFixed(2),
      target: "≤ 1.5",
    });
  }
}
