import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { openEventStream, startJobs, waitForJob } from "../helpers/jobs.js";
import { manifest, uploadPackage, zip } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Sleeps `ms` (input), writes `errors` error lines, exits with `code`. */
const exitMain = `import fs from "node:fs";
const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8"));
await new Promise((r) => setTimeout(r, input.ms ?? 0));
for (let i = 1; i <= (input.errors ?? 0); i++) console.error("error line " + i);
process.exit(input.code ?? 0);
`;

const slow = { timeout: 180_000 };

// biome-ignore lint/suspicious/noExplicitAny: the dashboard is read as JSON.
type Dashboard = any;

describe.each(testDatabases())("monitoring rollups with the real robot agent on %s", slow, (database) => {
  let server: TestServer;
  let host: Api;
  let org: TestOrg;
  let api: Api;
  let t: string;
  let agentTmp: string;
  let folderA: number;
  let folderB: number;
  let processA: number;
  let processB: number;
  let viewer: TestUser;

  beforeAll(async () => {
    agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-monitoring-"));
    server = await startTestServer({ database, env: { DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1" } });
    host = await adminApi(server);
    org = await createOrg(host);
    api = org.admin.api;
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const files = {
      "dirigent.json": JSON.stringify(
        manifest({
          name: "exit-code",
          version: "1.0.0",
          entryPoints: [{ name: "main", command: ["node", "main.js"] }],
        }),
      ),
      "main.js": exitMain,
    };
    expect((await uploadPackage(api, t, zip(files))).status).toBe(201);
    const ids: number[] = [];
    for (const name of ["Finance", "Sales"]) {
      const folder = await api.post(`${t}/folders`, { name });
      expect(folder.status, folder.text).toBe(201);
      ids.push(folder.body.id);
    }
    [folderA, folderB] = ids as [number, number];
    const a = await api.post(`${t}/folders/${folderA}/processes`, { name: "Invoices", packageName: "exit-code" });
    const b = await api.post(`${t}/folders/${folderB}/processes`, { name: "Leads", packageName: "exit-code" });
    expect(a.status, a.text).toBe(201);
    expect(b.status, b.text).toBe(201);
    processA = a.body.id;
    processB = b.body.id;
    const machine = await api.post(`${t}/machines`, { name: unique("robot"), slots: 2, folderIds: [folderA, folderB] });
    expect(machine.status, machine.text).toBe(201);
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });

    // A user who may see only the Finance folder (a folder role there, nothing tenant-wide).
    viewer = await createUser(api, org.slug);
    const roles = await api.get(`${t}/roles`);
    const folderRole = roles.body.items.find((r: { name: string }) => r.name === "Automation User");
    expect(folderRole).toBeDefined();
    const assigned = await api.put(`${t}/folders/${folderA}/assignments/${viewer.id}`, { roleIds: [folderRole.id] });
    expect(assigned.status, assigned.text).toBeLessThan(300);

    // Two successful jobs in Finance, one faulted in Sales.
    const ok = await startJobs(api, t, folderA, { processId: processA, count: 2, inputArguments: { ms: 300 } });
    const bad = await startJobs(api, t, folderB, { processId: processB, inputArguments: { code: 3, errors: 1 } });
    for (const job of [...ok, ...bad]) await waitForJob(api, t, job.id);
  });
  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
    if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
  });

  const dashboard = async (client: Api, range = "1h"): Promise<Dashboard> => {
    const res = await client.get(`${t}/monitoring?range=${range}`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  };

  it("counts real jobs into the minute and hour rollups as they happen", async () => {
    for (const range of ["1h", "24h", "7d"]) {
      const d = await dashboard(api, range);
      expect(d.unit).toBe(range === "1h" ? "minute" : "hour");
      expect(d.jobs.series).toHaveLength(range === "1h" ? 60 : range === "24h" ? 24 : 168);
      expect(d.jobs.totals).toEqual({ created: 3, started: 3, successful: 2, faulted: 1, stopped: 0 });
      expect(d.jobs.successRate).toBeCloseTo(2 / 3);
      const sum = (k: string) => d.jobs.series.reduce((a: number, p: Record<string, number>) => a + (p[k] ?? 0), 0);
      expect(sum("successful")).toBe(2);
      expect(sum("faulted")).toBe(1);
      const invoices = d.jobs.processes.find((p: { processId: number }) => p.processId === processA);
      expect(invoices).toMatchObject({ processName: "Invoices", folderId: folderA, successful: 2, faulted: 0 });
      // The jobs slept 300 ms: the average is at least that, and the p95 lies inside the histogram's first bucket.
      expect(invoices.averageSeconds).toBeGreaterThanOrEqual(0.3);
      expect(invoices.p95Seconds).toBeGreaterThan(0);
      expect(d.jobs.mostFaulted).toHaveLength(1);
      expect(d.jobs.mostFaulted[0]).toMatchObject({ processId: processB, processName: "Leads", faulted: 1 });
      expect(d.jobs.mostFaulted[0].lastError).toContain("error line 1");
      expect(d.jobs.now).toEqual({ pending: 0, running: 0, stopping: 0, terminating: 0 });
    }
  });

  it("the rollups hold the same numbers as the jobs table", async () => {
    const db = server.server.services.ctx.db;
    const rows = await db
      .selectFrom("job_rollups_hour")
      .selectAll()
      .where("tenant_id", "=", org.defaultTenantId)
      .execute();
    const total = (k: "created" | "successful" | "faulted") => rows.reduce((a, r) => a + Number(r[k]), 0);
    const jobs = await db.selectFrom("jobs").select(["state"]).where("tenant_id", "=", org.defaultTenantId).execute();
    expect(total("created")).toBe(jobs.length);
    expect(total("successful")).toBe(jobs.filter((j) => j.state === "successful").length);
    expect(total("faulted")).toBe(jobs.filter((j) => j.state === "faulted").length);
    const minutes = await db
      .selectFrom("job_rollups_minute")
      .selectAll()
      .where("tenant_id", "=", org.defaultTenantId)
      .execute();
    expect(minutes.reduce((a, r) => a + Number(r.created), 0)).toBe(jobs.length);
  });

  it("shows machines and robots: state now, sessions, slot utilisation sampled into the rollups", async () => {
    await server.server.services.monitoringSampler.sample();
    const d = await dashboard(api);
    expect(d.machines.now.available + d.machines.now.busy).toBe(1);
    const [machine] = d.machines.machines;
    expect(machine.slots).toBe(2);
    expect(machine.sessions[0]).toMatchObject({ os: expect.any(String), agentVersion: expect.any(String) });
    expect(Date.parse(machine.sessions[0].lastHeartbeatAt)).not.toBeNaN();
    const last = d.machines.utilisation.at(-1);
    expect(last.totalSlots).toBe(2);
    expect(last.percent).toBe(0);
  });

  it("a user who may see one folder sees only that folder's numbers", async () => {
    const d = await dashboard(viewer.api, "24h");
    expect(d.jobs.totals).toEqual({ created: 2, started: 2, successful: 2, faulted: 0, stopped: 0 });
    expect(d.jobs.processes.map((p: { processId: number }) => p.processId)).toEqual([processA]);
    expect(d.jobs.mostFaulted).toEqual([]);
    // No tenant-wide machines.view: no machines panel at all.
    expect(d.machines).toBeNull();
    // Another organization's admin does not even find the tenant.
    const other = await createOrg(host);
    expectProblem(await other.admin.api.get(`${t}/monitoring`), 404, "not-found");
  });

  it("refuses a bad range with a 400 naming the field", async () => {
    const res = await api.get(`${t}/monitoring?range=1y&extra=1`);
    const problem = expectProblem(res, 400, "validation-failed");
    expect((problem.errors ?? []).map((e: { path: string }) => e.path).sort()).toEqual(["extra", "range"].sort());
  });

  it("the host view is for system administrators only", async () => {
    expectProblem(await api.get("/host/monitoring"), 403, "forbidden");
    const res = await host.get("/host/monitoring?range=24h");
    expect(res.status, res.text).toBe(200);
    expect(res.body.jobs).toHaveLength(24);
    expect(res.body.jobs.reduce((a: number, p: { started: number }) => a + p.started, 0)).toBeGreaterThanOrEqual(3);
    expect(res.body.connectedTenants).toContainEqual(
      expect.objectContaining({ orgId: org.id, tenantId: org.defaultTenantId, robots: 1 }),
    );
    expect(res.body.maintenance.phase).toBe("none");
    await server.server.services.monitoringSampler.sample();
    expect((await host.get("/host/monitoring")).body.email).toHaveLength(24);
  });

  it("streams the dashboard over server-sent events and sends a new snapshot when a job runs", async () => {
    const stream = await openEventStream(`${server.url}/api/v1${t}/monitoring/stream?range=1h`, api.token);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toContain("text/event-stream");
      const [first] = await stream.waitFor((e) => e.event === "snapshot");
      const before = JSON.parse(first?.data ?? "{}");
      const [job] = await startJobs(api, t, folderA, { processId: processA, inputArguments: { ms: 1500 } });
      // The job shows up running, then finished, without the client asking again.
      await stream.waitFor((e) => e.event === "snapshot" && JSON.parse(e.data).jobs.now.running === 1, 1, 60_000);
      await waitForJob(api, t, job?.id as number);
      await stream.waitFor(
        (e) =>
          e.event === "snapshot" && JSON.parse(e.data).jobs.totals.successful === before.jobs.totals.successful + 1,
        1,
        30_000,
      );
    } finally {
      stream.close();
    }
    // The viewer's stream carries only their folder; a stranger's is refused before it opens.
    const viewerStream = await openEventStream(`${server.url}/api/v1${t}/monitoring/stream`, viewer.api.token);
    try {
      const [snap] = await viewerStream.waitFor((e) => e.event === "snapshot");
      expect(JSON.parse(snap?.data ?? "{}").jobs.mostFaulted).toEqual([]);
    } finally {
      viewerStream.close();
    }
    const anonymous = await fetch(`${server.url}/api/v1${t}/monitoring/stream`);
    expect(anonymous.status).toBe(401);
  });

  it("samples queues into the rollups: open items, results, processing time and SLA state", async () => {
    const q = await api.post(`${t}/folders/${folderA}/queues`, { name: "Invoices", slaMinutes: 60, maxRetries: 0 });
    expect(q.status, q.text).toBe(201);
    const added = await api.post(`${t}/queues/${q.body.id}/items/bulk`, {
      commitType: "allOrNothing",
      items: [1, 2, 3].map((n) => ({ specificContent: { n } })),
    });
    expect(added.status, added.text).toBeLessThan(300);
    for (const result of [
      { status: "successful" },
      { status: "failed", exceptionType: "business", reason: "Unknown customer" },
    ]) {
      const started = await api.post(`${t}/queues/${q.body.id}/transactions`, {});
      expect(started.status, started.text).toBe(200);
      const done = await api.post(`${t}/queue-items/${started.body.id}/result`, result);
      expect(done.status, done.text).toBe(200);
    }
    const sampler = server.server.services.monitoringSampler;
    await sampler.sample();
    // Sampling twice writes the same numbers (two nodes may sample the same minute).
    await sampler.sample();
    for (const range of ["1h", "24h"]) {
      const d = await dashboard(api, range);
      const queue = d.queues.queues.find((x: { id: number }) => x.id === q.body.id);
      expect(queue).toMatchObject({ newItems: 1, inProgress: 0, successful: 1, failed: 1, abandoned: 0, sla: "ok" });
      expect(queue.averageProcessingSeconds).not.toBeNull();
      const rows = d.queues.series.filter((r: { queueId: number }) => r.queueId === q.body.id);
      expect(rows.reduce((a: number, r: { successful: number }) => a + r.successful, 0)).toBe(1);
      expect(rows.reduce((a: number, r: { failed: number }) => a + r.failed, 0)).toBe(1);
      expect(Math.max(...rows.map((r: { newItems: number }) => r.newItems))).toBe(1);
    }
  });

  it("prunes minute rows after 2 days and hour rows after 90 days", async () => {
    const db = server.server.services.ctx.db;
    const sampler = server.server.services.monitoringSampler;
    const before = await db.selectFrom("job_rollups_hour").select("hour").execute();
    expect(before.length).toBeGreaterThan(0);
    await sampler.prune(Date.now() + 3 * 24 * 3_600_000);
    expect(await db.selectFrom("job_rollups_minute").selectAll().execute()).toEqual([]);
    expect((await db.selectFrom("job_rollups_hour").selectAll().execute()).length).toBe(before.length);
    await sampler.prune(Date.now() + 91 * 24 * 3_600_000);
    expect(await db.selectFrom("job_rollups_hour").selectAll().execute()).toEqual([]);
  });
});
