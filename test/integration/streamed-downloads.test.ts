import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Api } from "../helpers/api.js";
import { parseCsv } from "../helpers/csv.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { startJobs } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Large answers leave the server as streams (defect 9 of issue 11): the job-log CSV page by page
 * with chunked transfer, package archives slice by slice from the database.
 */
describe.each(testDatabases())("streamed downloads on %s", (database) => {
  let server: TestServer;
  let host: Api;

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** An org with a package holding `extra` files, a process on it, and a pending job. */
  async function setup(extra: Record<string, Buffer> = {}) {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const folder = await api.post(`${t}/folders`, { name: "Exports" });
    const content = await tgz(packageFiles(manifest({ name: "big", version: "1.0.0" }), extra));
    const pkg = await uploadPackage(api, t, content);
    expect(pkg.status, pkg.text).toBe(201);
    const process = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "Big", packageName: "big" });
    const [job] = await startJobs(api, t, folder.body.id, { processId: process.body.id });
    return { api, t, content, job: job as { id: number } };
  }

  it("exports 12,001 log lines as chunked CSV, every line once and in order, filters applied", async () => {
    const { api, t, job } = await setup();
    const db = server.server.services.ctx.db;
    const row = await db.selectFrom("jobs").selectAll().where("id", "=", job.id).executeTakeFirstOrThrow();
    const total = 12_001;
    const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
    for (let start = 0; start < total; start += 1000) {
      await db
        .insertInto("job_logs")
        .values(
          Array.from({ length: Math.min(1000, total - start) }, (_, j) => ({
            job_id: row.id,
            tenant_id: row.tenant_id,
            folder_id: row.folder_id,
            process_id: row.process_id,
            machine_id: null,
            timestamp: at(start + j),
            level: (start + j) % 2 === 0 ? ("info" as const) : ("error" as const),
            message: `=line ${start + j}`,
          })),
        )
        .execute();
    }
    const res = await api.get(`${t}/jobs/${job.id}/logs.csv`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(res.headers.get("content-length")).toBeNull();
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(["Time", "Level", "Message"]);
    expect(rows.length).toBe(total + 1);
    expect(rows.slice(1).map((r) => r[2])).toEqual(Array.from({ length: total }, (_, i) => `'=line ${i}`));
    expect(rows[total]).toEqual([at(total - 1), "info", `'=line ${total - 1}`]);

    const errors = parseCsv((await api.get(`${t}/jobs/${job.id}/logs.csv?level=error`)).text);
    expect(errors.length).toBe(1 + (total - 1) / 2);
    expect(errors.slice(1).every((r) => r[1] === "error")).toBe(true);
    // A missing job is still a problem answer: nothing was streamed before it was checked.
    expect((await api.get(`${t}/jobs/999999/logs.csv`)).status).toBe(404);
  });

  it("streams a package archive larger than one slice byte for byte, to users and robots", async () => {
    // Random bytes do not compress: the archive spans several 1 MiB slices.
    const { api, t, content } = await setup({ "data.bin": randomBytes(2.5 * 1024 * 1024) });
    expect(content.length).toBeGreaterThan(2 * 1024 * 1024);
    const res = await fetch(`${api.baseUrl}/api/v1${t}/packages/big/1.0.0/download`, {
      headers: { authorization: `Bearer ${api.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(content.length));
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(content)).toBe(true);

    const machine = await api.post(`${t}/machines`, { name: "m1", slots: 1, folderIds: [] });
    const pkg = await api.get(`${t}/packages/big/1.0.0`);
    const robot = await fetch(`${api.baseUrl}/api/v1/robot/packages/${pkg.body.id}`, {
      headers: { authorization: `Bearer ${machine.body.key}` },
    });
    expect(robot.status).toBe(200);
    const robotBody = Buffer.from(await robot.arrayBuffer());
    expect(createHash("sha256").update(robotBody).digest("hex")).toBe(robot.headers.get("x-package-sha256"));
    expect(robotBody.equals(content)).toBe(true);
  });
});
