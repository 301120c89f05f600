import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSecuritySettings } from "../../src/domain/password-policy.js";
import { Api, expectProblem } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, newPassword, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type Call = [method: string, path: string, body?: unknown];

/** Every host endpoint, each with a body that would be valid, so only authorization can refuse it. */
function hostCalls(org: TestOrg): Call[] {
  return [
    ["GET", "/host/dashboard"],
    ["GET", "/host/administrators"],
    ["POST", "/host/administrators", { username: "intruder", password: newPassword() }],
    ["GET", "/host/administrators/1"],
    ["PATCH", "/host/administrators/1", { status: "disabled" }],
    ["DELETE", "/host/administrators/1"],
    ["POST", "/host/administrators/1/password", { password: newPassword() }],
    ["GET", "/host/organizations"],
    ["POST", "/host/organizations", { name: "Intruder", admin: { email: "i@example.com" } }],
    ["GET", `/host/organizations/${org.slug}`],
    ["PATCH", `/host/organizations/${org.slug}`, { status: "disabled" }],
    ["DELETE", `/host/organizations/${org.slug}`],
    ["GET", `/host/organizations/${org.slug}/tenants`],
    ["POST", `/host/organizations/${org.slug}/tenants`, { name: "Intruder" }],
    ["PATCH", `/host/organizations/${org.slug}/tenants/${org.defaultTenantId}`, { status: "disabled" }],
    ["GET", "/host/maintenance"],
    ["POST", "/host/maintenance/start", { phase: "draining" }],
    ["POST", "/host/maintenance/end", {}],
    ["GET", "/host/settings/security"],
    ["PUT", "/host/settings/security", { ...defaultSecuritySettings, lockoutThreshold: 1 }],
    ["GET", "/host/audit-logs"],
    ["GET", "/host/audit-logs.csv"],
  ];
}

describe.each(testDatabases())("authorization on %s", (database) => {
  let server: TestServer;
  let host: Api;
  let anon: Api;
  let orgA: TestOrg;
  let orgB: TestOrg;
  let userA: TestUser;
  let userB: TestUser;
  let tenantB: number;

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
    anon = new Api(server.url);
    orgA = await createOrg(host);
    orgB = await createOrg(host);
    userA = await createUser(orgA.admin.api, orgA.slug);
    userB = await createUser(orgB.admin.api, orgB.slug);
    tenantB = (await orgB.admin.api.post(`/orgs/${orgB.slug}/tenants`, { name: "B-Only" })).body.id;
  });
  afterAll(async () => server?.stop());

  /** Nothing a refused request might have changed did change. */
  async function expectHostUnchanged(before: { dashboard: unknown; maintenance: string }) {
    expect((await host.get("/host/dashboard")).body).toEqual(before.dashboard);
    expect((await host.get("/host/maintenance")).body.phase).toBe(before.maintenance);
    expect((await host.get("/host/settings/security")).body).toEqual(defaultSecuritySettings);
    expect((await host.get(`/host/organizations/${orgA.slug}`)).body.status).toBe("active");
  }

  it.each(["org user", "org admin"])("answers 403 forbidden to an %s on every /host endpoint", async (who) => {
    const caller = who === "org user" ? userA.api : orgA.admin.api;
    const before = { dashboard: (await host.get("/host/dashboard")).body, maintenance: "none" };
    for (const [method, path, body] of hostCalls(orgA)) {
      const res = await caller.request(method, path, body);
      const problem = expectProblem(res, 403, "forbidden");
      expect(problem.detail, `${method} ${path}`).toBe("This is for system administrators only.");
    }
    await expectHostUnchanged(before);
  });

  it("answers 403 rather than 400 to an org user sending an invalid body to a host endpoint", async () => {
    expectProblem(await userA.api.post("/host/administrators", { bogus: true }), 403, "forbidden");
    expectProblem(await userA.api.get("/host/administrators/not-a-number"), 403, "forbidden");
  });

  it("answers 401 authentication-required to anonymous callers everywhere", async () => {
    const calls: Call[] = [
      ...hostCalls(orgA),
      ["GET", "/me"],
      ["PATCH", "/me", { name: "x" }],
      ["POST", "/me/password", { currentPassword: "a", newPassword: "b" }],
      ["GET", "/me/tokens"],
      ["POST", "/me/tokens", { name: "x" }],
      ["DELETE", "/me/tokens/1"],
      ["GET", "/auth/session"],
      ["POST", "/auth/logout"],
      ["GET", `/orgs/${orgA.slug}`],
      ["GET", `/orgs/${orgA.slug}/users`],
      ["POST", `/orgs/${orgA.slug}/users`, { email: "x@example.com" }],
      ["PATCH", `/orgs/${orgA.slug}/users/${userA.id}`, { status: "disabled" }],
      ["DELETE", `/orgs/${orgA.slug}/users/${userA.id}`],
      ["POST", `/orgs/${orgA.slug}/users/${userA.id}/password`, { password: newPassword() }],
      ["GET", `/orgs/${orgA.slug}/tenants`],
      ["POST", `/orgs/${orgA.slug}/tenants`, { name: "X" }],
      ["GET", `/orgs/${orgA.slug}/tenants/${orgA.defaultTenantId}`],
      ["PATCH", `/orgs/${orgA.slug}/tenants/${orgA.defaultTenantId}`, { name: "X" }],
      ["GET", `/orgs/${orgA.slug}/audit-logs`],
      ["GET", `/orgs/${orgA.slug}/audit-logs.csv`],
      // Unknown organizations are not revealed to anonymous callers either.
      ["GET", "/orgs/no-such-org"],
    ];
    const before = { dashboard: (await host.get("/host/dashboard")).body, maintenance: "none" };
    for (const [method, path, body] of calls) {
      const problem = expectProblem(await anon.request(method, path, body), 401, "authentication-required");
      expect(problem.detail, `${method} ${path}`).toBe("Sign in to continue.");
    }
    await expectHostUnchanged(before);
  });

  it("answers 401 rather than 400 to anonymous callers with invalid input", async () => {
    expectProblem(await anon.post("/host/administrators", {}), 401, "authentication-required");
    expectProblem(await anon.patch(`/orgs/${orgA.slug}/users/abc`, { bogus: 1 }), 401, "authentication-required");
    expectProblem(await anon.post("/me/tokens", { name: 42 }), 401, "authentication-required");
  });

  it("answers 403 to a plain user on the organization's users and audit log", async () => {
    const calls: Call[] = [
      ["GET", `/orgs/${orgA.slug}/users`],
      ["POST", `/orgs/${orgA.slug}/users`, { email: "new@example.com" }],
      ["PATCH", `/orgs/${orgA.slug}/users/${userA.id}`, { role: "org_admin" }],
      ["PATCH", `/orgs/${orgA.slug}/users/${orgA.admin.id}`, { status: "disabled" }],
      ["DELETE", `/orgs/${orgA.slug}/users/${orgA.admin.id}`],
      ["POST", `/orgs/${orgA.slug}/users/${orgA.admin.id}/password`, { password: newPassword() }],
      ["POST", `/orgs/${orgA.slug}/tenants`, { name: "Mine" }],
      ["PATCH", `/orgs/${orgA.slug}/tenants/${orgA.defaultTenantId}`, { status: "disabled" }],
      ["GET", `/orgs/${orgA.slug}/audit-logs`],
      ["GET", `/orgs/${orgA.slug}/audit-logs.csv`],
    ];
    for (const [method, path, body] of calls) {
      const problem = expectProblem(await userA.api.request(method, path, body), 403, "forbidden");
      expect(problem.detail, `${method} ${path}`).toBe("This is for organization administrators only.");
    }
    const users = await orgA.admin.api.get(`/orgs/${orgA.slug}/users`);
    expect(users.body.items.find((u: { id: number }) => u.id === userA.id).role).toBe("user");
    expect(users.body.items.find((u: { id: number }) => u.id === orgA.admin.id).status).toBe("active");
    // What any member may read.
    expect((await userA.api.get(`/orgs/${orgA.slug}`)).status).toBe(200);
    expect((await userA.api.get(`/orgs/${orgA.slug}/tenants`)).status).toBe(200);
  });

  describe("cross-organization isolation", () => {
    it("answers 404 to an admin of org A for everything of org B, by slug and by id", async () => {
      const a = orgA.admin.api;
      for (const ref of [orgB.slug, String(orgB.id)]) {
        const calls: Call[] = [
          ["GET", `/orgs/${ref}`],
          ["GET", `/orgs/${ref}/users`],
          ["POST", `/orgs/${ref}/users`, { email: "spy@example.com", password: newPassword() }],
          ["PATCH", `/orgs/${ref}/users/${userB.id}`, { status: "disabled" }],
          ["DELETE", `/orgs/${ref}/users/${userB.id}`],
          ["POST", `/orgs/${ref}/users/${userB.id}/password`, { password: newPassword() }],
          ["GET", `/orgs/${ref}/tenants`],
          ["POST", `/orgs/${ref}/tenants`, { name: "Spy" }],
          ["GET", `/orgs/${ref}/tenants/${tenantB}`],
          ["GET", `/orgs/${ref}/tenants/B-Only`],
          ["PATCH", `/orgs/${ref}/tenants/${tenantB}`, { name: "Hijacked" }],
          ["GET", `/orgs/${ref}/audit-logs`],
          ["GET", `/orgs/${ref}/audit-logs.csv`],
        ];
        for (const [method, path, body] of calls) {
          const problem = expectProblem(await a.request(method, path, body), 404, "not-found");
          expect(problem.detail, `${method} ${path}`).toBe("The organization was not found.");
        }
      }
      // Same answer as for an organization that does not exist.
      const missing = await a.get("/orgs/no-such-org-at-all");
      const other = await a.get(`/orgs/${orgB.slug}`);
      expect(other.text).toBe(missing.text);
    });

    it("answers 404 to an admin of org A for org B's user and tenant ids under org A's own paths", async () => {
      const a = orgA.admin.api;
      const calls: Call[] = [
        ["PATCH", `/orgs/${orgA.slug}/users/${userB.id}`, { status: "disabled" }],
        ["PATCH", `/orgs/${orgA.slug}/users/${orgB.admin.id}`, { role: "user" }],
        ["DELETE", `/orgs/${orgA.slug}/users/${userB.id}`],
        ["POST", `/orgs/${orgA.slug}/users/${userB.id}/password`, { password: newPassword() }],
        ["GET", `/orgs/${orgA.slug}/tenants/${tenantB}`],
        ["GET", `/orgs/${orgA.slug}/tenants/${orgB.defaultTenantId}`],
        ["GET", `/orgs/${orgA.slug}/tenants/B-Only`],
        ["PATCH", `/orgs/${orgA.slug}/tenants/${tenantB}`, { name: "Hijacked" }],
        ["PATCH", `/orgs/${orgA.slug}/tenants/${orgB.defaultTenantId}`, { status: "disabled" }],
      ];
      for (const [method, path, body] of calls) {
        const res = await a.request(method, path, body);
        expectProblem(res, 404, "not-found");
      }
      // Org B is untouched: its user still signs in, its tenants keep their names and status.
      expect((await userB.api.get("/me")).status).toBe(200);
      const tenants = await orgB.admin.api.get(`/orgs/${orgB.slug}/tenants`);
      expect(tenants.body.items.map((t: { name: string; status: string }) => [t.name, t.status])).toEqual([
        ["Default", "active"],
        ["B-Only", "active"],
      ]);
      const users = await orgB.admin.api.get(`/orgs/${orgB.slug}/users`);
      expect(users.body.items.map((u: { role: string; status: string }) => [u.role, u.status])).toEqual([
        ["org_admin", "active"],
        ["user", "active"],
      ]);
    });

    it("never lists another organization's users, tenants or audit rows", async () => {
      const users = await orgA.admin.api.get(`/orgs/${orgA.slug}/users`);
      expect(users.body.items.map((u: { id: number }) => u.id).sort()).toEqual([orgA.admin.id, userA.id].sort());
      const tenants = await orgA.admin.api.get(`/orgs/${orgA.slug}/tenants`);
      expect(tenants.body.items.every((t: { orgId: number }) => t.orgId === orgA.id)).toBe(true);
      const audit = await orgA.admin.api.get(`/orgs/${orgA.slug}/audit-logs?limit=500`);
      const text = JSON.stringify(audit.body);
      expect(text).not.toContain(userB.email);
      expect(text).not.toContain(orgB.admin.email);
      expect(text).not.toContain("B-Only");
    });

    it("lets a system administrator act in any organization", async () => {
      expect((await host.get(`/orgs/${orgB.slug}/users`)).status).toBe(200);
      expect((await host.get(`/orgs/${orgB.id}/tenants/${tenantB}`)).status).toBe(200);
      expect((await host.get(`/orgs/${orgB.slug}/audit-logs`)).status).toBe(200);
    });
  });

  describe("the last organization administrator", () => {
    it("cannot be demoted, disabled or deleted, also not by itself", async () => {
      const org = await createOrg(host);
      const user = await createUser(org.admin.api, org.slug);
      for (const caller of [org.admin.api, host]) {
        for (const [method, body] of [
          ["PATCH", { role: "user" }],
          ["PATCH", { status: "disabled" }],
          ["PATCH", { role: "user", status: "disabled" }],
          ["DELETE", undefined],
        ] as const) {
          const res = await caller.request(method, `/orgs/${org.slug}/users/${org.admin.id}`, body);
          const problem = expectProblem(res, 409, "last-administrator");
          expect(problem.detail).toBe("An organization must keep at least one active organization administrator.");
        }
      }
      const users = await host.get(`/orgs/${org.slug}/users`);
      expect(users.body.items.find((u: { id: number }) => u.id === org.admin.id)).toMatchObject({
        role: "org_admin",
        status: "active",
      });
      expect((await org.admin.api.get("/me")).status).toBe(200);
      // Other edits of the last administrator are fine.
      expect(
        (await org.admin.api.patch(`/orgs/${org.slug}/users/${org.admin.id}`, { name: "Still Boss" })).status,
      ).toBe(200);
      // A disabled administrator does not count.
      const second = await org.admin.api.patch(`/orgs/${org.slug}/users/${user.id}`, {
        role: "org_admin",
        status: "disabled",
      });
      expect(second.status).toBe(200);
      expectProblem(
        await org.admin.api.patch(`/orgs/${org.slug}/users/${org.admin.id}`, { role: "user" }),
        409,
        "last-administrator",
      );
    });

    it("can be demoted once another active administrator exists", async () => {
      const org = await createOrg(host);
      const second = await createUser(org.admin.api, org.slug, { role: "org_admin" });
      const res = await second.api.patch(`/orgs/${org.slug}/users/${org.admin.id}`, { role: "user" });
      expect(res.status, res.text).toBe(200);
      expect(res.body.role).toBe("user");
      // The former administrator lost its rights at once.
      expectProblem(await org.admin.api.get(`/orgs/${org.slug}/users`), 403, "forbidden");
      // And now the second is the last one.
      expectProblem(await second.api.delete(`/orgs/${org.slug}/users/${second.id}`), 409, "last-administrator");
    });
  });
});
