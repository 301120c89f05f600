import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Api } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { createOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// Two nodes share one database only on PostgreSQL; SQLite is a single-node setup.
describe.skipIf(!testDatabases().includes("postgres"))("queues on two nodes of one PostgreSQL database", () => {
  it("never hands an item out twice when consumers on both nodes claim at once", async () => {
    const database = await createPostgresDatabase();
    const dataDirs = [1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-node-")));
    const nodes: TestServer[] = [];
    try {
      for (const dataDir of dataDirs)
        nodes.push(await startTestServer({ database: "postgres", reuse: { dataDir, databaseUrl: database.url } }));
      const [a, b] = nodes as [TestServer, TestServer];
      const hostA = await new Api(a.url).as({ username: "admin", password: a.adminPassword });
      const org = await createOrg(hostA);
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const apiA = org.admin.api;
      const apiB = new Api(b.url, apiA.token);
      const folder = await apiA.post(`${t}/folders`, { name: "F" });
      const q = await apiA.post(`${t}/folders/${folder.body.id}/queues`, { name: "Q" });
      const items = Array.from({ length: 120 }, (_, i) => ({ specificContent: { i } }));
      const bulk = await apiB.post(`${t}/queues/${q.body.id}/items/bulk`, { commitType: "allOrNothing", items });
      expect(bulk.body.added).toBe(120);
      // 8 consumers per node, each taking items until none is left.
      const taken: number[] = [];
      const consumer = async (api: Api) => {
        for (;;) {
          const res = await api.post(`${t}/queues/${q.body.id}/transactions`, {});
          if (res.status === 204) return;
          expect(res.status, res.text).toBe(200);
          taken.push(res.body.id);
          const done = await api.post(`${t}/queue-items/${res.body.id}/result`, { status: "successful" });
          expect(done.status, done.text).toBe(200);
        }
      };
      await Promise.all([...Array(8)].flatMap(() => [consumer(apiA), consumer(apiB)]));
      expect(taken).toHaveLength(120);
      expect(new Set(taken).size).toBe(120);
      const stats = await apiB.get(`${t}/queues/${q.body.id}`);
      expect(stats.body.counts).toMatchObject({ new: 0, inProgress: 0, successful: 120 });
    } finally {
      for (const node of nodes) await node.stop({ keepData: true });
      await database.drop();
      for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
