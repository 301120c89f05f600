import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writesOf } from "../../src/storage/database.js";
import { Api } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// Background loops far apart, so the statements counted during a request are the request's own.
const quiet = {
  DIRIGENT_DISPATCH_POLL_MS: "600000",
  DIRIGENT_MAIL_POLL_MS: "60000",
  DIRIGENT_SCHEDULER_POLL_MS: "60000",
  DIRIGENT_SERVICES: "none",
};

async function tenantViewerRole(api: Api, t: string): Promise<number> {
  const roles = await api.get(`${t}/roles`);
  expect(roles.status, roles.text).toBe(200);
  const viewer = roles.body.items.find((r: { name: string }) => r.name === "Tenant Viewer");
  expect(viewer).toBeDefined();
  return viewer.id;
}

/** The fewest statements any of `tries` calls of `request` ran (background work only adds). */
async function statementsOf(server: TestServer, request: () => Promise<unknown>, tries = 3): Promise<number> {
  const writes = writesOf(server.server.services.ctx.db);
  if (!writes) throw new Error("no write watch");
  let fewest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < tries; i++) {
    const before = writes.statements;
    await request();
    fewest = Math.min(fewest, writes.statements - before);
  }
  return fewest;
}

describe.each(testDatabases())("request cache (%s)", (database) => {
  let server: TestServer;
  let org: TestOrg;
  let t: string;

  beforeAll(async () => {
    server = await startTestServer({ database, env: quiet });
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
  });
  afterAll(() => server?.stop());

  it("runs no statement before the handler on a warm cache, and one statement per request more without it", async () => {
    const permissions = () => org.admin.api.get(`${t}/permissions`);
    expect((await permissions()).status).toBe(200);
    // GET …/permissions answers from the request's access alone: on a warm cache, no statement at all.
    expect(await statementsOf(server, permissions)).toBe(0);
    expect(await statementsOf(server, () => org.admin.api.get("/me"))).toBe(0);

    const uncached = await startTestServer({ database, env: { ...quiet, DIRIGENT_AUTH_CACHE_SECONDS: "0" } });
    try {
      const other = await createOrg(await adminApi(uncached));
      const path = `/orgs/${other.slug}/tenants/${other.defaultTenantId}/permissions`;
      // Without the cache: token, principal, maintenance, organization, tenant, maintenance again.
      expect(await statementsOf(uncached, () => other.admin.api.get(path))).toBeGreaterThanOrEqual(6);
    } finally {
      await uncached.stop();
    }
  });

  it("forgets at once what a write changed: role removed, token revoked, user disabled, tenant disabled, maintenance", async () => {
    const user = await createUser(org.admin.api, org.slug);
    const viewer = await tenantViewerRole(org.admin.api, t);
    expect((await org.admin.api.put(`${t}/role-assignments/${user.id}`, { roleIds: [viewer] })).status).toBe(204);
    expect((await user.api.get(`${t}/role-assignments`)).status).toBe(200);
    expect((await user.api.get(`${t}/role-assignments`)).status).toBe(200);
    expect((await org.admin.api.put(`${t}/role-assignments/${user.id}`, { roleIds: [] })).status).toBe(204);
    expect((await user.api.get(`${t}/role-assignments`)).status).toBe(403);

    const pat = await user.api.post("/me/tokens", { name: "cache" });
    expect(pat.status, pat.text).toBe(201);
    const patApi = new Api(server.url, pat.body.token);
    expect((await patApi.get("/me")).status).toBe(200);
    expect((await user.api.delete(`/me/tokens/${pat.body.id}`)).status).toBe(204);
    expect((await patApi.get("/me")).status).toBe(401);

    expect((await user.api.get("/me")).status).toBe(200);
    expect((await org.admin.api.patch(`/orgs/${org.slug}/users/${user.id}`, { status: "disabled" })).status).toBe(200);
    expect((await user.api.get("/me")).status).toBe(401);

    const second = await org.admin.api.post(`/orgs/${org.slug}/tenants`, { name: "Cached" });
    expect(second.status, second.text).toBe(201);
    const t2 = `/orgs/${org.slug}/tenants/${second.body.id}`;
    expect((await org.admin.api.get(`${t2}/permissions`)).status).toBe(200);
    const off = await org.admin.api.patch(`/orgs/${org.slug}/tenants/${second.body.id}`, { status: "disabled" });
    expect(off.status, off.text).toBe(200);
    expect((await org.admin.api.get(`${t2}/permissions`)).status).toBe(409);

    expect((await org.admin.api.get(`${t}/permissions`)).status).toBe(200);
    const host = await adminApi(server);
    expect((await host.post("/host/maintenance/start", { phase: "draining" })).status).toBe(200);
    expect((await org.admin.api.get(`${t}/permissions`)).status).toBe(503);
    expect((await host.post("/host/maintenance/end", {})).status).toBe(200);
    expect((await org.admin.api.get(`${t}/permissions`)).status).toBe(200);
  });

  it("answers the login page's status from the caches, and shows a changed password policy at once", async () => {
    const host = await adminApi(server);
    const status = () => org.admin.api.get("/status");
    expect((await status()).status).toBe(200);
    expect(await statementsOf(server, status)).toBe(0);
    const before = (await host.get("/host/settings/security")).body;
    const changed = await host.put("/host/settings/security", {
      ...before,
      passwordMinLength: before.passwordMinLength + 3,
    });
    expect(changed.status, changed.text).toBe(200);
    try {
      expect((await status()).body.passwordPolicy.minLength).toBe(before.passwordMinLength + 3);
    } finally {
      expect((await host.put("/host/settings/security", before)).status).toBe(200);
    }
    expect((await status()).body.passwordPolicy.minLength).toBe(before.passwordMinLength);
  });

  it("serves the OData layer from the same caches, and shows a new or renamed folder at once", async () => {
    const odataFolders = async () => {
      const res = await fetch(`${server.url}/${org.slug}/Default/orchestrator_/odata/Folders`, {
        headers: { authorization: `Bearer ${org.admin.api.token}` },
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { value: { DisplayName: string }[] }).value.map((f) => f.DisplayName);
    };
    await odataFolders();
    // Organization, tenant, access and the tenant's folders all come from the caches: no statement.
    expect(await statementsOf(server, odataFolders)).toBe(0);
    const created = await org.admin.api.post(`${t}/folders`, { name: "Cached folder" });
    expect(created.status, created.text).toBe(201);
    expect(await odataFolders()).toContain("Cached folder");
    const renamed = await org.admin.api.patch(`${t}/folders/${created.body.id}`, { name: "Renamed folder" });
    expect(renamed.status, renamed.text).toBe(200);
    const names = await odataFolders();
    expect(names).toContain("Renamed folder");
    expect(names).not.toContain("Cached folder");
  });
});

describe.skipIf(!testDatabases().includes("postgres"))("request cache on two PostgreSQL nodes", () => {
  // The other node hears of a change through NOTIFY when it commits: within milliseconds, not
  // synchronously, so its next few requests may still see the old state (docs/performance.md).
  const soon = { timeout: 3_000, interval: 10 };
  // Two servers and ~30 requests: longer than the default timeout on a loaded machine.
  it("a change on one node takes effect on the other within moments: role, token, user, organization, maintenance", {
    timeout: 120_000,
  }, async () => {
    const db = await createPostgresDatabase();
    const dataDirs = [1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-node-")));
    const nodes: TestServer[] = [];
    try {
      for (const dataDir of dataDirs)
        nodes.push(
          await startTestServer({ database: "postgres", env: quiet, reuse: { dataDir, databaseUrl: db.url } }),
        );
      const [a, b] = nodes as [TestServer, TestServer];
      const org = await createOrg(await adminApi(a));
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const user = await createUser(org.admin.api, org.slug);
      const onB = new Api(b.url, user.api.token);
      const viewer = await tenantViewerRole(org.admin.api, t);

      // Role granted and removed on A; B has cached the user's access in between.
      expect((await org.admin.api.put(`${t}/role-assignments/${user.id}`, { roleIds: [viewer] })).status).toBe(204);
      expect((await onB.get(`${t}/role-assignments`)).status).toBe(200);
      expect((await onB.get(`${t}/role-assignments`)).status).toBe(200);
      expect((await org.admin.api.put(`${t}/role-assignments/${user.id}`, { roleIds: [] })).status).toBe(204);
      await expect.poll(async () => (await onB.get(`${t}/role-assignments`)).status, soon).toBe(403);

      // A personal token revoked on A.
      const pat = await user.api.post("/me/tokens", { name: "two nodes" });
      const patOnB = new Api(b.url, pat.body.token);
      expect((await patOnB.get("/me")).status).toBe(200);
      expect((await user.api.delete(`/me/tokens/${pat.body.id}`)).status).toBe(204);
      await expect.poll(async () => (await patOnB.get("/me")).status, soon).toBe(401);

      // The user disabled on A.
      expect((await onB.get("/me")).status).toBe(200);
      expect((await org.admin.api.patch(`/orgs/${org.slug}/users/${user.id}`, { status: "disabled" })).status).toBe(
        200,
      );
      await expect.poll(async () => (await onB.get("/me")).status, soon).toBe(401);

      // Maintenance of the whole installation started and ended on A.
      const adminOnB = new Api(b.url, org.admin.api.token);
      expect((await adminOnB.get(`${t}/permissions`)).status).toBe(200);
      const host = await adminApi(a);
      expect((await host.post("/host/maintenance/start", { phase: "draining" })).status).toBe(200);
      await expect.poll(async () => (await adminOnB.get(`${t}/permissions`)).status, soon).toBe(503);
      expect((await host.post("/host/maintenance/end", {})).status).toBe(200);
      await expect.poll(async () => (await adminOnB.get(`${t}/permissions`)).status, soon).toBe(200);

      // The organization disabled on A: its users' tokens stop working on B.
      expect((await host.patch(`/host/organizations/${org.slug}`, { status: "disabled" })).status).toBe(200);
      await expect.poll(async () => (await adminOnB.get(`${t}/permissions`)).status, soon).toBe(401);
    } finally {
      for (const node of nodes) await node.stop({ keepData: true });
      await db.drop();
      for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
