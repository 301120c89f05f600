import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, TestClock, type TestServer } from "../helpers/server.js";

const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

/** A fresh org with a folder, a process and a queue — what a queue trigger needs. */
async function setup(host: Api) {
  const org = await createOrg(host);
  const api = org.admin.api;
  const t = tenantPath(org);
  const folder = await api.post(`${t}/folders`, { name: unique("F") });
  expect(folder.status, folder.text).toBe(201);
  expect((await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "p", version: "1.0.0" }))))).status).toBe(
    201,
  );
  const process = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "P", packageName: "p" });
  expect(process.status, process.text).toBe(201);
  const queue = await api.post(`${t}/folders/${folder.body.id}/queues`, { name: unique("Q") });
  expect(queue.status, queue.text).toBe(201);
  return {
    org,
    api,
    t,
    folderId: folder.body.id as number,
    processId: process.body.id as number,
    queueId: queue.body.id as number,
  };
}

/**
 * Queue triggers through the API; evaluation is called directly (the scheduler loop, which
 * re-checks every few seconds and reacts to item adds, is off in this server), with a
 * controllable clock for deferred items.
 */
describe.each(testDatabases())("queue triggers on %s", (database) => {
  let server: TestServer;
  let host: Api;
  const clock = new TestClock();

  beforeAll(async () => {
    server = await startTestServer({ database, clock, env: { DIRIGENT_SERVICES: "mail" } });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const evaluate = (id: number) => server.server.services.queueTriggers.evaluate(id);
  const addItems = async (api: Api, t: string, queueId: number, n: number, deferDate?: string) => {
    const res = await api.post(`${t}/queues/${queueId}/items/bulk`, {
      commitType: "allOrNothing",
      items: Array.from({ length: n }, (_, i) => ({ specificContent: { i }, ...(deferDate && { deferDate }) })),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.added).toBe(n);
  };
  const jobsOf = async (api: Api, t: string, id: number) => {
    const res = await api.get(`${t}/triggers/${id}/jobs`);
    expect(res.status, res.text).toBe(200);
    return res.body.items as { id: number; state: string; source: string }[];
  };
  /** Ends the trigger's open jobs (as if robots had run them). */
  const endJobs = async (id: number) => {
    await server.server.storage.db
      .updateTable("jobs")
      .set({ state: "successful", ended_at: new Date().toISOString() })
      .where("trigger_id", "=", id)
      .where("state", "in", ["pending", "running"])
      .execute();
  };
  /** Takes `n` new items out of the queue (as if a job had processed them). */
  const takeItems = async (queueId: number, n: number) => {
    const ids = await server.server.storage.db
      .selectFrom("queue_items")
      .select("id")
      .where("queue_id", "=", queueId)
      .where("status", "=", "new")
      .orderBy("id")
      .limit(n)
      .execute();
    await server.server.storage.db
      .updateTable("queue_items")
      .set({ status: "successful" })
      .where(
        "id",
        "in",
        ids.map((r) => r.id),
      )
      .execute();
  };

  it("creates a queue trigger with the contract's fields and defaults, lists and reads it", async () => {
    const { api, t, folderId, processId, queueId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "queue",
      name: "Work the queue",
      processId,
      queueId,
      stopAfterSeconds: 3600,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      type: "queue",
      folderId,
      processId,
      queueId,
      minItems: 1,
      maxConcurrentJobs: 1,
      itemsPerJob: 1,
      stopAfterSeconds: 3600,
      enabled: true,
      cron: null,
      nextFireTime: null,
    });
    const list = await api.get(`${t}/folders/${folderId}/triggers`);
    expect(list.body.items).toEqual([expect.objectContaining({ id: created.body.id, type: "queue", queueId })]);
    const one = await api.get(`${t}/triggers/${created.body.id}`);
    expect(one.body).toMatchObject({ type: "queue", queueId, minItems: 1 });
    // One trigger per queue.
    const second = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "queue",
      name: "Second",
      processId,
      queueId,
    });
    expect(second.status, second.text).toBe(409);
    // PATCH changes the numbers and the enabled flag; cron is not a queue trigger's.
    const patched = await api.patch(`${t}/triggers/${created.body.id}`, {
      minItems: 3,
      maxConcurrentJobs: 4,
      itemsPerJob: 2,
      enabled: false,
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ minItems: 3, maxConcurrentJobs: 4, itemsPerJob: 2, enabled: false });
    const bad = await api.patch(`${t}/triggers/${created.body.id}`, { cron: "* * * * *" });
    await expectProblem(bad, 400, "validation-failed");
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: "cron" })]);
    // "Pause all" includes queue triggers.
    const resumed = await api.post(`${t}/triggers/bulk-enabled`, { enabled: true, folderId });
    expect(resumed.body).toEqual({ count: 1 });
    expect((await api.get(`${t}/triggers/${created.body.id}`)).body).toMatchObject({ enabled: true, minItems: 3 });
    const timeOnly = await api.patch(`${t}/triggers/${created.body.id}`, { maxConcurrentJobs: 0 });
    expect(timeOnly.status).toBe(400);
    expect(JSON.stringify(timeOnly.body.errors)).toContain("maxConcurrentJobs");
  });

  it("starts one job per itemsPerJob available items, from minItems on, at most maxConcurrentJobs open", async () => {
    const { api, t, folderId, processId, queueId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "queue",
      name: "Batch",
      processId,
      queueId,
      minItems: 3,
      maxConcurrentJobs: 3,
      itemsPerJob: 2,
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    expect(await evaluate(id)).toBe(0);
    await addItems(api, t, queueId, 2);
    expect(await evaluate(id)).toBe(0); // 2 < minItems
    await addItems(api, t, queueId, 1);
    expect(await evaluate(id)).toBe(2); // 3 items → ceil(3/2) = 2 jobs
    expect(await evaluate(id)).toBe(0); // the same items do not start more jobs
    await addItems(api, t, queueId, 4);
    expect(await evaluate(id)).toBe(1); // 7 items → 4 wanted, at most 3 open: one more
    await addItems(api, t, queueId, 10);
    expect(await evaluate(id)).toBe(0); // maxConcurrentJobs reached
    const jobs = await jobsOf(api, t, id);
    expect(jobs).toHaveLength(3);
    expect(jobs.every((j) => j.source === "trigger" && j.state === "pending")).toBe(true);
    // The jobs end (having taken 3 items): 14 left → 3 more.
    await takeItems(queueId, 3);
    await endJobs(id);
    expect(await evaluate(id)).toBe(3);
    expect(await jobsOf(api, t, id)).toHaveLength(6);
    const history = await api.get(`${t}/triggers/${id}/history`);
    expect(history.body.items.map((h: { outcome: string; jobIds: number[] }) => h.jobIds.length)).toEqual([3, 1, 2]);
    expect(history.body.items[0]).toMatchObject({ outcome: "fired" });
    // Disabled: nothing.
    await endJobs(id);
    expect((await api.post(`${t}/triggers/${id}/disable`)).status).toBe(200);
    expect(await evaluate(id)).toBe(0);
  });

  it("does not count deferred items until their defer date has come", async () => {
    const { api, t, folderId, processId, queueId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "queue",
      name: "Deferred",
      processId,
      queueId,
      minItems: 2,
      maxConcurrentJobs: 5,
    });
    const id = created.body.id as number;
    const later = new Date(clock.now().getTime() + 3_600_000).toISOString();
    await addItems(api, t, queueId, 1);
    await addItems(api, t, queueId, 3, later);
    expect(await evaluate(id)).toBe(0); // 1 available < 2
    clock.advance(3_700_000);
    try {
      expect(await server.server.services.queueTriggers.evaluateQueue(queueId)).toBe(4);
    } finally {
      clock.advance(-3_700_000); // back, so the session tokens of later tests stay valid
    }
  });

  it("never exceeds maxConcurrentJobs when evaluations race", async () => {
    const { api, t, folderId, processId, queueId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "queue",
      name: "Race",
      processId,
      queueId,
      maxConcurrentJobs: 4,
    });
    const id = created.body.id as number;
    await addItems(api, t, queueId, 50);
    const counts = await Promise.all(Array.from({ length: 10 }, () => evaluate(id)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(await jobsOf(api, t, id)).toHaveLength(4);
    // The periodic path (all triggers) and the add path agree.
    expect(await server.server.services.queueTriggers.evaluateAll()).toBe(0);
    await endJobs(id);
    const again = await Promise.all([
      server.server.services.queueTriggers.evaluateQueue(queueId),
      server.server.services.queueTriggers.evaluateAll(),
      evaluate(id),
    ]);
    expect(again.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it("skips evaluation while the tenant is in maintenance", async () => {
    const { org, api, t, folderId, processId, queueId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "queue",
      name: "Maintenance",
      processId,
      queueId,
    });
    const id = created.body.id as number;
    await addItems(api, t, queueId, 1);
    const db = server.server.storage.db;
    const now = new Date().toISOString();
    await db
      .insertInto("maintenance_windows")
      .values({ tenant_id: org.defaultTenantId, phase: "draining", started_at: now, started_by: "test" })
      .execute();
    expect(await evaluate(id)).toBe(0);
    await db
      .updateTable("maintenance_windows")
      .set({ ended_at: now })
      .where("tenant_id", "=", org.defaultTenantId)
      .execute();
    expect(await evaluate(id)).toBe(1);
  });

  it("refuses bad input with 400 naming the fields, and another tenant's queue", async () => {
    const { api, t, folderId, processId, queueId } = await setup(host);
    const post = (body: Record<string, unknown>) =>
      api.post(`${t}/folders/${folderId}/triggers`, { type: "queue", name: unique("Q"), processId, queueId, ...body });
    for (const [body, field] of [
      [{ minItems: 0 }, "minItems"],
      [{ minItems: 10_001 }, "minItems"],
      [{ maxConcurrentJobs: 0 }, "maxConcurrentJobs"],
      [{ maxConcurrentJobs: 101 }, "maxConcurrentJobs"],
      [{ itemsPerJob: 0 }, "itemsPerJob"],
      [{ itemsPerJob: 1.5 }, "itemsPerJob"],
      [{ queueId: 2 ** 31 }, "queueId"],
      [{ queueId: "1" }, "queueId"],
      [{ processId: 2 ** 31 }, "processId"],
      [{ name: "a\u0000b" }, "name"],
      [{ cron: "* * * * *" }, ""],
    ] as const) {
      const res = await post(body);
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(400);
      if (field) expect(JSON.stringify(res.body.errors), JSON.stringify(body)).toContain(field);
    }
    const missing = await post({ queueId: 2_000_000_000 });
    await expectProblem(missing, 400, "validation-failed");
    expect(missing.body.errors).toEqual([expect.objectContaining({ path: "queueId" })]);
    const other = await setup(host);
    const foreign = await post({ queueId: other.queueId });
    expect(foreign.status, foreign.text).toBe(400);
    expect(foreign.body.errors).toEqual([expect.objectContaining({ path: "queueId" })]);
    // Another tenant cannot read or evaluate-by-id through the API either.
    const created = await post({});
    expect(created.status, created.text).toBe(201);
    expect((await other.api.get(`${other.t}/triggers/${created.body.id}`)).status).toBe(404);
  });
});

describe.skipIf(!testDatabases().includes("postgres"))("queue triggers on two nodes of one PostgreSQL database", () => {
  it("evaluations on both nodes together never exceed maxConcurrentJobs", async () => {
    const a = await startTestServer({ database: "postgres", env: { DIRIGENT_SERVICES: "mail" } });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-node-"));
    const b = await startTestServer({
      database: "postgres",
      env: { DIRIGENT_SERVICES: "mail" },
      reuse: { dataDir, databaseUrl: a.databaseUrl },
    });
    try {
      const { api, t, folderId, processId, queueId } = await setup(await adminApi(a));
      const created = await api.post(`${t}/folders/${folderId}/triggers`, {
        type: "queue",
        name: "Two nodes",
        processId,
        queueId,
        maxConcurrentJobs: 5,
      });
      const id = created.body.id as number;
      const bulk = await api.post(`${t}/queues/${queueId}/items/bulk`, {
        commitType: "allOrNothing",
        items: Array.from({ length: 40 }, (_, i) => ({ specificContent: { i } })),
      });
      expect(bulk.status, bulk.text).toBe(200);
      const nodes = [a, b, a, b, a, b, a, b];
      const counts = await Promise.all(nodes.map((n) => n.server.services.queueTriggers.evaluate(id)));
      expect(counts.reduce((x, y) => x + y, 0)).toBe(5);
      const open = await a.server.storage.db.selectFrom("jobs").select("id").where("trigger_id", "=", id).execute();
      expect(open).toHaveLength(5);
    } finally {
      await b.stop({ keepData: true });
      fs.rmSync(dataDir, { recursive: true, force: true });
      await a.stop();
    }
  }, 120_000);
});

describe.each(testDatabases())("queue triggers with the scheduler running on %s", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("starts a job promptly when an item is added (the wake-up hook), without a call", async () => {
    const { api, t, folderId, processId, queueId } = await setup(await adminApi(server));
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "queue",
      name: "Prompt",
      processId,
      queueId,
    });
    expect(created.status, created.text).toBe(201);
    const started = Date.now();
    expect((await api.post(`${t}/queues/${queueId}/items`, { specificContent: { a: 1 } })).status).toBe(201);
    let jobs: unknown[] = [];
    while (Date.now() - started < 10_000) {
      jobs = (await api.get(`${t}/triggers/${created.body.id}/jobs`)).body.items;
      if (jobs.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(jobs).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(4_000);
  }, 30_000);
});
