import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/platform/clock.js";
import { type AgentProcess, killAllAgents, spawnAgent } from "../helpers/agent.js";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { useCrashServer } from "../helpers/crash-server.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import {
  getJob,
  type JobView,
  logsOf,
  maxConcurrency,
  openEventStream,
  startJobs,
  waitForJob,
  waitForLog,
} from "../helpers/jobs.js";
import {
  examplesDir,
  type Files,
  filesOf,
  manifest,
  rawTgz,
  sdkModuleFiles,
  tgz,
  uploadPackage,
  zip,
} from "../helpers/packages.js";
import { startHoldingProxy } from "../helpers/proxy.js";
import { startTestServer, type TestServer, testAdminPassword } from "../helpers/server.js";

/**
 * How a count that obeyed a graceful stop ended: it sees the stop file, finishes and exits 0, but
 * the SIGINT sent with the stop file may land while its process is already exiting.
 */
const gracefulEnd = expect.stringMatching(/^(Exited with code 0|The process was ended by a signal)$/);

const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawning agents (TypeScript through tsx) and automations takes seconds of CPU on a busy 2-core machine. */
const slow = { timeout: 120_000 };

// ---- The automations these tests run. ----

/** Reports its environment and logs at every level, through stdout, stderr and JSON lines. */
const probeMain = `import fs from "node:fs";
const env = process.env;
const output = {
  url: env.DIRIGENT_URL,
  jobId: env.DIRIGENT_JOB_ID,
  jobKey: env.DIRIGENT_JOB_KEY,
  token: (env.DIRIGENT_JOB_TOKEN ?? "").slice(0, 4),
  input: JSON.parse(fs.readFileSync(env.DIRIGENT_INPUT_FILE, "utf8")),
  inputFileInsideRun: env.DIRIGENT_INPUT_FILE.startsWith(process.cwd()),
  cwdHasManifest: fs.existsSync("dirigent.json"),
  argv: process.argv.slice(2),
};
for (const level of ["trace", "debug", "info", "warn", "error", "fatal"])
  console.log(JSON.stringify({ level, message: "at " + level }));
console.log("plain stdout");
console.error("plain stderr");
console.error(JSON.stringify({ level: "warn", message: "warn via stderr" }));
console.log('{"level":"loud","message":"unknown level"}');
console.log('{"message":"no level"}');
console.log("{not json");
fs.writeFileSync(env.DIRIGENT_OUTPUT_FILE, JSON.stringify(output));
`;

/** Ignores SIGINT and SIGTERM and never ends by itself: only SIGKILL stops it. */
const stubbornMain = `const log = (level, message) => console.log(JSON.stringify({ level, message }));
process.on("SIGINT", () => log("warn", "ignoring SIGINT"));
process.on("SIGTERM", () => log("warn", "ignoring SIGTERM"));
log("info", "started");
setInterval(() => {}, 1000);
`;

/** Writes `errors` lines to stderr, then exits with `code`. */
const exitMain = `import fs from "node:fs";
const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8"));
for (let i = 1; i <= (input.errors ?? 0); i++) console.error("error line " + i);
process.exit(input.code ?? 0);
`;

/** Prints NUL bytes and invalid UTF-8 (which PostgreSQL cannot store as they are) and reports an output with NUL. */
const binaryMain = `import fs from "node:fs";
process.stdout.write("before\\u0000after\\n");
process.stdout.write(Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a]));
console.log("still here");
fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ "k\\u0000": "v\\u0000" }));
`;

/** Prints its whole environment and reports the names in it. */
const envDumpMain = `import fs from "node:fs";
console.log(JSON.stringify(process.env));
fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ names: Object.keys(process.env).sort(), passed: process.env.PASSED_ON ?? null }));
`;

const versionMain = (version: string) => `import fs from "node:fs";
fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ version: "${version}" }));
`;

/**
 * Uses the real SDK (src/sdk, as `dirigent/sdk` in the package's node_modules): works until a
 * graceful stop, then takes `cleanupMs` to finish its unit of work and exits 0.
 */
const sdkMain = `import * as dirigent from "dirigent/sdk";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const input = dirigent.inputArguments();
dirigent.log("info", "job " + dirigent.job.id + " at " + dirigent.job.serverUrl);
let steps = 0;
while (!dirigent.shouldStop()) {
  steps += 1;
  if (steps === 3) dirigent.log("info", "working");
  await sleep(50);
}
dirigent.log("warn", "stop seen, cleaning up");
await sleep(input.cleanupMs ?? 0);
dirigent.setOutputArguments({ steps });
dirigent.setOutputArguments({ cleanedUp: true });
dirigent.log("info", "cleaned up");
`;

/**
 * Blocks (no event loop, no SIGINT handler yet: the SDK is imported after it) until the stop
 * file appears, then a little longer, so a SIGINT sent together with the stop file lands here.
 */
const slowBootJs = `import fs from "node:fs";
console.log(JSON.stringify({ level: "info", message: "booting" }));
const pause = new Int32Array(new SharedArrayBuffer(4));
const deadline = Date.now() + 60_000;
let seen = false;
while (!seen && Date.now() < deadline) {
  seen = fs.existsSync(process.env.DIRIGENT_STOP_FILE);
  if (!seen) Atomics.wait(pause, 0, 0, 50);
}
Atomics.wait(pause, 0, 0, 500);
export const sawStopFile = seen;
`;

/** Imports the SDK only after a slow start (slowBootJs), then works until stopped and cleans up. */
const slowBootMain = `import { sawStopFile } from "./boot.js";
import * as dirigent from "dirigent/sdk";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
while (!dirigent.shouldStop()) await sleep(50);
dirigent.log("warn", "stop seen, cleaning up");
await sleep(300);
dirigent.setOutputArguments({ sawStopFile, cleanedUp: true });
dirigent.log("info", "cleaned up");
`;

function sdkPackage(name = "sdk-cleanup", main = sdkMain, extra: Files = {}): Files {
  // The SDK is several files since the queue client: bundled like an installed package.
  return { ...pkg(name, "1.0.0", main), ...extra, ...sdkModuleFiles() };
}

function pkg(name: string, version: string, main: string, extra: Record<string, unknown> = {}): Files {
  return {
    "dirigent.json": JSON.stringify(
      manifest({ name, version, entryPoints: [{ name: "main", command: ["node", "main.js"], ...extra }] }),
    ),
    "main.js": main,
  };
}

describe.each(testDatabases())("jobs with the real robot agent on %s", slow, (database) => {
  let server: TestServer;
  let host: Api;
  let org: TestOrg;
  let api: Api;
  let t: string;
  let agentTmp: string;
  let realClock: Clock | null = null;

  beforeAll(async () => {
    agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-agents-"));
    server = await startTestServer({ database, env: { DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1" } });
    host = await adminApi(server);
    org = await createOrg(host);
    api = org.admin.api;
    t = tenantPath(org);
    await uploadAll(api, t);
  });
  afterEach(async () => {
    await killAllAgents();
    restoreClock();
  });
  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
    // Automations orphaned by a killed agent end within seconds; their folders go with the temp folder.
    if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
  });

  function restoreClock() {
    if (realClock) server.server.services.ctx.clock = realClock;
    realClock = null;
  }

  /** A folder of its own per test (machines only take jobs of their folders), with processes on the packages. */
  async function folderWith(
    processes: Record<string, { packageName: string; inputArguments?: Record<string, unknown> }>,
    client: { api: Api; t: string } = { api, t },
  ) {
    const folder = await client.api.post(`${client.t}/folders`, { name: unique("F") });
    expect(folder.status, folder.text).toBe(201);
    const ids: Record<string, number> = {};
    for (const [name, body] of Object.entries(processes)) {
      const res = await client.api.post(`${client.t}/folders/${folder.body.id}/processes`, { name, ...body });
      expect(res.status, res.text).toBe(201);
      ids[name] = res.body.id;
    }
    return { folderId: folder.body.id as number, processes: ids };
  }

  async function newMachine(folderIds: number[], slots = 1, client: { api: Api; t: string } = { api, t }) {
    const res = await client.api.post(`${client.t}/machines`, { name: unique("robot"), slots, folderIds });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number; key: string; name: string };
  }

  /** Runs `dirigent robot` for the machine and waits until it is connected; returns it with its session id. */
  async function startAgent(key: string, url = server.url): Promise<{ agent: AgentProcess; sessionId: number }> {
    const agent = spawnAgent({ url, key, env: { TMPDIR: agentTmp } });
    const line = await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    return { agent, sessionId: Number(/session (\d+)\)/.exec(line)?.[1]) };
  }

  const logMessages = async (id: number, query = "") => (await logsOf(api, t, id, query)).map((l) => l.message);

  it("runs hello-world: input arguments in, output arguments out, stdout as info and stderr as error", async () => {
    const { folderId, processes } = await folderWith({
      Hello: { packageName: "hello-world", inputArguments: { name: "Ada" } },
    });
    const m = await newMachine([folderId]);
    const { sessionId } = await startAgent(m.key);
    const [job] = await startJobs(api, t, folderId, { processId: processes.Hello, inputArguments: { times: 2 } });
    const done = await waitForJob(api, t, job?.id as number);
    expect(done).toMatchObject({
      state: "successful",
      machineId: m.id,
      inputArguments: { name: "Ada", times: 2 },
      outputArguments: { greeting: "Hello, Ada!" },
    });
    expect(done.error).toBeUndefined();
    expect(Date.parse(done.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
    expect(Date.parse(done.endedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(done.startedAt ?? ""));
    expect(done.timeline.map((e) => [e.state, e.actor, e.reason])).toEqual([
      ["pending", org.admin.email, "Started through the API"],
      ["running", `machine ${m.id}`, `Assigned to session ${sessionId}`],
      ["successful", `machine ${m.id}`, "Exited with code 0"],
    ]);
    const logs = await logsOf(api, t, done.id);
    expect(logs.filter((l) => l.level === "info").map((l) => l.message)).toEqual([
      "Hello, Ada (1/2)",
      "Hello, Ada (2/2)",
    ]);
    expect(logs.filter((l) => l.level === "error").map((l) => l.message)).toEqual([
      "This line goes to stderr and is logged as an error.",
    ]);
    expect(logs).toHaveLength(3);
  });

  it("gives the entry point its environment and logs JSON lines at their level", async () => {
    const { folderId, processes } = await folderWith({ Probe: { packageName: "probe" } });
    const m = await newMachine([folderId]);
    await startAgent(m.key);
    const [job] = await startJobs(api, t, folderId, {
      processId: processes.Probe,
      inputArguments: { nested: { list: [1, "two"] }, flag: true },
    });
    const done = await waitForJob(api, t, job?.id as number);
    expect(done.state).toBe("successful");
    expect(done.outputArguments).toEqual({
      url: server.url,
      jobId: String(done.id),
      jobKey: done.key,
      token: "dgj_",
      input: { nested: { list: [1, "two"] }, flag: true },
      inputFileInsideRun: false,
      cwdHasManifest: true,
      argv: ["--probe"],
    });
    const logs = await logsOf(api, t, done.id);
    const levelOf = (message: string) => logs.find((l) => l.message === message)?.level;
    for (const level of ["trace", "debug", "info", "warn", "error", "fatal"])
      expect(levelOf(`at ${level}`)).toBe(level);
    expect(levelOf("plain stdout")).toBe("info");
    expect(levelOf("plain stderr")).toBe("error");
    expect(levelOf("warn via stderr")).toBe("warn");
    // Lines that are not a JSON object with a known level and a message stay as they are.
    expect(levelOf('{"level":"loud","message":"unknown level"}')).toBe("info");
    expect(levelOf('{"message":"no level"}')).toBe("info");
    expect(levelOf("{not json")).toBe("info");
    expect(logs).toHaveLength(12);
    // Error lines alone do not fault a job that exits 0.
    expect(done.error).toBeUndefined();
  });

  it("stores NUL bytes and invalid UTF-8 from an automation visibly escaped, and the session stays up", async () => {
    const { folderId, processes } = await folderWith({ Binary: { packageName: "binary-output" } });
    const m = await newMachine([folderId]);
    const { agent, sessionId } = await startAgent(m.key);
    const [job] = await startJobs(api, t, folderId, { processId: processes.Binary });
    const done = await waitForJob(api, t, job?.id as number);
    expect(done.state).toBe("successful");
    expect(done.outputArguments).toEqual({ "k\\u0000": "v\\u0000" });
    expect(await logMessages(done.id)).toEqual(["before\\u0000after", "bad\uFFFD\uFFFD", "still here"]);
    // The same session runs the next job: nothing ended it.
    const [again] = await startJobs(api, t, folderId, { processId: processes.Binary });
    const second = await waitForJob(api, t, again?.id as number);
    expect(second.state).toBe("successful");
    expect(second.timeline.find((e) => e.state === "running")?.reason).toBe(`Assigned to session ${sessionId}`);
    expect(agent.lines.join("\n")).not.toMatch(/ended this robot's session/);
  });

  it("starts automations without the agent's machine key or other variables, passing on only what --pass-env names", async () => {
    const { folderId, processes } = await folderWith({ Env: { packageName: "env-dump" } });
    const m = await newMachine([folderId]);
    // The documented way to start an agent without the key on its command line.
    const agent = spawnAgent({
      args: ["--url", server.url],
      env: {
        TMPDIR: agentTmp,
        DIRIGENT_MACHINE_KEY: m.key,
        DIRIGENT_PASS_ENV: "PASSED_ON,DIRIGENT_MACHINE_KEY",
        PASSED_ON: "yes",
        HOST_SECRET: "s3cret-of-the-host",
      },
    });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    const [job] = await startJobs(api, t, folderId, { processId: processes.Env });
    const done = await waitForJob(api, t, job?.id as number);
    expect(done.state).toBe("successful");
    const { names, passed } = done.outputArguments as { names: string[]; passed: string | null };
    expect(passed).toBe("yes");
    expect(names).not.toContain("DIRIGENT_MACHINE_KEY");
    expect(names).not.toContain("HOST_SECRET");
    expect(names).toEqual(expect.arrayContaining(["PATH", "DIRIGENT_JOB_TOKEN", "DIRIGENT_URL"]));
    const logged = (await logMessages(done.id)).join("\n");
    expect(logged).toContain("DIRIGENT_JOB_KEY");
    expect(logged).not.toContain(m.key);
    expect(logged).not.toContain("s3cret-of-the-host");
  });

  it("faults a failing automation with its last error lines as the error, or its exit code", async () => {
    const { folderId, processes } = await folderWith({
      Demo: { packageName: "sdk-demo" },
      Exit: { packageName: "exit-code" },
    });
    const m = await newMachine([folderId], 3);
    await startAgent(m.key);
    const [demo] = await startJobs(api, t, folderId, {
      processId: processes.Demo,
      inputArguments: { to: 2, delayMs: 10, fail: true },
    });
    const [silent] = await startJobs(api, t, folderId, { processId: processes.Exit, inputArguments: { code: 7 } });
    const [noisy] = await startJobs(api, t, folderId, {
      processId: processes.Exit,
      inputArguments: { code: 1, errors: 15 },
    });

    const failed = await waitForJob(api, t, demo?.id as number);
    expect(failed).toMatchObject({
      state: "faulted",
      error: "Failing on purpose, as asked.",
      outputArguments: { count: 2, stoppedEarly: false },
    });
    expect(failed.timeline.at(-1)).toMatchObject({
      state: "faulted",
      actor: `machine ${m.id}`,
      reason: "Failing on purpose, as asked.",
    });
    expect(await logMessages(failed.id, "?level=error")).toEqual(["Failing on purpose, as asked."]);
    expect(await logMessages(failed.id, "?level=debug")).toEqual([
      "step 1 of 2",
      "step 2 of 2",
      "Failing on purpose, as asked.",
    ]);

    const exit7 = await waitForJob(api, t, silent?.id as number);
    expect(exit7).toMatchObject({
      state: "faulted",
      error: "The automation exited with code 7.",
      outputArguments: null,
    });
    const lastLines = await waitForJob(api, t, noisy?.id as number);
    expect(lastLines.state).toBe("faulted");
    expect(lastLines.error).toBe(Array.from({ length: 10 }, (_, i) => `error line ${i + 6}`).join("\n"));
    expect(await logsOf(api, t, lastLines.id)).toHaveLength(15);
  });

  it("stops a long count gracefully: stopping, then stopped with stoppedEarly", async () => {
    const { folderId, processes } = await folderWith({ Demo: { packageName: "sdk-demo" } });
    const m = await newMachine([folderId]);
    await startAgent(m.key);
    const [job] = await startJobs(api, t, folderId, {
      processId: processes.Demo,
      inputArguments: { to: 100_000, delayMs: 50 },
    });
    await waitForLog(api, t, job?.id as number, /^step 3 of 100000$/);
    const stopping = await api.post(`${t}/jobs/${job?.id}/stop`, { mode: "stop" });
    expect(stopping.status, stopping.text).toBe(200);
    expect(stopping.body.state).toBe("stopping");
    const done = await waitForJob(api, t, job?.id as number);
    expect(done.state).toBe("stopped");
    expect(done.error).toBeUndefined();
    const count = done.outputArguments?.count as number;
    expect(done.outputArguments).toEqual({ count, stoppedEarly: true });
    expect(count).toBeGreaterThanOrEqual(3);
    expect(count).toBeLessThan(100_000);
    const messages = await logMessages(done.id);
    expect(messages.at(-1)).toBe(`Stopped gracefully at ${count}.`);
    expect(messages.filter((l) => l.startsWith("step "))).toHaveLength(count);
    expect(done.timeline.slice(2).map((e) => [e.state, e.actor, e.reason])).toEqual([
      ["stopping", org.admin.email, "Stop requested"],
      ["stopped", `machine ${m.id}`, gracefulEnd],
    ]);
    // A running job stopped raises the job-stopped alert (warning), linked to the job.
    const alerts = await api.get(`${t}/alerts?component=jobs&limit=50`);
    expect(alerts.body.items.filter((a: { link: string }) => a.link === `/jobs/${done.id}`)).toMatchObject([
      { kind: "job-stopped", severity: "warn", component: "jobs" },
    ]);
  });

  it("delivers a graceful stop once: an SDK automation may take several heartbeats to finish its work", async () => {
    const { folderId, processes } = await folderWith({ Sdk: { packageName: "sdk-cleanup" } });
    const m = await newMachine([folderId]);
    await startAgent(m.key);
    const [job] = await startJobs(api, t, folderId, { processId: processes.Sdk, inputArguments: { cleanupMs: 2500 } });
    const id = job?.id as number;
    await waitForLog(api, t, id, /^working$/);
    expect((await api.post(`${t}/jobs/${id}/stop`, { mode: "stop" })).body.state).toBe("stopping");
    const done = await waitForJob(api, t, id);
    expect(done.state).toBe("stopped");
    // Heartbeats (every second here) repeat the stop while the job is stopping; the automation
    // must not be interrupted again while it cleans up.
    expect(done.outputArguments).toEqual({ steps: expect.any(Number), cleanedUp: true });
    expect(done.timeline.at(-1)).toMatchObject({ state: "stopped", reason: "Exited with code 0" });
    const logs = await logsOf(api, t, id);
    expect(logs.map((l) => [l.level, l.message])).toEqual([
      ["info", `job ${id} at ${server.url}`],
      ["info", "working"],
      ["warn", "stop seen, cleaning up"],
      ["info", "cleaned up"],
    ]);
  });

  it("never starts a job stopped or killed while its package is still downloading", async () => {
    const { folderId, processes } = await folderWith({ Sdk: { packageName: "sdk-cleanup" } });
    const m = await newMachine([folderId], 2);
    // The agent reaches the server through a proxy that holds package downloads until released.
    const proxy = await startHoldingProxy(server.url, /^GET \/api\/v1\/robot\/packages\//);
    try {
      // An empty package cache, so the agent must download.
      const tmp = fs.mkdtempSync(path.join(agentTmp, "cold-"));
      const agent = spawnAgent({ url: proxy.url, key: m.key, env: { TMPDIR: tmp } });
      await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
      const [toStop] = await startJobs(api, t, folderId, { processId: processes.Sdk });
      const [toKill] = await startJobs(api, t, folderId, { processId: processes.Sdk });
      const stopId = toStop?.id as number;
      const killId = toKill?.id as number;
      // Both jobs wait for the one download of their package (one per package and agent).
      await proxy.waitForHeld(1);
      await agent.waitFor(new RegExp(`^Job ${killId} \\(Sdk\\) started\\.$`));
      expect((await api.post(`${t}/jobs/${stopId}/stop`, { mode: "stop" })).body.state).toBe("stopping");
      expect((await api.post(`${t}/jobs/${killId}/stop`, { mode: "kill" })).body.state).toBe("terminating");
      await agent.waitFor(new RegExp(`^Job ${stopId}: stop requested\\.$`));
      await agent.waitFor(new RegExp(`^Job ${killId}: kill requested\\.$`));
      proxy.release();
      for (const [id, asked, reason] of [
        [stopId, ["stopping", "Stop requested"], "Stopped before it started"],
        [killId, ["terminating", "Kill requested"], "Killed before it started"],
      ] as const) {
        const done = await waitForJob(api, t, id);
        expect(done).toMatchObject({ state: "stopped", outputArguments: null });
        expect(done.error).toBeUndefined();
        expect(done.timeline.slice(2).map((e) => [e.state, e.actor, e.reason])).toEqual([
          [asked[0], org.admin.email, asked[1]],
          ["stopped", `machine ${m.id}`, reason],
        ]);
        // The automation never ran: it would have logged its first line at once.
        expect(await logsOf(api, t, id)).toEqual([]);
        await agent.waitFor(new RegExp(`^Job ${id} finished \\(stopped before it started\\)\\.$`));
      }
    } finally {
      await proxy.close();
    }
  });

  it("never loses a kill that comes in the instant the dispatcher assigns the job", async () => {
    const { folderId, processes } = await folderWith({ Demo: { packageName: "sdk-demo" } });
    const m = await newMachine([folderId], 10);
    await startAgent(m.key);
    // Kills 0–19 ms after each job's creation: some land while the job is still pending, some
    // while it is assigned, some after; a kill that loses the race with the assignment is read
    // again and applied to the running job, never answered 409 nor dropped.
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) {
      const [job] = await startJobs(api, t, folderId, {
        processId: processes.Demo,
        inputArguments: { to: 600, delayMs: 100 },
      });
      await sleep(i % 20);
      const killed = await api.post(`${t}/jobs/${job?.id}/stop`, { mode: "kill" });
      expect(killed.status, killed.text).toBe(200);
      expect(["stopped", "terminating"]).toContain(killed.body.state);
      ids.push(job?.id as number);
    }
    for (const id of ids) expect((await waitForJob(api, t, id)).state).toBe("stopped");
  });

  it("holds the SIGINT of a stop that comes while the automation starts until the SDK can handle it", async () => {
    const { folderId, processes } = await folderWith({ Boot: { packageName: "slow-boot" } });
    const m = await newMachine([folderId]);
    await startAgent(m.key);
    const [job] = await startJobs(api, t, folderId, { processId: processes.Boot });
    const id = job?.id as number;
    // Spawned, and busy starting up: the SDK (and its SIGINT handler) is not loaded yet.
    await waitForLog(api, t, id, /^booting$/);
    expect((await api.post(`${t}/jobs/${id}/stop`, { mode: "stop" })).body.state).toBe("stopping");
    const done = await waitForJob(api, t, id);
    // The stop file came at once (the start-up saw it); the SIGINT waited until the SDK was ready,
    // so the automation cleaned up and exited instead of dying by the signal.
    expect(done).toMatchObject({ state: "stopped", outputArguments: { sawStopFile: true, cleanedUp: true } });
    expect(done.timeline.at(-1)).toMatchObject({ state: "stopped", reason: "Exited with code 0" });
    expect(await logMessages(id)).toEqual(["booting", "stop seen, cleaning up", "cleaned up"]);
  });

  it("kills an automation that ignores SIGINT and SIGTERM: SIGKILL after the 3 s grace, then stopped", async () => {
    const { folderId, processes } = await folderWith({ Stubborn: { packageName: "stubborn" } });
    const m = await newMachine([folderId]);
    const { agent } = await startAgent(m.key);
    const [job] = await startJobs(api, t, folderId, { processId: processes.Stubborn });
    const id = job?.id as number;
    await waitForLog(api, t, id, /^started$/);
    // A graceful stop is ignored: the job stays stopping.
    expect((await api.post(`${t}/jobs/${id}/stop`, { mode: "stop" })).body.state).toBe("stopping");
    await waitForLog(api, t, id, /^ignoring SIGINT$/);
    await sleep(1000);
    expect((await getJob(api, t, id)).state).toBe("stopping");
    const since = agent.mark();
    const killedAt = Date.now();
    const kill = await api.post(`${t}/jobs/${id}/stop`, { mode: "kill" });
    expect(kill.body.state).toBe("terminating");
    await waitForLog(api, t, id, /^ignoring SIGTERM$/);
    const done = await waitForJob(api, t, id, undefined, 30_000);
    const took = Date.now() - killedAt;
    expect(done.state).toBe("stopped");
    // SIGTERM was ignored, so only the SIGKILL 3 s later ended it.
    expect(took).toBeGreaterThanOrEqual(2900);
    expect(took).toBeLessThan(20_000);
    expect(done.timeline.slice(2).map((e) => [e.state, e.actor, e.reason])).toEqual([
      ["stopping", org.admin.email, "Stop requested"],
      ["terminating", org.admin.email, "Kill requested"],
      ["stopped", `machine ${m.id}`, "The process was ended by a signal"],
    ]);
    await agent.waitFor(new RegExp(`^Job ${id} finished \\(ended by SIGKILL\\)\\.$`), { since });
    // Each signal was sent once, though heartbeats repeated the stop and the kill.
    expect(await logMessages(id)).toEqual(["started", "ignoring SIGINT", "ignoring SIGTERM"]);
  });

  it("enforces stop-after (graceful) and kill-after limits", async () => {
    const { folderId, processes } = await folderWith({
      Demo: { packageName: "sdk-demo" },
      Stubborn: { packageName: "stubborn" },
    });
    const m = await newMachine([folderId], 2);
    await startAgent(m.key);
    // Limits of a few seconds: a stop that comes before the automation set up its signal handlers
    // would end it at once, not the way these jobs are meant to end.
    const [graceful] = await startJobs(api, t, folderId, {
      processId: processes.Demo,
      inputArguments: { to: 100_000, delayMs: 50 },
      stopAfterSeconds: 3,
    });
    const [killed] = await startJobs(api, t, folderId, {
      processId: processes.Stubborn,
      stopAfterSeconds: 3,
      killAfterSeconds: 4,
    });
    const a = await waitForJob(api, t, graceful?.id as number);
    expect(a.state).toBe("stopped");
    expect(a.outputArguments).toMatchObject({ stoppedEarly: true });
    expect(a.timeline.slice(2).map((e) => [e.state, e.actor, e.reason])).toEqual([
      ["stopping", "system", "Stopped after 3 s"],
      ["stopped", `machine ${m.id}`, gracefulEnd],
    ]);
    expect(Date.parse(a.timeline[2]?.at ?? "") - Date.parse(a.startedAt ?? "")).toBeGreaterThanOrEqual(3000);
    const b = await waitForJob(api, t, killed?.id as number);
    expect(b.state).toBe("stopped");
    expect(b.timeline.slice(2).map((e) => [e.state, e.actor, e.reason])).toEqual([
      ["stopping", "system", "Stopped after 3 s"],
      ["terminating", "system", "Killed after 4 s"],
      ["stopped", `machine ${m.id}`, "The process was ended by a signal"],
    ]);
    // The limits count from the start: killed no sooner than 4 s plus the 3 s grace after it started.
    expect(Date.parse(b.endedAt ?? "") - Date.parse(b.startedAt ?? "")).toBeGreaterThanOrEqual(6900);
    expect(await logMessages(b.id)).toEqual(["started", "ignoring SIGINT", "ignoring SIGTERM"]);
  });

  it("restarts a finished job as a new job, and count: 3 makes three jobs that each run", async () => {
    const { folderId, processes } = await folderWith({
      Hello: { packageName: "hello-world", inputArguments: { name: "Bo" } },
    });
    const m = await newMachine([folderId], 2);
    await startAgent(m.key);
    const three = await startJobs(api, t, folderId, { processId: processes.Hello, count: 3 });
    expect(three).toHaveLength(3);
    for (const j of three) {
      const done = await waitForJob(api, t, j.id);
      expect(done).toMatchObject({ state: "successful", outputArguments: { greeting: "Hello, Bo!" } });
      const logs = await logsOf(api, t, j.id);
      expect(logs.filter((l) => l.level === "info").map((l) => l.message)).toEqual(["Hello, Bo (1/1)"]);
    }
    const restart = await api.post(`${t}/jobs/${three[0]?.id}/restart`);
    expect(restart.status, restart.text).toBe(201);
    expect(restart.body.id).not.toBe(three[0]?.id);
    const again = await waitForJob(api, t, restart.body.id);
    expect(again).toMatchObject({
      state: "successful",
      processId: processes.Hello,
      inputArguments: { name: "Bo" },
      outputArguments: { greeting: "Hello, Bo!" },
    });
    // The original is untouched.
    expect((await getJob(api, t, three[0]?.id as number)).timeline).toHaveLength(3);
  });

  it("runs the highest priority first, then the oldest, on a machine with one slot", async () => {
    const { folderId, processes } = await folderWith({
      Hello: { packageName: "hello-world", inputArguments: { name: "P" } },
    });
    const m = await newMachine([folderId], 1);
    const start = async (priority: number) =>
      (await startJobs(api, t, folderId, { processId: processes.Hello, priority }))[0] as JobView;
    // Created while no robot is connected.
    const low1 = await start(10);
    const low2 = await start(10);
    const high = await start(90);
    const mid = await start(50);
    await startAgent(m.key);
    const done = [];
    for (const j of [low1, low2, high, mid]) done.push(await waitForJob(api, t, j.id));
    expect(done.every((j) => j.state === "successful")).toBe(true);
    const order = [...done].sort((a, b) => Date.parse(a.startedAt ?? "") - Date.parse(b.startedAt ?? ""));
    expect(order.map((j) => j.id)).toEqual([high.id, mid.id, low1.id, low2.id]);
    // One slot: each started after the one before ended.
    expect(maxConcurrency(done)).toBe(1);
  });

  it("never runs more jobs at once than the machine has slots", async () => {
    const { folderId, processes } = await folderWith({ Demo: { packageName: "sdk-demo" } });
    const m = await newMachine([folderId], 2);
    const { agent } = await startAgent(m.key);
    const jobs = await startJobs(api, t, folderId, {
      processId: processes.Demo,
      count: 5,
      inputArguments: { to: 4, delayMs: 150 },
    });
    const done = [];
    for (const j of jobs) done.push(await waitForJob(api, t, j.id));
    expect(done.map((j) => j.state)).toEqual(Array(5).fill("successful"));
    expect(maxConcurrency(done)).toBe(2);
    expect(agent.lines.filter((l) => /^Job \d+ \(Demo\) started\.$/.test(l))).toHaveLength(5);
  });

  it("two agents on one host unpack a new package into their shared cache without tripping over each other", async () => {
    // Many files widen the window in which two agents unpack the same package at the same time.
    const files: Files = {};
    for (let i = 0; i < 300; i++) files[`data/file-${i}.txt`] = `content ${i}\n`.repeat(50);
    const name = unique("cache-race").toLowerCase();
    const checkMain = `import fs from "node:fs";
const count = fs.readdirSync("data").length;
const ok = fs.readFileSync("data/file-299.txt", "utf8").startsWith("content 299");
const mode = fs.statSync("tool.sh").mode & 0o777;
fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ count, ok, mode }));
`;
    const members = [
      ...Object.entries({ ...pkg(name, "1.0.0", checkMain), ...files }).map(([p, content]) => ({ path: p, content })),
      { path: "tool.sh", content: "#!/bin/sh\necho tool\n", mode: 0o755 },
    ];
    const res = await uploadPackage(api, t, zip(members, { deflate: true }), { filename: "race.zip" });
    expect(res.status, res.text).toBe(201);
    const { folderId, processes } = await folderWith({ Race: { packageName: name } });
    const m = await newMachine([folderId], 4);
    await Promise.all([startAgent(m.key), startAgent(m.key)]);
    const jobs = await startJobs(api, t, folderId, { processId: processes.Race, count: 8 });
    const done = await Promise.all(jobs.map((j) => waitForJob(api, t, j.id, undefined, 90_000)));
    for (const j of done) {
      expect(j.state, j.error).toBe("successful");
      // Every file there, whole, and the script still executable (zip modes kept).
      expect(j.outputArguments).toEqual({ count: 300, ok: true, mode: 0o755 });
    }
  });

  it("two agents competing for ten jobs: each job runs exactly once, on one session", async () => {
    const { folderId, processes } = await folderWith({
      Hello: { packageName: "hello-world", inputArguments: { name: "Twin" } },
    });
    const m = await newMachine([folderId], 2);
    const [one, two] = await Promise.all([startAgent(m.key), startAgent(m.key)]);
    const jobs = await startJobs(api, t, folderId, { processId: processes.Hello, count: 10 });
    const done = [];
    for (const j of jobs) done.push(await waitForJob(api, t, j.id));
    expect(done.map((j) => j.state)).toEqual(Array(10).fill("successful"));
    const sessions = new Set<number>();
    for (const j of done) {
      const runs = j.timeline.filter((e) => e.state === "running");
      expect(runs, JSON.stringify(j.timeline)).toHaveLength(1);
      const session = Number(/^Assigned to session (\d+)$/.exec(runs[0]?.reason ?? "")?.[1]);
      expect([one?.sessionId, two?.sessionId]).toContain(session);
      sessions.add(session);
      const logs = await logsOf(api, t, j.id);
      expect(logs.filter((l) => l.level === "info").map((l) => l.message)).toEqual(["Hello, Twin (1/1)"]);
    }
    // Both agents took jobs.
    expect(sessions.size).toBe(2);
    const started = [one, two].flatMap((a) =>
      (a?.agent.lines ?? []).flatMap((l) => {
        const match = /^Job (\d+) \(Hello\) started\.$/.exec(l);
        return match ? [Number(match[1])] : [];
      }),
    );
    expect(started.sort((a, b) => a - b)).toEqual(jobs.map((j) => j.id).sort((a, b) => a - b));
  });

  it("runs a job targeted at a machine only there, and leaves jobs of folders a machine does not serve", async () => {
    const a = await folderWith({ Hello: { packageName: "hello-world", inputArguments: { name: "T" } } });
    const b = await folderWith({ Hello: { packageName: "hello-world", inputArguments: { name: "U" } } });
    const m1 = await newMachine([a.folderId], 2);
    const m2 = await newMachine([a.folderId], 2);
    await Promise.all([startAgent(m1.key), startAgent(m2.key)]);
    const targeted = await startJobs(api, t, a.folderId, { processId: a.processes.Hello, count: 4, machineId: m2.id });
    for (const j of targeted) {
      const done = await waitForJob(api, t, j.id);
      expect(done).toMatchObject({ state: "successful", machineId: m2.id, targetMachineId: m2.id });
    }
    const onM2 = await api.get(`${t}/jobs?machineId=${m2.id}`);
    expect(onM2.body.items.map((j: JobView) => j.id).sort()).toEqual(targeted.map((j) => j.id).sort());
    expect((await api.get(`${t}/jobs?machineId=${m1.id}`)).body.items).toEqual([]);
    // Folder B has no machine: its job waits while both robots idle.
    const [waiting] = await startJobs(api, t, b.folderId, { processId: b.processes.Hello });
    await sleep(2500);
    expect((await getJob(api, t, waiting?.id as number)).state).toBe("pending");
    // Once machine 1 serves folder B too, the job runs there.
    const patched = await api.patch(`${t}/machines/${m1.id}`, { folderIds: [a.folderId, b.folderId] });
    expect(patched.status, patched.text).toBe(200);
    expect(await waitForJob(api, t, waiting?.id as number)).toMatchObject({ state: "successful", machineId: m1.id });
  });

  it("runs the package version a process asks for: the latest one, or the pinned one", async () => {
    const name = unique("ver");
    const up = async (version: string) =>
      expect((await uploadPackage(api, t, await tgz(pkg(name, version, versionMain(version))))).status).toBe(201);
    await up("1.0.0");
    const { folderId, processes } = await folderWith({
      Latest: { packageName: name },
      Pinned: { packageName: name },
    });
    await api.patch(`${t}/processes/${processes.Pinned}`, { packageVersion: "1.0.0" });
    await up("1.1.0");
    const m = await newMachine([folderId], 2);
    await startAgent(m.key);
    const [latest] = await startJobs(api, t, folderId, { processId: processes.Latest });
    const [pinned] = await startJobs(api, t, folderId, { processId: processes.Pinned });
    expect((await waitForJob(api, t, latest?.id as number)).outputArguments).toEqual({ version: "1.1.0" });
    expect((await waitForJob(api, t, pinned?.id as number)).outputArguments).toEqual({ version: "1.0.0" });
    await up("2.0.0");
    const [newer] = await startJobs(api, t, folderId, { processId: processes.Latest });
    expect((await waitForJob(api, t, newer?.id as number)).outputArguments).toEqual({ version: "2.0.0" });
  });

  it("streams the logs of a running job live and ends the stream when it finishes", async () => {
    const { folderId, processes } = await folderWith({ Demo: { packageName: "sdk-demo" } });
    const m = await newMachine([folderId]);
    await startAgent(m.key);
    const [job] = await startJobs(api, t, folderId, {
      processId: processes.Demo,
      inputArguments: { to: 8, delayMs: 300 },
    });
    const stream = await openEventStream(`${server.url}/api/v1${t}/jobs/${job?.id}/logs/stream`, api.token);
    expect(stream.status).toBe(200);
    const [first] = await stream.waitFor((e) => e.event === "log", 1, 60_000);
    expect(JSON.parse(first?.data ?? "{}")).toMatchObject({ level: "debug", message: "step 1 of 8" });
    // It came while the job was still running.
    expect(stream.ended).toBe(false);
    expect((await getJob(api, t, job?.id as number)).state).toBe("running");
    await stream.closed;
    const events = stream.events;
    expect(events.at(-1)?.event).toBe("end");
    expect(JSON.parse(events.at(-1)?.data ?? "{}")).toEqual({ state: "successful" });
    expect(events.filter((e) => e.event === "log").map((e) => JSON.parse(e.data).message)).toEqual([
      ...Array.from({ length: 8 }, (_, i) => `step ${i + 1} of 8`),
      "Counted to 8.",
    ]);
    // The lines came spread over the run, not all at the end.
    const logTimes = events.filter((e) => e.event === "log").map((e) => e.receivedAt);
    expect((logTimes.at(-1) as number) - (logTimes[0] as number)).toBeGreaterThan(1000);
  });

  it("faults the job of an agent killed mid-job once the 60 s grace period has passed", async () => {
    const { folderId, processes } = await folderWith({ Demo: { packageName: "sdk-demo" } });
    const m = await newMachine([folderId]);
    const { agent } = await startAgent(m.key);
    // Short enough that the orphaned automation ends by itself soon after.
    const [job] = await startJobs(api, t, folderId, {
      processId: processes.Demo,
      inputArguments: { to: 40, delayMs: 50 },
    });
    const id = job?.id as number;
    await waitForLog(api, t, id, /^step 2 of 40$/);
    await agent.kill("SIGKILL");
    await expect
      .poll(async () => (await api.get(`${t}/machines/${m.id}`)).body.state, { timeout: 15_000 })
      .toBe("disconnected");
    const services = server.server.services;
    await services.jobs.sweep(60);
    expect((await getJob(api, t, id)).state).toBe("running");
    realClock = services.ctx.clock;
    services.ctx.clock = { now: () => new Date(Date.now() + 61_000) };
    await services.jobs.sweep(60);
    restoreClock();
    const done = await getJob(api, t, id);
    expect(done).toMatchObject({ state: "faulted", error: "The robot disconnected and did not come back in time." });
    expect(done.timeline.at(-1)).toMatchObject({
      state: "faulted",
      actor: "system",
      reason: "The robot disconnected and did not come back in time.",
    });
  });

  it("completes a running job across a dropped WebSocket: the agent reconnects and the job resumes", async () => {
    const { folderId, processes } = await folderWith({ Demo: { packageName: "sdk-demo" } });
    const m = await newMachine([folderId]);
    const { agent, sessionId } = await startAgent(m.key);
    const [job] = await startJobs(api, t, folderId, {
      processId: processes.Demo,
      inputArguments: { to: 30, delayMs: 100 },
    });
    const id = job?.id as number;
    await waitForLog(api, t, id, /^step 3 of 30$/);
    const since = agent.mark();
    server.server.services.robotHub.closeAll(1012, "restart");
    await agent.waitFor(/^Disconnected \(restart\)\.$/, { since });
    const again = await agent.waitFor(/^Connected to /, { since, timeoutMs: 30_000 });
    const newSession = Number(/session (\d+)\)/.exec(again)?.[1]);
    expect(newSession).not.toBe(sessionId);
    const done = await waitForJob(api, t, id);
    expect(done).toMatchObject({ state: "successful", outputArguments: { count: 30, stoppedEarly: false } });
    expect(done.timeline.map((e) => [e.state, e.reason])).toEqual([
      ["pending", "Started through the API"],
      ["running", `Assigned to session ${sessionId}`],
      ["running", `Resumed on session ${newSession}`],
      ["successful", "Exited with code 0"],
    ]);
    // Every line arrived exactly once.
    expect(await logMessages(id)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `step ${i + 1} of 30`),
      "Counted to 30.",
    ]);
  });

  it("maintenance draining stops a running job and starts no new one until it ends", async () => {
    // A tenant of its own: maintenance applies to the whole tenant.
    const own = await createOrg(host);
    const ownT = tenantPath(own);
    await uploadAll(own.admin.api, ownT);
    const client = { api: own.admin.api, t: ownT };
    const { folderId, processes } = await folderWith({ Demo: { packageName: "sdk-demo" } }, client);
    const m = await newMachine([folderId], 2, client);
    await startAgent(m.key);
    const [running] = await startJobs(own.admin.api, ownT, folderId, {
      processId: processes.Demo,
      inputArguments: { to: 100_000, delayMs: 50 },
    });
    await waitForLog(own.admin.api, ownT, running?.id as number, /^step 2 of 100000$/);
    const started = await host.post("/host/maintenance/start", { phase: "draining", tenantId: own.defaultTenantId });
    expect(started.status, started.text).toBe(200);
    try {
      const stopped = await waitForJob(host, ownT, running?.id as number);
      expect(stopped.state).toBe("stopped");
      expect(stopped.outputArguments).toMatchObject({ stoppedEarly: true });
      expect(stopped.timeline.slice(2).map((e) => [e.state, e.actor])).toEqual([
        ["stopping", "maintenance"],
        ["stopped", `machine ${m.id}`],
      ]);
      const state = await host.get("/host/maintenance");
      expect(state.body.tenants).toEqual([
        expect.objectContaining({
          tenantId: own.defaultTenantId,
          window: expect.objectContaining({ jobStopsAttempted: 1 }),
        }),
      ]);
      // The organization's users wait; a system administrator may still queue a job, which does not start.
      expectProblem(await own.admin.api.get(`${ownT}/jobs`), 503, "maintenance");
      const [queued] = await startJobs(host, ownT, folderId, {
        processId: processes.Demo,
        inputArguments: { to: 2, delayMs: 10 },
      });
      await sleep(2500);
      expect((await getJob(host, ownT, queued?.id as number)).state).toBe("pending");
      const ended = await host.post("/host/maintenance/end", { tenantId: own.defaultTenantId });
      expect(ended.status, ended.text).toBe(200);
      expect(await waitForJob(host, ownT, queued?.id as number)).toMatchObject({
        state: "successful",
        outputArguments: { count: 2, stoppedEarly: false },
      });
    } finally {
      const state = await host.get("/host/maintenance");
      if (state.body.tenants.length > 0) await host.post("/host/maintenance/end", { tenantId: own.defaultTenantId });
    }
  });
});

/** Uploads the packages the suites run: the two examples (as in examples/) and the test automations. */
async function uploadAll(api: Api, t: string) {
  const archives: Buffer[] = [
    await tgz(filesOf(path.join(examplesDir, "hello-world"))),
    await tgz(filesOf(path.join(examplesDir, "sdk-demo"))),
    // Packed the way `tar -czf probe.tgz -C dir .` does: every member under ./
    rawTgz([
      { path: "./", type: "directory" },
      {
        path: "./dirigent.json",
        content: JSON.stringify(
          manifest({ name: "probe", entryPoints: [{ name: "main", command: ["node", "main.js", "--probe"] }] }),
        ),
      },
      { path: "./main.js", content: probeMain },
    ]),
    await tgz(pkg("stubborn", "1.0.0", stubbornMain)),
    await tgz(pkg("binary-output", "1.0.0", binaryMain)),
    await tgz(pkg("env-dump", "1.0.0", envDumpMain)),
    // A .zip runs just the same.
    zip(pkg("exit-code", "1.0.0", exitMain), { deflate: true }),
    await tgz(sdkPackage()),
    await tgz(sdkPackage("slow-boot", slowBootMain, { "boot.js": slowBootJs })),
  ];
  for (const content of archives) {
    const res = await uploadPackage(api, t, content);
    expect(res.status, res.text).toBe(201);
  }
}

describe.each(testDatabases())("the server killed with kill -9 while robots run jobs (%s)", slow, (database) => {
  const crash = useCrashServer(database, "jobs-crash");

  it("brings every job to its right end: running ones resumed by the agent, finished ones reported, pending ones run", async () => {
    let server = await crash.start();
    const host = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = tenantPath(org);
    const demo = await uploadPackage(api, t, await tgz(filesOf(path.join(examplesDir, "sdk-demo"))));
    expect(demo.status, demo.text).toBe(201);
    const folder = await api.post(`${t}/folders`, { name: "Crash" });
    const process = await api.post(`${t}/folders/${folder.body.id}/processes`, {
      name: "Demo",
      packageName: "sdk-demo",
    });
    expect(process.status, process.text).toBe(201);
    const machine = await api.post(`${t}/machines`, { name: "crash-robot", slots: 2, folderIds: [folder.body.id] });
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: crash.workDir } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });

    const start = (inputArguments: Record<string, unknown>) =>
      startJobs(api, t, folder.body.id, { processId: process.body.id, inputArguments });
    // Ends while the server is down.
    const [short] = await start({ to: 30, delayMs: 100 });
    // Still runs when the server is back (until it is stopped).
    const [long] = await start({ to: 100_000, delayMs: 100 });
    // Wait for a free slot.
    const pending = [...(await start({ to: 3, delayMs: 10 })), ...(await start({ to: 4, delayMs: 10 }))];
    await waitForLog(api, t, short?.id as number, /^step 1 of 30$/);
    await waitForLog(api, t, long?.id as number, /^step 1 of 100000$/);
    for (const j of pending) expect((await getJob(api, t, j.id)).state).toBe("pending");

    await server.kill9();
    const since = agent.mark();
    await agent.waitFor(/^Reconnecting in /, { since });
    // The short job ends while nobody can hear of it.
    await agent.waitFor(new RegExp(`^Job ${short?.id} finished \\(exit code 0\\)\\.$`), { since, timeoutMs: 30_000 });

    server = await crash.start();
    await agent.waitFor(/^Connected to /, { since, timeoutMs: 60_000 });
    const orgApi = await new Api(server.url).as({
      organization: org.slug,
      email: org.admin.email,
      password: org.admin.password,
    });

    const a = await waitForJob(orgApi, t, short?.id as number, undefined, 60_000);
    expect(a).toMatchObject({ state: "successful", outputArguments: { count: 30, stoppedEarly: false } });
    // The lines it logged while the server was down arrived after the reconnect, and those in
    // flight at the moment of the crash were sent again (unacknowledged): each exactly once.
    const shortLines = (await logsOf(orgApi, t, a.id)).map((l) => l.message);
    expect(shortLines).toEqual([...Array.from({ length: 30 }, (_, i) => `step ${i + 1} of 30`), "Counted to 30."]);
    for (const j of pending) {
      const done = await waitForJob(orgApi, t, j.id, undefined, 60_000);
      expect(done.state, JSON.stringify(done)).toBe("successful");
      expect(done.timeline.filter((e) => e.state === "running")).toHaveLength(1);
    }
    // The long job was resumed on the new session: it still runs there and obeys a stop.
    const resumed = await getJob(orgApi, t, long?.id as number);
    expect(resumed.state).toBe("running");
    expect(resumed.timeline.map((e) => e.reason)).toContainEqual(expect.stringMatching(/^Resumed on session \d+$/));
    expect((await orgApi.post(`${t}/jobs/${long?.id}/stop`, { mode: "stop" })).body.state).toBe("stopping");
    const b = await waitForJob(orgApi, t, long?.id as number, undefined, 30_000);
    expect(b).toMatchObject({ state: "stopped", outputArguments: { stoppedEarly: true } });
    const count = b.outputArguments?.count as number;
    const steps = (await logsOf(orgApi, t, b.id, "?limit=10000")).map((l) => l.message);
    expect(steps).toEqual([
      ...Array.from({ length: count }, (_, i) => `step ${i + 1} of 100000`),
      `Stopped gracefully at ${count}.`,
    ]);
  });
});
