import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Doubles `n` (waiting `delayMs` first) and writes it as the output argument `doubled`. */
const doublerMain = `import fs from "node:fs";
const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8"));
await new Promise((r) => setTimeout(r, input.delayMs ?? 0));
fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ doubled: input.n * 2 }));
`;
const schema = {
  type: "object",
  properties: { n: { type: "integer" }, delayMs: { type: "integer" } },
  additionalProperties: false,
};
const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

/** HTTP triggers in their three call modes, with a real agent running the jobs. */
describe.each(testDatabases())("HTTP triggers on %s", (database) => {
  let server: TestServer;
  let org: TestOrg;
  let api: Api;
  let t: string;
  let folderId: number;
  let processId: number;

  beforeAll(async () => {
    server = await startTestServer({ database, env: { DIRIGENT_DISPATCH_POLL_MS: "200" } });
    org = await createOrg(await adminApi(server));
    api = org.admin.api;
    t = tenantPath(org);
    folderId = (await api.post(`${t}/folders`, { name: unique("F") })).body.id;
    const files = packageFiles(
      manifest({
        name: "doubler",
        version: "1.0.0",
        entryPoints: [{ name: "main", command: ["node", "main.mjs"], inputSchema: schema }],
      }),
      { "main.mjs": doublerMain },
    );
    expect((await uploadPackage(api, t, await tgz(files))).status).toBe(201);
    processId = (
      await api.post(`${t}/folders/${folderId}/processes`, {
        name: "Double",
        packageName: "doubler",
        inputArguments: { n: 0 },
      })
    ).body.id;
    const machine = await api.post(`${t}/machines`, { name: unique("m"), slots: 2, folderIds: [folderId] });
    const agent = spawnAgent({ url: server.url, key: machine.body.key });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
  }, 120_000);
  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
  });

  const create = (slug: string, method: string, callMode: string) =>
    api.post(`${t}/folders/${folderId}/triggers`, { type: "http", name: slug, processId, slug, method, callMode });

  it("long polling answers 200 with the output arguments when the job ends in time", async () => {
    const created = await create("double", "POST", "longPolling");
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ type: "http", slug: "double", method: "POST", callMode: "longPolling" });
    const res = await api.post(`${t}/triggers/http/double`, { n: 21 });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ state: "successful", outputArguments: { doubled: 42 } });
    const jobs = await api.get(`${t}/triggers/${created.body.id}/jobs`);
    expect(jobs.body.items[0]).toMatchObject({ id: res.body.jobId, source: "trigger", inputArguments: { n: 21 } });
    const history = await api.get(`${t}/triggers/${created.body.id}/history`);
    expect(history.body.items[0]).toMatchObject({ outcome: "fired", jobIds: [res.body.jobId] });
  }, 120_000);

  it("async request-reply answers 202 with Location; the poll URL says 202 until the job ended, then 200", async () => {
    expect((await create("double-async", "PUT", "asyncRequestReply")).status).toBe(201);
    const res = await api.put(`${t}/triggers/http/double-async`, { n: 5, delayMs: 1500 });
    expect(res.status, res.text).toBe(202);
    const location = res.headers.get("location") as string;
    expect(location).toBe(res.body.statusUrl);
    const poll = location.replace(/^\/api\/v1/, "");
    expect((await api.get(poll)).status).toBe(202);
    let done = await api.get(poll);
    const end = Date.now() + 60_000;
    while (done.status === 202 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 300));
      done = await api.get(poll);
    }
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ jobId: res.body.jobId, state: "successful", outputArguments: { doubled: 10 } });
  }, 120_000);

  it("fire-and-forget answers 202 with the job at once; GET triggers take no body", async () => {
    expect((await create("double-get", "GET", "fireAndForget")).status).toBe(201);
    // A GET has no body: the trigger's and the process's arguments are the input.
    const res = await api.get(`${t}/triggers/http/double-get`);
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get("location")).toBeNull();
    const withArgs = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "http",
      name: "Fixed",
      processId,
      slug: "double-fixed",
      method: "DELETE",
      callMode: "fireAndForget",
      inputArguments: { n: 1 },
    });
    expect(withArgs.status, withArgs.text).toBe(201);
    const fired = await api.delete(`${t}/triggers/http/double-fixed`);
    expect(fired.status, fired.text).toBe(202);
    expect(fired.body).toMatchObject({ jobId: expect.any(Number), state: "pending" });
    expect(fired.headers.get("location")).toBeNull();
  });

  it("refuses bad calls and definitions with the exact reason", async () => {
    expect((await create("strict", "POST", "fireAndForget")).status).toBe(201);
    expectProblem(await create("Strict", "POST", "fireAndForget"), 409, "already-exists");
    for (const [slug, method, mode, field] of [
      ["a/b", "POST", "fireAndForget", "slug"],
      ["jobs", "POST", "fireAndForget", "slug"],
      ["ok-slug", "PATCH", "fireAndForget", "method"],
      ["ok-slug", "POST", "sometimes", "callMode"],
    ] as const) {
      const res = await create(slug, method, mode);
      expect(expectProblem(res, 400, "validation-failed").errors?.map((e) => e.path)).toContain(field);
    }
    expectProblem(await api.post(`${t}/folders/${folderId}/triggers`, { type: "webhook" }), 400, "validation-failed");
    // Wrong method, unknown slug, arguments that do not fit the schema, no jobs.create.
    expectProblem(await api.get(`${t}/triggers/http/strict`), 404, "not-found");
    expectProblem(await api.post(`${t}/triggers/http/nope`, {}), 404, "not-found");
    const bad = await api.post(`${t}/triggers/http/strict`, { n: "x" });
    expect(expectProblem(bad, 400, "validation-failed").errors?.map((e) => e.path)).toEqual(["inputArguments.n"]);
    const user = await createUser(api, org.slug);
    expectProblem(await user.api.post(`${t}/triggers/http/strict`, { n: 1 }), 404, "not-found");
    expectProblem(await api.get(`${t}/triggers/http/jobs/not-a-uuid`), 400, "validation-failed");
    // Another tenant cannot call it.
    const stranger = await createOrg(await adminApi(server));
    expectProblem(
      await stranger.admin.api.post(`${tenantPath(stranger)}/triggers/http/strict`, { n: 1 }),
      404,
      "not-found",
    );
  });

  it("PATCH changes every field of an HTTP trigger, checked as at creation, and refuses fields of other kinds", async () => {
    const created = await create("edit-me", "POST", "fireAndForget");
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    const changed = await api.patch(`${t}/triggers/${id}`, {
      name: "Edited",
      description: "by PATCH",
      slug: "edited",
      method: "PUT",
      callMode: "longPolling",
      inputArguments: { n: 4 },
      priority: 80,
      stopAfterSeconds: 600,
      killAfterSeconds: 120,
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({
      name: "Edited",
      description: "by PATCH",
      slug: "edited",
      method: "PUT",
      callMode: "longPolling",
      inputArguments: { n: 4 },
      priority: 80,
      stopAfterSeconds: 600,
      killAfterSeconds: 120,
    });
    // The new slug, method and mode are in force: the old address is gone, the new one long-polls.
    expectProblem(await api.post(`${t}/triggers/http/edit-me`, {}), 404, "not-found");
    const res = await api.put(`${t}/triggers/http/edited`, {});
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ state: "successful", outputArguments: { doubled: 8 } });
    const job = await api.get(`${t}/jobs/${res.body.jobId}`);
    expect(job.body).toMatchObject({ priority: 80, stopAfterSeconds: 600, killAfterSeconds: 720 });

    // Checked like at creation, and nothing changes when refused.
    expect((await create("taken", "POST", "fireAndForget")).status).toBe(201);
    expectProblem(await api.patch(`${t}/triggers/${id}`, { slug: "TAKEN" }), 409, "already-exists");
    for (const [body, field] of [
      [{ slug: "a/b" }, "slug"],
      [{ method: "PATCH" }, "method"],
      [{ callMode: "callback" }, "callMode"],
      [{ inputArguments: { n: "x" } }, "inputArguments.n"],
      [{ processId: 2_147_483_647 }, "processId"],
      [{ processId: 2_147_483_648 }, "processId"],
      [{ cron: "* * * * *" }, "cron"],
      [{ minItems: 2 }, "minItems"],
      [{ name: "x\u0000y" }, "name"],
    ] as const) {
      const bad = await api.patch(`${t}/triggers/${id}`, body);
      expect(
        expectProblem(bad, 400, "validation-failed").errors?.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(field);
    }
    expect((await api.get(`${t}/triggers/${id}`)).body).toMatchObject({
      slug: "edited",
      method: "PUT",
      name: "Edited",
    });
  }, 120_000);
});
