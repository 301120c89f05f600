import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { runningJob } from "../helpers/job-token.js";
import { startJobs, waitForJob } from "../helpers/jobs.js";
import { examplesDir, filesOf, sdkModuleFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const slow = { timeout: 180_000 };

/** Queues used by running automations: the job token's rights, and the real agent running the SDK. */
describe.each(testDatabases())("queues from robots on %s", slow, (database) => {
  let server: TestServer;
  let host: Api;
  let agentTmp: string;

  beforeAll(async () => {
    agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-agents-"));
    server = await startTestServer({ database, env: { DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1" } });
    host = await adminApi(server);
  });
  afterEach(async () => {
    await killAllAgents();
  });
  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
    if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
  });

  async function setup() {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    expect(folder.status, folder.text).toBe(201);
    return { org, api, t, folderId: folder.body.id as number };
  }

  it("gives a job token a robot's rights on the queues of its own folder only, while the job runs", async () => {
    const { api, t, folderId } = await setup();
    const mine = await api.post(`${t}/folders/${folderId}/queues`, { name: "Work" });
    const otherFolder = await api.post(`${t}/folders`, { name: unique("G") });
    const foreign = await api.post(`${t}/folders/${otherFolder.body.id}/queues`, { name: "Work" });
    const job = await runningJob(api, t, folderId);
    try {
      const robot = host.withToken(job.token);
      // By name, in the job's folder (case-insensitively).
      const added = await robot.post("/job/queues/work/items", { specificContent: { n: 1 }, reference: "r" });
      expect(added.status, added.text).toBe(201);
      expect(added.body).toMatchObject({ queueId: mine.body.id, creatorJobId: job.id, createdBy: `job ${job.id}` });
      const started = await robot.post("/job/queues/Work/transactions", {});
      expect(started.status, started.text).toBe(200);
      expect(started.body).toMatchObject({ id: added.body.id, executorJobId: job.id, machineId: job.machineId });
      expect((await robot.post("/job/queues/Work/transactions", {})).status).toBe(204);
      expect((await robot.post(`/job/queue-items/${added.body.id}/progress`, { progress: "p" })).status).toBe(200);
      const done = await robot.post(`/job/queue-items/${added.body.id}/result`, { status: "successful" });
      expect(done.status, done.text).toBe(200);
      const history = (await api.get(`${t}/queue-items/${added.body.id}`)).body.history;
      expect(history.map((h: { actor: unknown }) => h.actor)).toEqual(
        Array(4).fill({ kind: "robot", name: `job ${job.id}` }),
      );
      // The tenant routes a robot may use take the token too.
      expect((await robot.get(`${t}/queues/${mine.body.id}/items`)).status).toBe(200);
      expect((await robot.post(`${t}/queues/${mine.body.id}/items`, { specificContent: {} })).status).toBe(201);
      // Not another folder's queue, not defining queues, not other routes.
      expectProblem(await robot.get(`${t}/queues/${foreign.body.id}`), 404, "not-found");
      expectProblem(
        await robot.post(`${t}/queues/${foreign.body.id}/items`, { specificContent: {} }),
        404,
        "not-found",
      );
      expectProblem(await robot.post("/job/queues/Nope/items", { specificContent: {} }), 404, "not-found");
      expectProblem(await robot.delete(`${t}/queues/${mine.body.id}`), 401, "authentication-required");
      expectProblem(await robot.post(`${t}/folders/${folderId}/queues`, { name: "X" }), 401, "authentication-required");
      await job.finish();
      expectProblem(
        await robot.post("/job/queues/Work/items", { specificContent: {} }),
        401,
        "authentication-required",
      );
      expectProblem(await robot.get(`${t}/queues/${mine.body.id}/items`), 401, "authentication-required");
    } finally {
      job.socket.ws.terminate();
    }
  });

  it("runs examples/queue-consumer on a real agent with two slots until the queue is empty", async () => {
    const { api, t, folderId } = await setup();
    const content = await tgz({ ...filesOf(path.join(examplesDir, "queue-consumer")), ...sdkModuleFiles() });
    const pkg = await uploadPackage(api, t, content);
    expect(pkg.status, pkg.text).toBe(201);
    const process = await api.post(`${t}/folders/${folderId}/processes`, {
      name: "Consume",
      packageName: "queue-consumer",
      inputArguments: { queueName: "Invoices", failBusinessOn: 7, failApplicationOn: 9, delayMs: 20 },
    });
    expect(process.status, process.text).toBe(201);
    const q = await api.post(`${t}/folders/${folderId}/queues`, { name: "Invoices", maxRetries: 1 });
    const items = Array.from({ length: 20 }, (_, i) => ({ specificContent: { n: i + 1 } }));
    expect(
      (await api.post(`${t}/queues/${q.body.id}/items/bulk`, { commitType: "allOrNothing", items })).body.added,
    ).toBe(20);
    const machine = await api.post(`${t}/machines`, { name: unique("robot"), slots: 2, folderIds: [folderId] });
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    const jobs = await startJobs(api, t, folderId, { processId: process.body.id, count: 2 });
    const done = await Promise.all(jobs.map((j) => waitForJob(api, t, j.id, undefined, 120_000)));
    expect(done.map((j) => [j.state, j.error])).toEqual([
      ["successful", undefined],
      ["successful", undefined],
    ]);
    const outputs = done.map((j) => j.outputArguments as { successful: number; failed: number });
    expect(outputs.reduce((s, o) => s + o.successful, 0)).toBe(18);
    // Item 9 fails twice (its first attempt, then its one retry); item 7 once.
    expect(outputs.reduce((s, o) => s + o.failed, 0)).toBe(3);
    const stats = (await api.get(`${t}/queues/${q.body.id}`)).body;
    expect(stats.counts).toMatchObject({ new: 0, inProgress: 0, successful: 18, failed: 2, retried: 1 });
    const list = (await api.get(`${t}/queues/${q.body.id}/items?status=successful&limit=100`)).body.items as {
      specificContent: { n: number };
      output: { doubled: number };
      executorJobId: number;
    }[];
    for (const item of list) expect(item.output).toEqual({ doubled: item.specificContent.n * 2 });
    expect(new Set(list.map((i) => i.executorJobId))).toEqual(new Set(jobs.map((j) => j.id)));
  });

  it("runs examples/invoice-processing: a queue, a credential and a bucket together; the password reaches only the automation", async () => {
    const { api, t, folderId } = await setup();
    const content = await tgz({ ...filesOf(path.join(examplesDir, "invoice-processing")), ...sdkModuleFiles() });
    const pkg = await uploadPackage(api, t, content);
    expect(pkg.status, pkg.text).toBe(201);
    const password = `erp-${unique("pw")}-secret`;
    const credential = await api.post(`${t}/folders/${folderId}/assets`, {
      name: "ErpLogin",
      type: "credential",
      value: { username: "robot@erp.example", password },
    });
    expect(credential.status, credential.text).toBe(201);
    const bucket = await api.post(`${t}/folders/${folderId}/buckets`, { name: "Receipts" });
    expect(bucket.status, bucket.text).toBe(201);
    const q = await api.post(`${t}/folders/${folderId}/queues`, { name: "Invoices" });
    const invoices = [
      { number: "INV-1", amount: 120.5, customer: "Acme" },
      { number: "INV-2", amount: -3, customer: "Bogus" },
      { number: "INV-3", amount: 99, customer: "Globex" },
    ];
    const bulk = await api.post(`${t}/queues/${q.body.id}/items/bulk`, {
      commitType: "allOrNothing",
      items: invoices.map((specificContent) => ({ specificContent, reference: specificContent.number })),
    });
    expect(bulk.body.added, bulk.text).toBe(3);
    const process = await api.post(`${t}/folders/${folderId}/processes`, {
      name: "Invoices",
      packageName: "invoice-processing",
      inputArguments: { queueName: "Invoices", credential: "ErpLogin", bucketName: "Receipts" },
    });
    expect(process.status, process.text).toBe(201);
    const machine = await api.post(`${t}/machines`, { name: unique("robot"), slots: 1, folderIds: [folderId] });
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    const [job] = await startJobs(api, t, folderId, { processId: process.body.id });
    const done = await waitForJob(api, t, job?.id as number, undefined, 120_000);
    expect([done.state, done.error]).toEqual(["successful", undefined]);
    expect(done.outputArguments).toEqual({ filed: 2, refused: 1 });
    const stats = (await api.get(`${t}/queues/${q.body.id}`)).body;
    expect(stats.counts).toMatchObject({ new: 0, inProgress: 0, successful: 2, failed: 1 });
    const receipt = await fetch(`${server.url}/api/v1${t}/buckets/${bucket.body.id}/files/receipts/INV-3.json`, {
      headers: { authorization: `Bearer ${api.token}` },
    });
    expect(receipt.status).toBe(200);
    expect(await receipt.json()).toMatchObject({ number: "INV-3", amount: 99, filedBy: "robot@erp.example" });
    // The password was used, and shows up in no log line, no item, no API answer.
    const logs = await api.get(`${t}/jobs/${done.id}/logs?limit=1000`);
    expect(logs.text).toContain("Signed in to the ERP as robot@erp.example");
    const items = await api.get(`${t}/queues/${q.body.id}/items?limit=100`);
    const asset = await api.get(`${t}/assets/${credential.body.id}`);
    for (const text of [logs.text, items.text, asset.text, agent.lines.join("\n"), server.logs.join("")])
      expect(text).not.toContain(password);
  });
});
