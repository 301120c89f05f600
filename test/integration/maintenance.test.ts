import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Api, type ApiResponse, expectProblem } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, Session, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Asserts the 503 maintenance problem with its Retry-After header. */
function expectMaintenance(res: ApiResponse, scope: "host" | "tenant") {
  const problem = expectProblem(res, 503, "maintenance");
  expect(problem).toEqual({
    type: "maintenance",
    title: "Under maintenance",
    status: 503,
    detail:
      scope === "host"
        ? "Dirigent is under maintenance. Please try again later."
        : "This tenant is under maintenance. Please try again later.",
    scope,
    expectedEndAt: null,
  });
  expect(res.headers.get("retry-after")).toBe("120");
}

describe.each(testDatabases())("maintenance on %s", (database) => {
  let server: TestServer;
  let host: Api;
  let anon: Api;
  let org: TestOrg;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
    anon = new Api(server.url);
    org = await createOrg(host);
    user = await createUser(org.admin.api, org.slug);
  });
  afterAll(async () => server?.stop());

  // Whatever a test did, the next one starts without maintenance.
  afterEach(async () => {
    const state = await host.get("/host/maintenance");
    if (state.body.phase !== "none") await host.post("/host/maintenance/end", {});
    for (const t of state.body.tenants) await host.post("/host/maintenance/end", { tenantId: t.tenantId });
  });

  const start = (phase: "draining" | "suspended", extra: object = {}) =>
    host.post("/host/maintenance/start", { phase, ...extra });

  it("reports no maintenance when none was started", async () => {
    const res = await host.get("/host/maintenance");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ phase: "none", current: null, tenants: [] });
    expect(Array.isArray(res.body.log)).toBe(true);
  });

  it("moves none → draining → suspended → none and logs each step", async () => {
    const draining = await start("draining");
    expect(draining.status, draining.text).toBe(200);
    expect(draining.body.phase).toBe("draining");
    expect(draining.body.current).toEqual({
      id: expect.any(Number),
      phase: "draining",
      tenantId: null,
      killJobs: false,
      startedAt: expect.stringMatching(/Z$/),
      startedBy: "admin",
      expectedEndAt: null,
      jobStopsAttempted: 0,
      jobKillsAttempted: 0,
      triggersSkipped: 0,
    });
    expect(draining.body.log[0]).toEqual({
      phase: "draining",
      actorName: "admin",
      createdAt: expect.any(String),
      tenantId: null,
    });
    expect((await host.get("/host/maintenance")).body).toEqual(draining.body);

    const suspended = await start("suspended", { killJobs: true });
    expect(suspended.status, suspended.text).toBe(200);
    expect(suspended.body.phase).toBe("suspended");
    expect(suspended.body.current).toMatchObject({ id: draining.body.current.id, phase: "suspended", killJobs: true });
    expect((await host.get("/host/dashboard")).body.maintenance).toEqual({ phase: "suspended" });

    const ended = await host.post("/host/maintenance/end", {});
    expect(ended.status, ended.text).toBe(200);
    expect(ended.body).toMatchObject({ phase: "none", current: null, tenants: [] });
    expect(ended.body.log.slice(0, 3).map((e: { phase: string }) => e.phase)).toEqual([
      "none",
      "suspended",
      "draining",
    ]);
  });

  it("ends draining directly", async () => {
    expect((await start("draining")).status).toBe(200);
    const ended = await host.post("/host/maintenance/end", {});
    expect(ended.status).toBe(200);
    expect(ended.body.phase).toBe("none");
  });

  it("ends maintenance when the request has no body at all", async () => {
    expect((await start("draining")).status).toBe(200);
    const res = await host.request("POST", "/host/maintenance/end");
    expect(res.status, res.text).toBe(200);
    expect(res.body.phase).toBe("none");
  });

  it("returns 409 invalid-state-transition for moves the table does not allow, and changes nothing", async () => {
    const auditBefore = (await host.get("/host/audit-logs?component=Maintenance&limit=500")).body.items.length;
    const suspendedFromNone = expectProblem(await start("suspended"), 409, "invalid-state-transition");
    expect(suspendedFromNone).toMatchObject({
      detail: "Maintenance cannot move from none to suspended.",
      from: "none",
      to: "suspended",
    });
    const endWhenNone = expectProblem(await host.post("/host/maintenance/end", {}), 409, "invalid-state-transition");
    expect(endWhenNone.detail).toBe("Maintenance mode is not active.");
    expect((await host.get("/host/maintenance")).body.phase).toBe("none");

    expect((await start("draining")).status).toBe(200);
    const twice = expectProblem(await start("draining"), 409, "invalid-state-transition");
    expect(twice).toMatchObject({ from: "draining", to: "draining" });
    expect((await start("suspended")).status).toBe(200);
    expect(expectProblem(await start("suspended"), 409, "invalid-state-transition")).toMatchObject({
      from: "suspended",
      to: "suspended",
    });
    expect(expectProblem(await start("draining"), 409, "invalid-state-transition")).toMatchObject({
      from: "suspended",
      to: "draining",
    });
    expect((await host.get("/host/maintenance")).body.phase).toBe("suspended");
    // Only the two accepted moves were audited.
    const auditAfter = (await host.get("/host/audit-logs?component=Maintenance&limit=500")).body.items.length;
    expect(auditAfter - auditBefore).toBe(2);
  });

  it.each(["draining", "suspended"] as const)(
    "answers organization users with 503 and Retry-After while the installation is %s; health and system administrators keep working",
    async (phase) => {
      const session = await Session.login(server.url, {
        organization: org.slug,
        email: user.email,
        password: user.password,
      });
      const pat = (await user.api.post("/me/tokens", { name: "ci" })).body.token;
      expect((await start("draining")).status).toBe(200);
      if (phase === "suspended") expect((await start("suspended")).status).toBe(200);

      expectMaintenance(await user.api.get("/me"), "host");
      expectMaintenance(await user.api.get(`/orgs/${org.slug}`), "host");
      expectMaintenance(await user.api.patch("/me", { name: "x" }), "host");
      expectMaintenance(await org.admin.api.get(`/orgs/${org.slug}/users`), "host");
      expectMaintenance(await anon.withToken(pat).get("/me"), "host");
      expectMaintenance(await session.request("GET", "/auth/session"), "host");
      const credentials = { organization: org.slug, email: user.email, password: user.password };
      expectMaintenance(await anon.post("/auth/token", credentials), "host");
      expectMaintenance(await anon.post("/auth/login", credentials), "host");

      const health = await anon.get("/health");
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: "ok" });
      expect((await host.get("/host/organizations")).status).toBe(200);
      expect((await host.get(`/orgs/${org.slug}/users`)).status).toBe(200);
      const adminLogin = await anon.post("/auth/token", { username: "admin", password: server.adminPassword });
      expect(adminLogin.status).toBe(200);
      expect((await anon.withToken(adminLogin.body.accessToken).get("/me")).status).toBe(200);
      expect(
        (await Session.login(server.url, { username: "admin", password: server.adminPassword })).csrfToken,
      ).not.toBe("");

      expect((await host.post("/host/maintenance/end", {})).status).toBe(200);
      // Nothing was revoked: the same tokens and session work again.
      expect((await user.api.get("/me")).status).toBe(200);
      expect((await anon.withToken(pat).get("/me")).status).toBe(200);
      expect((await session.request("GET", "/auth/session")).status).toBe(200);
      expect((await anon.post("/auth/token", credentials)).status).toBe(200);
    },
  );

  it("counts Retry-After down to the end the administrator announced, and names it (issue #12, defect 7)", async () => {
    const end = new Date(Date.now() + 30 * 60_000);
    const draining = await start("draining", { expectedEndAt: end.toISOString() });
    expect(draining.status, draining.text).toBe(200);
    expect(draining.body.current.expectedEndAt).toBe(end.toISOString());
    const res = await user.api.get("/me");
    expect(expectProblem(res, 503, "maintenance")).toMatchObject({ scope: "host", expectedEndAt: end.toISOString() });
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(25 * 60);
    expect(retryAfter).toBeLessThanOrEqual(30 * 60);

    // Moving on keeps the announced end unless a new one is given; null withdraws it.
    const suspended = await start("suspended");
    expect(suspended.body.current.expectedEndAt).toBe(end.toISOString());
    expect(Number((await user.api.get("/me")).headers.get("retry-after"))).toBeGreaterThan(25 * 60);
    expect((await host.post("/host/maintenance/end", {})).status).toBe(200);
    expect((await start("draining", { expectedEndAt: end.toISOString() })).status).toBe(200);
    const withdrawn = await start("suspended", { expectedEndAt: null });
    expect(withdrawn.body.current.expectedEndAt).toBeNull();
    expectMaintenance(await user.api.get("/me"), "host");

    // A tenant window with an end beside the installation's without one: the end is not known.
    expect((await host.post("/host/maintenance/end", {})).status).toBe(200);
    const inTenant = await start("draining", { tenantId: org.defaultTenantId, expectedEndAt: end.toISOString() });
    expect(inTenant.status, inTenant.text).toBe(200);
    const tenantPath = `/orgs/${org.slug}/tenants/${org.defaultTenantId}/folders`;
    expect(expectProblem(await user.api.get(tenantPath), 503, "maintenance")).toMatchObject({
      scope: "tenant",
      expectedEndAt: end.toISOString(),
    });
    expect((await start("draining")).status).toBe(200);
    expectMaintenance(await user.api.get("/me"), "host");
  });

  it("refuses an announced end in the past or not a time, naming the field, and starts nothing", async () => {
    for (const expectedEndAt of [new Date(Date.now() - 60_000).toISOString(), "tomorrow", 5]) {
      const res = await start("draining", { expectedEndAt });
      expect(expectProblem(res, 400, "validation-failed").errors?.map((e) => e.path)).toEqual(["expectedEndAt"]);
    }
    expect((await host.get("/host/maintenance")).body.phase).toBe("none");
  });

  it("does not record a login refused for maintenance as a successful login", async () => {
    const member = await createUser(org.admin.api, org.slug);
    const logins = async () =>
      (await org.admin.api.get(`/orgs/${org.slug}/audit-logs?action=Login&actor=${encodeURIComponent(member.email)}`))
        .body.items.length;
    const lastLogin = async () =>
      (await host.get(`/orgs/${org.slug}/users`)).body.items.find((u: { id: number }) => u.id === member.id)
        .lastLoginAt;
    const before = { logins: await logins(), lastLogin: await lastLogin() };
    expect((await start("draining")).status).toBe(200);
    expectMaintenance(
      await anon.post("/auth/token", { organization: org.slug, email: member.email, password: member.password }),
      "host",
    );
    expect((await host.post("/host/maintenance/end", {})).status).toBe(200);
    expect(await logins()).toBe(before.logins);
    expect(await lastLogin()).toBe(before.lastLogin);
  });

  describe("one tenant", () => {
    it("answers that tenant's requests of its organization's users with 503; other tenants and organizations go on", async () => {
      const second = await org.admin.api.post(`/orgs/${org.slug}/tenants`, { name: `Second ${Date.now()}` });
      expect(second.status).toBe(201);
      const other = await createOrg(host);
      const started = await start("draining", { tenantId: org.defaultTenantId });
      expect(started.status, started.text).toBe(200);
      expect(started.body.phase).toBe("none");
      expect(started.body.current).toBeNull();
      expect(started.body.tenants).toEqual([
        {
          tenantId: org.defaultTenantId,
          tenantName: "Default",
          orgId: org.id,
          orgSlug: org.slug,
          orgName: org.name,
          phase: "draining",
          window: expect.objectContaining({ tenantId: org.defaultTenantId, phase: "draining", startedBy: "admin" }),
        },
      ]);
      expect(started.body.log[0]).toMatchObject({ phase: "draining", tenantId: org.defaultTenantId });

      expectMaintenance(await user.api.get(`/orgs/${org.slug}/tenants/${org.defaultTenantId}`), "tenant");
      expectMaintenance(await user.api.get(`/orgs/${org.slug}/tenants/default`), "tenant");
      expectMaintenance(await org.admin.api.get(`/orgs/${org.id}/tenants/${org.defaultTenantId}`), "tenant");
      expect((await user.api.get(`/orgs/${org.slug}/tenants/${second.body.id}`)).status).toBe(200);
      expect((await user.api.get(`/orgs/${org.slug}`)).status).toBe(200);
      expect((await user.api.get("/me")).status).toBe(200);
      expect(
        (await anon.post("/auth/token", { organization: org.slug, email: user.email, password: user.password })).status,
      ).toBe(200);
      expect((await other.admin.api.get(`/orgs/${other.slug}/tenants/${other.defaultTenantId}`)).status).toBe(200);
      // System administrators are never stopped.
      expect((await host.get(`/orgs/${org.slug}/tenants/${org.defaultTenantId}`)).status).toBe(200);

      expect((await start("suspended", { tenantId: org.defaultTenantId })).body.tenants[0].phase).toBe("suspended");
      expectMaintenance(await user.api.get(`/orgs/${org.slug}/tenants/${org.defaultTenantId}`), "tenant");

      const ended = await host.post("/host/maintenance/end", { tenantId: org.defaultTenantId });
      expect(ended.status).toBe(200);
      expect(ended.body.tenants).toEqual([]);
      expect((await user.api.get(`/orgs/${org.slug}/tenants/${org.defaultTenantId}`)).status).toBe(200);
      expectProblem(
        await host.post("/host/maintenance/end", { tenantId: org.defaultTenantId }),
        409,
        "invalid-state-transition",
      );
    });

    it("keeps host and tenant maintenance apart", async () => {
      expect((await start("draining", { tenantId: org.defaultTenantId })).status).toBe(200);
      const both = await start("draining");
      expect(both.status).toBe(200);
      expect(both.body.phase).toBe("draining");
      expect(both.body.tenants).toHaveLength(1);
      // The host's window says "host" even for the tenant's own paths.
      expectMaintenance(await user.api.get(`/orgs/${org.slug}/tenants/${org.defaultTenantId}`), "host");
      const hostEnded = await host.post("/host/maintenance/end", {});
      expect(hostEnded.body.phase).toBe("none");
      expect(hostEnded.body.tenants).toHaveLength(1);
      expectMaintenance(await user.api.get(`/orgs/${org.slug}/tenants/${org.defaultTenantId}`), "tenant");
      expect((await user.api.get("/me")).status).toBe(200);
    });

    it("answers 404 for an unknown tenant id and starts nothing", async () => {
      expectProblem(await start("draining", { tenantId: 999_999 }), 404, "not-found");
      expectProblem(await host.post("/host/maintenance/end", { tenantId: 999_999 }), 404, "not-found");
      const state = await host.get("/host/maintenance");
      expect(state.body).toMatchObject({ phase: "none", tenants: [] });
    });
  });

  it("audits every change with before and after phases", async () => {
    const ua = `maint-${Date.now()}`;
    const send = (path: string, body: object) => host.request("POST", path, body, { "user-agent": ua });
    await send("/host/maintenance/start", { phase: "draining" });
    await send("/host/maintenance/start", { phase: "suspended", killJobs: true });
    await send("/host/maintenance/end", {});
    await send("/host/maintenance/start", { phase: "draining", tenantId: org.defaultTenantId });
    await send("/host/maintenance/end", { tenantId: org.defaultTenantId });
    const rows = (await host.get("/host/audit-logs?component=Maintenance&limit=500")).body.items
      .filter((r: { userAgent: string }) => r.userAgent === ua)
      .reverse();
    const hostTarget = { type: "host", id: "host", name: "Host" };
    const tenantTarget = { type: "tenant", id: String(org.defaultTenantId), name: "Default" };
    expect(
      rows.map((r: { action: string; target: unknown; before: unknown; after: unknown }) => [
        r.action,
        r.target,
        r.before,
        r.after,
      ]),
    ).toEqual([
      ["Start", hostTarget, { phase: "none" }, { phase: "draining", killJobs: false }],
      ["Start", hostTarget, { phase: "draining" }, { phase: "suspended", killJobs: true }],
      ["End", hostTarget, { phase: "suspended" }, { phase: "none" }],
      ["Start", tenantTarget, { phase: "none" }, { phase: "draining", killJobs: false }],
      ["End", tenantTarget, { phase: "draining" }, { phase: "none" }],
    ]);
    for (const r of rows)
      expect(r).toMatchObject({
        actor: { kind: "admin", name: "admin" },
        component: "Maintenance",
        clientIp: "127.0.0.1",
      });
  });
});

describe.each(testDatabases())("maintenance across a restart on %s", (database) => {
  it("keeps the phase, the tenant windows and the log when the server restarts", async () => {
    const first = await startTestServer({ database });
    let second: TestServer | undefined;
    try {
      const host = await adminApi(first);
      const org = await createOrg(host);
      const user = await createUser(org.admin.api, org.slug);
      expect((await host.post("/host/maintenance/start", { phase: "draining" })).status).toBe(200);
      expect((await host.post("/host/maintenance/start", { phase: "suspended" })).status).toBe(200);
      const before = await host.post("/host/maintenance/start", { phase: "draining", tenantId: org.defaultTenantId });
      expect(before.status).toBe(200);
      await first.stop({ keepData: true });

      second = await startTestServer({ database, reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl } });
      const host2 = await adminApi(second);
      const after = await host2.get("/host/maintenance");
      expect(after.body).toEqual(before.body);
      expect(after.body.phase).toBe("suspended");
      expect(after.body.log.map((e: { phase: string }) => e.phase)).toEqual(["draining", "suspended", "draining"]);
      // The user's token from before the restart is still valid, and still held back.
      expectMaintenance(await new Api(second.url).withToken(user.api.token as string).get("/me"), "host");
      expect((await host2.post("/host/maintenance/end", {})).status).toBe(200);
      expect((await new Api(second.url).withToken(user.api.token as string).get("/me")).status).toBe(200);
      expectMaintenance(
        await new Api(second.url)
          .withToken(user.api.token as string)
          .get(`/orgs/${org.slug}/tenants/${org.defaultTenantId}`),
        "tenant",
      );
    } finally {
      await (second ?? first).stop();
    }
  });
});
