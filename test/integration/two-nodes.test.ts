import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { Api } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { createOrg, newPassword } from "../helpers/fixtures.js";
import { startJobs, waitForJob, waitForState } from "../helpers/jobs.js";
import { manifest, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// Two nodes share one database only on PostgreSQL; SQLite is a single-node setup.
describe.skipIf(!testDatabases().includes("postgres"))("two nodes on one PostgreSQL database", () => {
  afterEach(async () => {
    await killAllAgents();
  });

  it("both migrate a fresh database at the same time, create exactly one admin, and share their data", async () => {
    const database = await createPostgresDatabase();
    // Each node has its own data folder, as on two machines; they share only the database.
    const dataDirs = [1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-node-")));
    const nodes: TestServer[] = [];
    try {
      const started = await Promise.allSettled(
        dataDirs.map((dataDir) =>
          startTestServer({ database: "postgres", reuse: { dataDir, databaseUrl: database.url } }),
        ),
      );
      for (const s of started) if (s.status === "fulfilled") nodes.push(s.value);
      expect(started.map((s) => (s.status === "rejected" ? String(s.reason) : "ok"))).toEqual(["ok", "ok"]);
      const [a, b] = nodes as [TestServer, TestServer];

      // Exactly one of them bootstrapped `admin`, and only once.
      expect([a.server.generatedAdminPassword, b.server.generatedAdminPassword]).toEqual([null, null]);
      for (const node of nodes) {
        const health = await new Api(node.url).get("/health");
        expect(health.status).toBe(200);
        expect(health.body).toEqual({ status: "ok" });
      }
      const hostA = await new Api(a.url).as({ username: "admin", password: a.adminPassword });
      const hostB = await new Api(b.url).as({ username: "admin", password: b.adminPassword });
      const admins = await hostB.get("/host/administrators");
      expect(admins.body.items.map((x: { username: string }) => x.username)).toEqual(["admin"]);
      const bootstraps = await hostA.get("/host/audit-logs?component=Administrators&action=Create");
      expect(bootstraps.body.items).toHaveLength(1);

      // What one node writes, the other reads; a token issued by one works on the other.
      const org = await createOrg(hostA);
      expect((await hostB.get(`/host/organizations/${org.slug}`)).body).toMatchObject({ id: org.id, tenantCount: 1 });
      expect((await new Api(b.url).withToken(org.admin.api.token as string).get("/me")).body.id).toBe(org.admin.id);
      const username = `node-${Date.now()}`;
      const password = newPassword();
      expect((await hostB.post("/host/administrators", { username, password })).status).toBe(201);
      expect((await new Api(a.url).post("/auth/token", { username, password })).status).toBe(200);

      // Maintenance started on one node holds back users on the other.
      expect((await hostA.post("/host/maintenance/start", { phase: "draining" })).status).toBe(200);
      expect((await new Api(b.url).withToken(org.admin.api.token as string).get("/me")).status).toBe(503);
      expect((await hostB.post("/host/maintenance/end", {})).status).toBe(200);
    } finally {
      for (const node of nodes) await node.stop({ keepData: true });
      await database.drop();
      for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("tells each other through LISTEN/NOTIFY: a job created on one node starts at once on a robot of the other, and a stop reaches it", async () => {
    const database = await createPostgresDatabase();
    const dataDirs = [1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-node-")));
    // Polls far apart and the longest heartbeat: within this test only a notification can wake
    // a dispatcher, and a stop can only reach the robot through the node that holds it.
    const env = { DIRIGENT_DISPATCH_POLL_MS: "600000", DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "60" };
    const nodes: TestServer[] = [];
    try {
      for (const dataDir of dataDirs)
        nodes.push(await startTestServer({ database: "postgres", env, reuse: { dataDir, databaseUrl: database.url } }));
      const [a, b] = nodes as [TestServer, TestServer];
      const org = await createOrg(await new Api(a.url).as({ username: "admin", password: a.adminPassword }));
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const onB = new Api(b.url).withToken(org.admin.api.token as string);
      const waiting = await tgz({
        "dirigent.json": JSON.stringify(manifest({ name: "waits", version: "1.0.0" })),
        "main.js":
          'process.on("SIGINT", () => { console.log("stopping"); process.exit(0); });\nconsole.log("started");\nsetInterval(() => {}, 1000);\n',
      });
      expect((await uploadPackage(onB, t, waiting)).status).toBe(201);
      const folder = await onB.post(`${t}/folders`, { name: "Cluster" });
      const process = await onB.post(`${t}/folders/${folder.body.id}/processes`, {
        name: "Wait",
        packageName: "waits",
      });
      const machine = await onB.post(`${t}/machines`, { name: "robot-a", slots: 1, folderIds: [folder.body.id] });
      expect(machine.status, machine.text).toBe(201);

      // The robot is connected to node A; the job is created on node B.
      const agent = spawnAgent({ url: a.url, key: machine.body.key });
      await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
      const [job] = await startJobs(onB, t, folder.body.id, { processId: process.body.id });
      const running = await waitForState(onB, t, job?.id as number, "running", 30_000);
      expect(running.machineId).toBe(machine.body.id);
      await agent.waitFor(/started/, { timeoutMs: 30_000 });

      // Stopped through node B: node A holds the robot's connection and passes the stop on.
      expect((await onB.post(`${t}/jobs/${job?.id}/stop`, { mode: "stop" })).status).toBe(200);
      const done = await waitForJob(onB, t, job?.id as number);
      expect(done.state).toBe("stopped");
      expect(done.timeline.map((e) => e.state)).toEqual(["pending", "running", "stopping", "stopped"]);
    } finally {
      for (const node of nodes) await node.stop({ keepData: true });
      await database.drop();
      for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
