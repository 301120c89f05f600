import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Api, unique } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { createOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// Several nodes share one database only on PostgreSQL.
describe.skipIf(!testDatabases().includes("postgres"))(
  "time triggers on three nodes of one PostgreSQL database",
  () => {
    // The test: two and three server processes, an every-second trigger, 30 s each.
    const runSeconds = 30;
    it.each([2, 3])(
      "never double-fires: every fire time of an every-second trigger is decided by exactly one of %i nodes",
      async (nodeCount) => {
        const database = await createPostgresDatabase();
        const dataDirs = Array.from({ length: nodeCount }, () =>
          fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-node-")),
        );
        const nodes: TestServer[] = [];
        try {
          for (const dataDir of dataDirs)
            nodes.push(await startTestServer({ database: "postgres", reuse: { dataDir, databaseUrl: database.url } }));
          const [a, b] = nodes as [TestServer, TestServer];
          const org = await createOrg(await new Api(a.url).as({ username: "admin", password: a.adminPassword }));
          const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
          const api = new Api(b.url).withToken(org.admin.api.token as string);
          const folder = await api.post(`${t}/folders`, { name: unique("F") });
          expect(
            (await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "p", version: "1.0.0" }))))).status,
          ).toBe(201);
          const process = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "P", packageName: "p" });
          expect(process.status, process.text).toBe(201);
          const created = await api.post(`${t}/folders/${folder.body.id}/triggers`, {
            type: "time",
            name: "Every second",
            processId: process.body.id,
            cron: "* * * * * ?",
            timeZone: "UTC",
            killAfterSeconds: 120,
          });
          expect(created.status, created.text).toBe(201);
          const id = created.body.id as number;

          // All schedulers race for every second; pending jobs are cancelled so each second can fire.
          const started = Date.now();
          const cancelled = new Set<number>();
          while (Date.now() - started < runSeconds * 1000) {
            for (const job of (await api.get(`${t}/triggers/${id}/jobs?limit=500`)).body.items) {
              if (job.state === "pending" && !cancelled.has(job.id)) {
                cancelled.add(job.id);
                await api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
              }
            }
            await new Promise((r) => setTimeout(r, 100));
          }
          expect((await api.post(`${t}/triggers/${id}/disable`)).status).toBe(200);

          const history = (await api.get(`${t}/triggers/${id}/history?limit=500`)).body.items as {
            fireTime: string;
            outcome: string;
            reason: string | null;
          }[];
          // A round that comes more than a second late (a loaded machine) decides the latest due
          // fire time and records the ones it passed in one "Missed N fire time(s)" row at the
          // first of them: expand those, then every second from the first fire time to the last
          // must be decided exactly once — no double, no gap.
          const seconds: number[] = [];
          for (const h of history) {
            const missed = /^Missed (\d+) fire time/.exec(h.reason ?? "");
            const count = missed ? Number(missed[1]) : 1;
            for (let i = 0; i < count; i++) seconds.push(Date.parse(h.fireTime) + i * 1000);
          }
          seconds.sort((x, y) => x - y);
          expect(seconds.length).toBeGreaterThanOrEqual(runSeconds - 5);
          expect(new Set(seconds).size, "a fire time decided twice").toBe(seconds.length);
          for (let i = 1; i < seconds.length; i++) {
            expect(
              (seconds[i] as number) - (seconds[i - 1] as number),
              new Date(seconds[i] as number).toISOString(),
            ).toBe(1000);
          }
          const jobs = (await api.get(`${t}/triggers/${id}/jobs?limit=500`)).body.items as {
            killAfterSeconds: number;
          }[];
          expect(jobs.length).toBe(history.filter((h) => h.outcome === "fired").length);
          expect(jobs.length).toBeGreaterThanOrEqual(3);
          // Each job is linked from exactly one fired history row.
          const linked = history.flatMap((h) => (h as unknown as { jobIds: number[] }).jobIds ?? []);
          expect(new Set(linked).size).toBe(linked.length);
          expect(jobs.every((j) => j.killAfterSeconds === 120)).toBe(true);
        } finally {
          for (const node of nodes) await node.stop({ keepData: true });
          await database.drop();
          for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
        }
      },
      180_000,
    );
  },
);
