import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import type { Api } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { startJobs, waitForJob } from "../helpers/jobs.js";
import { manifest, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue #14 (P5): an automation that prints far more than the agent's outbox holds (10,000
 * lines) as fast as it can. Before, the agent dropped everything beyond its buffer while
 * connected (200,000 printed, 10,000 stored); now it stops reading the automation's output until
 * the server has acknowledged enough, so every line is stored, in order.
 */
const lines = 200_000;
const burstMain = `for (let i = 1; i <= ${lines}; i++) console.log("line " + i);\n`;

describe.each(testDatabases())(
  "an automation's output burst with the real agent on %s",
  { timeout: 240_000 },
  (database) => {
    let server: TestServer;
    let api: Api;
    let t: string;
    let agentTmp: string;

    beforeAll(async () => {
      agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-burst-"));
      server = await startTestServer({ database });
      const org = await createOrg(await adminApi(server));
      api = org.admin.api;
      t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    });
    afterAll(async () => {
      await killAllAgents();
      await server?.stop();
      if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
    });

    it("stores every line of a 200,000-line burst, in order, with none dropped", async () => {
      const archive = await tgz({
        "dirigent.json": JSON.stringify(
          manifest({ name: "burst", version: "1.0.0", entryPoints: [{ name: "main", command: ["node", "main.js"] }] }),
        ),
        "main.js": burstMain,
      });
      expect((await uploadPackage(api, t, archive)).status).toBe(201);
      const folder = await api.post(`${t}/folders`, { name: "Burst" });
      const proc = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "Burst", packageName: "burst" });
      const machine = await api.post(`${t}/machines`, { name: "burst-robot", slots: 1, folderIds: [folder.body.id] });
      const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
      await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });

      const [job] = await startJobs(api, t, folder.body.id, { processId: proc.body.id });
      const done = await waitForJob(api, t, job?.id as number, undefined, 200_000);
      expect(done.state).toBe("successful");

      const db = server.server.services.ctx.db;
      const stored = await db
        .selectFrom("job_logs")
        .select([
          sql<number>`cast(count(*) as integer)`.as("count"),
          sql<number>`cast(sum(case when message like '%dropped%' then 1 else 0 end) as integer)`.as("notes"),
        ])
        .where("job_id", "=", done.id)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ count: lines, notes: 0 });
      const ends = await db
        .selectFrom("job_logs")
        .select("message")
        .where("job_id", "=", done.id)
        .orderBy("id")
        .execute()
        .then((rows) => [rows[0]?.message, rows[lines / 2 - 1]?.message, rows.at(-1)?.message]);
      expect(ends).toEqual(["line 1", `line ${lines / 2}`, `line ${lines}`]);
    });
  },
);
