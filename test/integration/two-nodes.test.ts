import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Api } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { createOrg, newPassword } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// Two nodes share one database only on PostgreSQL; SQLite is a single-node setup.
describe.skipIf(!testDatabases().includes("postgres"))("two nodes on one PostgreSQL database", () => {
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
});
