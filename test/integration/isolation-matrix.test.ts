import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, unique } from "../helpers/api.js";
import { putFile } from "../helpers/buckets.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { type RunningJob, runningJob } from "../helpers/job-token.js";
import { apiOperations, fillPath, type Operation, type ParamValues, sampleBody } from "../helpers/route-walk.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * The isolation matrix, generated from the OpenAPI document: a second organization's
 * administrator, its plain user and one of its running jobs call every route with the first
 * organization's slugs, ids, keys and names — in the first organization's URLs and in their own.
 * Nothing may answer 2xx or 5xx, and every answer the first organization can read is the same
 * afterwards.
 */
describe.each(testDatabases())("isolation matrix on %s", { timeout: 300_000 }, (database) => {
  let server: TestServer;
  let orgA: TestOrg;
  let orgB: TestOrg;
  let userB: TestUser;
  let jobA: RunningJob;
  let jobB: RunningJob;
  let operations: Operation[];
  /** Path parameter values naming the first organization's objects. */
  const values: ParamValues = {};
  /** The first organization's object ids by the body field that would refer to them. */
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    server = await startTestServer({ database });
    const host = await adminApi(server);
    orgA = await createOrg(host);
    orgB = await createOrg(host);
    userB = await createUser(orgB.admin.api, orgB.slug);
    const a = orgA.admin.api;
    const t = `/orgs/${orgA.slug}/tenants/${orgA.defaultTenantId}`;
    jobA = await runningJob(a, t);
    jobB = await runningJob(orgB.admin.api, `/orgs/${orgB.slug}/tenants/${orgB.defaultTenantId}`);
    const folder = jobA.folderId;
    const job = (await a.get(`${t}/jobs/${jobA.id}`)).body;
    const processId = job.processId as number;
    const userA = await createUser(a, orgA.slug);
    const created = async (path: string, body: unknown) => {
      const res = await a.post(`${t}${path}`, body);
      expect(res.status, `${path}: ${res.text}`).toBe(201);
      return res.body;
    };
    const queue = await created(`/folders/${folder}/queues`, { name: unique("Q") });
    const item = await created(`/queues/${queue.id}/items`, { specificContent: { secretOfA: 1 } });
    const asset = await created(`/folders/${folder}/assets`, { name: unique("A"), type: "text", value: "a-only" });
    const bucket = await created(`/folders/${folder}/buckets`, { name: unique("B") });
    const file = await putFile(a, `${t}/buckets/${bucket.id}/files/a.txt`, "of A");
    expect(file.status).toBeLessThan(300);
    const trigger = await created(`/folders/${folder}/triggers`, {
      type: "time",
      name: unique("T"),
      processId,
      cron: "0 0 3 * * ?",
      enabled: false,
    });
    const slug = unique("hook").toLowerCase();
    await created(`/folders/${folder}/triggers`, {
      type: "http",
      name: slug,
      processId,
      slug,
      method: "POST",
      callMode: "fireAndForget",
    });
    const calendar = await created("/calendars", { name: unique("C"), timeZone: "UTC", excludedDates: ["2031-01-01"] });
    const role = await created("/roles", { name: unique("R"), kind: "folder", permissions: ["jobs.view"] });
    const token = await a.post("/me/tokens", { name: "a-script" });
    expect(token.status, token.text).toBe(201);
    const pkg = (await a.get(`${t}/packages`)).body.items[0];
    Object.assign(values, {
      org: orgA.slug,
      tenant: orgA.defaultTenantId,
      tenants: orgA.defaultTenantId,
      tenantId: orgA.defaultTenantId,
      organizations: orgA.slug,
      folders: folder,
      folder,
      users: userA.id,
      userId: userA.id,
      roles: role.id,
      machines: jobA.machineId,
      machineId: jobA.machineId,
      name: pkg.name,
      version: pkg.version,
      processes: processId,
      jobs: jobA.id,
      "jobs/key": jobA.key,
      "queue-items": item.id,
      queues: queue.id,
      "queues/name": queue.name,
      assets: asset.id,
      "assets/name": asset.name,
      buckets: bucket.id,
      "buckets/name": bucket.name,
      "files/*": "a.txt",
      triggers: trigger.id,
      slug,
      calendars: calendar.id,
      tokens: token.body.id,
      outbox: 1,
      administrators: 1,
      announcements: 1,
      "bucket-links/key": "x",
    });
    Object.assign(ids, {
      folderId: folder,
      parentId: folder,
      processId,
      machineId: jobA.machineId,
      queueId: queue.id,
      calendarId: calendar.id,
      roleId: role.id,
      userId: userA.id,
      jobId: jobA.id,
      triggerId: trigger.id,
      bucketId: bucket.id,
      assetId: asset.id,
    });
    operations = await apiOperations(server.url);
  });
  afterAll(async () => {
    jobA?.socket.ws.terminate();
    jobB?.socket.ws.terminate();
    await server?.stop();
  });

  /** One call with a time limit (a stream that answered 2xx would never end). */
  async function call(token: string, method: string, path: string, body: unknown) {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text().catch(() => "(stream)");
    return { status: res.status, text };
  }

  /** What the first organization's administrator reads at every GET route, volatile fields left out. */
  async function snapshot(): Promise<Map<string, string>> {
    const seen = new Map<string, string>();
    for (const op of operations) {
      if (op.method !== "GET" || !op.template.startsWith("/orgs/{org}")) continue;
      if (/stream|audit-logs|outbox|alerts|monitoring|\/machines|bucket-links/.test(op.template)) continue;
      const path = fillPath(op.template, values);
      if (!path) continue;
      const res = await call(orgA.admin.api.token ?? "", "GET", path, undefined);
      seen.set(path, `${res.status} ${stable(res.text)}`);
    }
    return seen;
  }

  it("refuses every route to another organization, in the owner's URLs and in its own", async () => {
    const before = await snapshot();
    expect(before.size).toBeGreaterThan(30);
    const leaks: string[] = [];
    let calls = 0;
    let pastValidation = 0;
    const check = async (who: string, token: string, method: string, path: string, body: unknown) => {
      const res = await call(token, method, path, body);
      calls += 1;
      if (res.status !== 400) pastValidation += 1;
      if (res.status < 300 || res.status >= 500)
        leaks.push(`${who} ${method} ${path} ${JSON.stringify(body)} → ${res.status} ${res.text.slice(0, 160)}`);
    };
    const callers = [
      ["org admin of B", orgB.admin.api.token ?? ""],
      ["user of B", userB.api.token ?? ""],
    ] as const;
    for (const op of operations) {
      const { body, refers } = sampleBody(op.bodySchema, ids);
      const sent = op.method === "GET" || op.method === "DELETE" ? undefined : (body ?? {});
      if (op.template.startsWith("/orgs/{org}") || op.template.startsWith("/host/")) {
        // The first organization's own URLs.
        const path = fillPath(op.template, values);
        if (path) for (const [who, token] of callers) await check(who, token, op.method, path, sent);
        // The second organization's URLs, naming the first one's objects in the path or the body.
        const own = fillPath(op.template, { ...values, org: orgB.slug, tenant: orgB.defaultTenantId });
        const objectInPath = op.params.some((p) => p !== "org" && p !== "tenant");
        if (own && op.template.startsWith("/orgs/{org}") && (objectInPath || refers))
          await check("org admin of B in B", orgB.admin.api.token ?? "", op.method, own, sent);
      } else if (op.template.startsWith("/job/") && op.params.length > 0) {
        const path = fillPath(op.template, values);
        if (path) await check("job of B", jobB.token, op.method, path, sent);
      } else if (op.template.startsWith("/me/") && op.params.length > 0) {
        const path = fillPath(op.template, values);
        if (path) await check("org admin of B", orgB.admin.api.token ?? "", op.method, path, sent);
      }
    }
    console.log(
      `isolation matrix (${database}): ${calls} calls, ${pastValidation} past validation, ${leaks.length} leaks`,
    );
    expect(calls).toBeGreaterThan(250);
    // Generated bodies must mostly be valid, or the matrix would test only the validator.
    expect(pastValidation / calls).toBeGreaterThan(0.8);
    expect(leaks).toEqual([]);
    const after = await snapshot();
    const changed = [...before].filter(([path, text]) => after.get(path) !== text).map(([path]) => path);
    expect(changed).toEqual([]);
    // The first organization's job still runs and its token still works.
    const own = await new Api(server.url, jobA.token).get("/job/");
    expect(own.status, own.text).toBe(200);
  });
});

/** A response text without the fields that change by themselves (clocks, heartbeats, next runs). */
function stable(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), (key, value) =>
      /heartbeat|lastSeen|nextFire|nextRun|duration|elapsed|now$/i.test(key) ? undefined : value,
    );
  } catch {
    return text;
  }
}
