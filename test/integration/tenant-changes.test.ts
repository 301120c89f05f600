import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRobotSocket } from "../helpers/agent.js";
import { Api, unique } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { openEventStream, type SseEvent, startJobs } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startReceiver } from "../helpers/webhook-receiver.js";

interface Change {
  kind: string;
  folderId: number | null;
  ids?: number[];
}

const change = (e: SseEvent): Change => JSON.parse(e.data) as Change;
const isChange = (kind: string, folderId: number | null, id?: number) => (e: SseEvent) => {
  if (e.event !== "change") return false;
  const c = change(e);
  return c.kind === kind && c.folderId === folderId && (id === undefined || (c.ids ?? []).includes(id));
};

/** A package, a folder per name with a process of it, and the admin's API: what the tests start jobs from. */
async function tenantWithFolders(api: Api, t: string, names: string[]) {
  const pkg = manifest({
    name: "idle",
    version: "1.0.0",
    entryPoints: [{ name: "main", command: ["node", "main.js"] }],
  });
  const uploaded = await uploadPackage(api, t, await tgz(packageFiles(pkg)));
  expect(uploaded.status, uploaded.text).toBe(201);
  const folders: { id: number; processId: number }[] = [];
  for (const name of names) {
    const folder = await api.post(`${t}/folders`, { name: unique(name) });
    expect(folder.status, folder.text).toBe(201);
    const p = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "Idle", packageName: "idle" });
    expect(p.status, p.text).toBe(201);
    folders.push({ id: folder.body.id, processId: p.body.id });
  }
  return folders;
}

/** Issue #12 polish: live pages hear of changes over server-sent events instead of polling. */
describe.each(testDatabases())("the tenant change feed on %s", (database) => {
  let server: TestServer;
  let org: TestOrg;
  let t: string;
  let finance: { id: number; processId: number };
  let sales: { id: number; processId: number };
  let viewer: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ database, env: { DIRIGENT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" } });
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    [finance, sales] = (await tenantWithFolders(org.admin.api, t, ["Finance", "Sales"])) as [
      typeof finance,
      typeof sales,
    ];
    // A user with a folder role in Finance only.
    viewer = await createUser(org.admin.api, org.slug);
    const roles = await org.admin.api.get(`${t}/roles`);
    const role = roles.body.items.find((r: { name: string }) => r.name === "Automation User");
    const assigned = await org.admin.api.put(`${t}/folders/${finance.id}/assignments/${viewer.id}`, {
      roleIds: [role.id],
    });
    expect(assigned.status, assigned.text).toBeLessThan(300);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("sends a jobs event once a job is created and once it is stopped", async () => {
    const stream = await openEventStream(`${server.url}/api/v1${t}/changes`, org.admin.api.token);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toContain("text/event-stream");
      await stream.waitFor((e) => e.event === "ready");
      const [job] = await startJobs(org.admin.api, t, finance.id, { processId: finance.processId });
      if (!job) throw new Error("no job");
      await stream.waitFor(isChange("jobs", finance.id, job.id));
      const before = stream.events.length;
      const stopped = await org.admin.api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
      expect(stopped.status, stopped.text).toBe(200);
      expect(stopped.body.state).toBe("stopped");
      await expect
        .poll(() => stream.events.slice(before).filter(isChange("jobs", finance.id, job.id)).length)
        .toBeGreaterThan(0);
    } finally {
      stream.close();
    }
  });

  it("merges a burst of jobs into few events naming them all", async () => {
    const stream = await openEventStream(`${server.url}/api/v1${t}/changes`, org.admin.api.token);
    try {
      await stream.waitFor((e) => e.event === "ready");
      const jobs = await startJobs(org.admin.api, t, sales.id, { processId: sales.processId, count: 30 });
      const ids = jobs.map((j) => j.id);
      await expect
        .poll(() => {
          const heard = new Set(stream.events.filter(isChange("jobs", sales.id)).flatMap((e) => change(e).ids ?? []));
          return ids.every((id) => heard.has(id));
        })
        .toBe(true);
      // Thirty jobs in one transaction are one notice, not thirty.
      expect(stream.events.filter(isChange("jobs", sales.id)).length).toBe(1);
    } finally {
      stream.close();
    }
  });

  it("names queues when their items are added and taken, triggers when changed, webhooks when a delivery is tried", async () => {
    const api = org.admin.api;
    const stream = await openEventStream(`${server.url}/api/v1${t}/changes`, api.token);
    const receiver = await startReceiver();
    try {
      await stream.waitFor((e) => e.event === "ready");
      const queue = await api.post(`${t}/folders/${finance.id}/queues`, { name: unique("Q") });
      expect(queue.status, queue.text).toBe(201);
      await stream.waitFor(isChange("queues", finance.id, queue.body.id));
      const item = await api.post(`${t}/queues/${queue.body.id}/items`, { specificContent: { n: 1 } });
      expect(item.status, item.text).toBe(201);
      await stream.waitFor(isChange("queues", finance.id, queue.body.id), 2);
      // A second stream, opened after the add was told: what it hears of the queue is the start.
      const later = await openEventStream(`${server.url}/api/v1${t}/changes`, api.token);
      try {
        await later.waitFor((e) => e.event === "ready");
        const started = await api.post(`${t}/queues/${queue.body.id}/transactions`, {});
        expect(started.status, started.text).toBe(200);
        await later.waitFor(isChange("queues", finance.id, queue.body.id));
      } finally {
        later.close();
      }

      const trigger = await api.post(`${t}/folders/${finance.id}/triggers`, {
        type: "time",
        name: unique("T"),
        processId: finance.processId,
        cron: "0 0 9 ? * MON-FRI",
        timeZone: "Europe/Berlin",
      });
      expect(trigger.status, trigger.text).toBe(201);
      await stream.waitFor(isChange("triggers", finance.id, trigger.body.id));
      const disabled = await api.post(`${t}/triggers/${trigger.body.id}/disable`);
      expect(disabled.status, disabled.text).toBe(200);
      await stream.waitFor(isChange("triggers", finance.id, trigger.body.id), 2);

      const hook = await api.post(`${t}/webhooks`, { url: receiver.url, events: ["job.created"] });
      expect(hook.status, hook.text).toBe(201);
      const ping = await api.post(`${t}/webhooks/${hook.body.id}/ping`, {});
      expect(ping.status, ping.text).toBeLessThan(300);
      await stream.waitFor(isChange("webhooks", null, hook.body.id));
    } finally {
      stream.close();
      await receiver.close();
    }
  });

  it("tells a user only of the folders they may see", async () => {
    const stream = await openEventStream(`${server.url}/api/v1${t}/changes`, viewer.api.token);
    try {
      expect(stream.status).toBe(200);
      await stream.waitFor((e) => e.event === "ready");
      const [hidden] = await startJobs(org.admin.api, t, sales.id, { processId: sales.processId });
      const machine = await org.admin.api.post(`${t}/machines`, {
        name: unique("robot"),
        slots: 1,
        folderIds: [sales.id],
      });
      expect(machine.status, machine.text).toBe(201);
      // Told after the hidden job and the machine: once it arrived, theirs would have too.
      const [seen] = await startJobs(org.admin.api, t, finance.id, { processId: finance.processId });
      if (!hidden || !seen) throw new Error("no job");
      await stream.waitFor(isChange("jobs", finance.id, seen.id));
      const changes = stream.events.filter((e) => e.event === "change").map(change);
      expect(changes.filter((c) => c.folderId === sales.id)).toEqual([]);
      expect(changes.filter((c) => c.kind === "machines")).toEqual([]);
    } finally {
      stream.close();
    }
    // The administrator hears of machines (tenant-wide).
    const admin = await openEventStream(`${server.url}/api/v1${t}/changes`, org.admin.api.token);
    try {
      await admin.waitFor((e) => e.event === "ready");
      const machine = await org.admin.api.post(`${t}/machines`, {
        name: unique("robot"),
        slots: 1,
        folderIds: [sales.id],
      });
      expect(machine.status, machine.text).toBe(201);
      await admin.waitFor(isChange("machines", null));
    } finally {
      admin.close();
    }
  });

  it("tells of a machine whose robot went silent (unresponsive) when the sweep notices it", async () => {
    // An organization of its own: the robot's connection and disconnection are told to no other test.
    const own = await createOrg(await adminApi(server));
    const ownT = `/orgs/${own.slug}/tenants/${own.defaultTenantId}`;
    const machine = await own.admin.api.post(`${ownT}/machines`, { name: unique("silent"), slots: 1, folderIds: [] });
    expect(machine.status, machine.text).toBe(201);
    const stream = await openEventStream(`${server.url}/api/v1${ownT}/changes`, own.admin.api.token);
    const robot = await openRobotSocket(server.url, machine.body.key);
    try {
      await stream.waitFor((e) => e.event === "ready");
      expect((await robot.hello()).type).toBe("welcome");
      // The connection is told first; after the merge window nothing more comes of it.
      await stream.waitFor(isChange("machines", null));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const seen = stream.events.length;
      // Its last heartbeat three minutes ago: the sweep finds it silent.
      await server.server.services.ctx.db
        .updateTable("robot_sessions")
        .set({ last_heartbeat_at: new Date(Date.now() - 180_000).toISOString() })
        .where("machine_id", "=", machine.body.id)
        .where("disconnected_at", "is", null)
        .execute();
      expect(await server.server.services.machines.alertUnresponsive()).toBe(1);
      await stream.waitFor((e) => stream.events.indexOf(e) >= seen && isChange("machines", null, machine.body.id)(e));
    } finally {
      robot.ws.terminate();
      stream.close();
    }
  });

  it("tells of a change only once its transaction committed, never of one rolled back", async () => {
    const { changes, ctx } = server.server.services;
    const heard: number[] = [];
    const stop = changes.subscribe(org.defaultTenantId, (c) => heard.push(...(c.ids ?? [])));
    try {
      await ctx.db
        .transaction()
        .execute(async () => {
          changes.note(org.defaultTenantId, { kind: "jobs", folderId: finance.id, ids: [900_001] });
          throw new Error("rolled back");
        })
        .catch(() => {});
      let committed = false;
      await ctx.db.transaction().execute(async () => {
        changes.note(org.defaultTenantId, { kind: "jobs", folderId: finance.id, ids: [900_002] });
        // Longer than the merge window: a notice told inside the transaction would be heard by now.
        await new Promise((resolve) => setTimeout(resolve, 600));
        expect(heard).toEqual([]);
        committed = true;
      });
      expect(committed).toBe(true);
      await expect.poll(() => heard).toEqual([900_002]);
    } finally {
      stop();
    }
  });

  it("ends its open streams (and the dashboard's) when the server stops, so the stop does not wait for them", async () => {
    const own = await startTestServer({ database });
    const other = await createOrg(await adminApi(own));
    const path = `/orgs/${other.slug}/tenants/${other.defaultTenantId}`;
    const stream = await openEventStream(`${own.url}/api/v1${path}/changes`, other.admin.api.token);
    await stream.waitFor((e) => e.event === "ready");
    // The monitoring dashboard's stream too (it lived as long before it ended on its own).
    const dashboard = await openEventStream(`${own.url}/api/v1${path}/monitoring/stream`, other.admin.api.token);
    await dashboard.waitFor((e) => e.event === "snapshot");
    await own.stop();
    await stream.closed;
    await dashboard.closed;
    expect(stream.ended).toBe(true);
    expect(dashboard.ended).toBe(true);
  });

  it("refuses a caller who is not signed in, and one from another organization", async () => {
    const anonymous = await fetch(`${server.url}/api/v1${t}/changes`);
    expect(anonymous.status).toBe(401);
    const other = await createOrg(await adminApi(server));
    const stranger = await fetch(`${server.url}/api/v1${t}/changes`, {
      headers: { authorization: `Bearer ${other.admin.api.token}` },
    });
    expect(stranger.status).toBe(404);
  });
});

describe.skipIf(!testDatabases().includes("postgres"))("the tenant change feed across two nodes", () => {
  it("tells a stream on one node of a job created and stopped through the other", { timeout: 120_000 }, async () => {
    const database = await createPostgresDatabase();
    const dataDirs = [1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-node-")));
    const nodes: TestServer[] = [];
    try {
      for (const dataDir of dataDirs)
        nodes.push(await startTestServer({ database: "postgres", reuse: { dataDir, databaseUrl: database.url } }));
      const [a, b] = nodes as [TestServer, TestServer];
      const org = await createOrg(await new Api(a.url).as({ username: "admin", password: a.adminPassword }));
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const [folder] = await tenantWithFolders(org.admin.api, t, ["Ops"]);
      if (!folder) throw new Error("no folder");
      // The stream is on node B; every write goes through node A.
      const stream = await openEventStream(`${b.url}/api/v1${t}/changes`, org.admin.api.token);
      try {
        await stream.waitFor((e) => e.event === "ready");
        const [job] = await startJobs(org.admin.api, t, folder.id, { processId: folder.processId });
        if (!job) throw new Error("no job");
        await stream.waitFor(isChange("jobs", folder.id, job.id));
        const before = stream.events.length;
        const stopped = await org.admin.api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
        expect(stopped.status, stopped.text).toBe(200);
        await expect
          .poll(() => stream.events.slice(before).filter(isChange("jobs", folder.id, job.id)).length)
          .toBeGreaterThan(0);
      } finally {
        stream.close();
      }
    } finally {
      for (const n of nodes) await n.stop({ keepData: true });
      await database.drop();
      for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
