import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slugify } from "../../src/domain/slugs.js";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, newPassword, Session } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe.each(testDatabases())("organizations and tenants on %s", (database) => {
  let server: TestServer;
  let host: Api;
  let anon: Api;
  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
    anon = new Api(server.url);
  });
  afterAll(async () => server?.stop());

  describe("creating", () => {
    it("creates the organization, its Default tenant and its first org administrator, who can sign in", async () => {
      const slug = unique("acme");
      const email = `${unique("Owner")}@Example.COM`;
      const password = newPassword();
      const res = await host.post("/host/organizations", {
        name: "  ACME Corp ",
        slug,
        admin: { email, name: "Olive Owner", password, locale: "de" },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        name: "ACME Corp",
        slug,
        status: "active",
        tenantCount: 1,
        userCount: 1,
        createdAt: isoTime,
        updatedAt: isoTime,
      });
      expect(res.text).not.toContain(password);

      const tenants = await host.get(`/host/organizations/${slug}/tenants`);
      expect(tenants.body.items).toEqual([
        {
          id: expect.any(Number),
          orgId: res.body.id,
          name: "Default",
          status: "active",
          logRetentionDays: 30,
          createdAt: isoTime,
          updatedAt: isoTime,
        },
      ]);

      const token = await anon.post("/auth/token", { organization: slug, email, password });
      expect(token.status, token.text).toBe(200);
      const orgAdmin = anon.withToken(token.body.accessToken);
      const users = await orgAdmin.get(`/orgs/${slug}/users`);
      expect(users.body.items).toEqual([
        {
          id: expect.any(Number),
          email: email.toLowerCase(),
          name: "Olive Owner",
          role: "org_admin",
          status: "active",
          locale: "de",
          hasPassword: true,
          createdAt: isoTime,
          lastLoginAt: isoTime,
          lockedUntil: null,
        },
      ]);
      const org = await orgAdmin.get(`/orgs/${slug}`);
      expect(org.body).toEqual({ id: res.body.id, name: "ACME Corp", slug, status: "active", createdAt: isoTime });
    });

    it("creates the first administrator without a password as invited: hasPassword false, cannot sign in", async () => {
      const slug = unique("inv");
      const email = `${unique("invited")}@example.com`;
      const res = await host.post("/host/organizations", { name: "Invited Inc", slug, admin: { email } });
      expect(res.status, res.text).toBe(201);
      const users = await host.get(`/orgs/${slug}/users`);
      expect(users.body.items).toEqual([
        expect.objectContaining({ email, name: email, role: "org_admin", hasPassword: false, locale: "en" }),
      ]);
      for (const password of ["", "anything-Passw0rd"]) {
        const login = await anon.post("/auth/token", { organization: slug, email, password });
        expect(login.status).toBe(password === "" ? 400 : 401);
      }
      // Once a password is set (by a system administrator here), the administrator can sign in.
      const next = newPassword();
      const set = await host.post(`/orgs/${slug}/users/${users.body.items[0].id}/password`, { password: next });
      expect(set.status, set.text).toBe(204);
      expect((await anon.post("/auth/token", { organization: slug, email, password: next })).status).toBe(200);
    });

    it("derives the slug from the name when none is given", async () => {
      const suffix = unique("x");
      const name = `Müller & Söhne GmbH ${suffix}`;
      const res = await host.post("/host/organizations", { name, admin: { email: `${unique("m")}@example.com` } });
      expect(res.status, res.text).toBe(201);
      expect(res.body.slug).toBe(`muller-sohne-gmbh-${suffix.toLowerCase()}`);
      expect(res.body.slug).toBe(slugify(name));
      // An empty slug counts as absent.
      const empty = await host.post("/host/organizations", {
        name: `Empty Slug ${suffix}`,
        slug: "  ",
        admin: { email: `${unique("m")}@example.com` },
      });
      expect(empty.status, empty.text).toBe(201);
      expect(empty.body.slug).toBe(slugify(`Empty Slug ${suffix}`));
    });

    it("lower-cases a given slug", async () => {
      const slug = unique("UPPER");
      const res = await host.post("/host/organizations", { name: "Upper", slug, admin: { email: "u@example.com" } });
      expect(res.status, res.text).toBe(201);
      expect(res.body.slug).toBe(slug.toLowerCase());
    });

    it.each([
      ["spaces", "has spaces"],
      ["an underscore", "has_underscore"],
      ["a leading dash", "-leading"],
      ["a trailing dash", "trailing-"],
      ["an umlaut", "müller"],
    ])("refuses a slug with %s, naming the slug field", async (_name, slug) => {
      const problem = expectProblem(
        await host.post("/host/organizations", { name: "Bad Slug", slug, admin: { email: "a@example.com" } }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual([
        {
          path: "slug",
          message: "must be 1–63 lower-case letters, digits or dashes, not starting or ending with a dash",
        },
      ]);
    });

    it("refuses a slug longer than 63 characters", async () => {
      const problem = expectProblem(
        await host.post("/host/organizations", {
          name: "Long",
          slug: "a".repeat(64),
          admin: { email: "a@example.com" },
        }),
        400,
        "validation-failed",
      );
      expect(problem.errors?.map((e) => e.path)).toEqual(["slug"]);
    });

    it.each(["admin", "api", "host", "login"])("refuses the reserved slug %j", async (slug) => {
      const problem = expectProblem(
        await host.post("/host/organizations", { name: "Reserved", slug, admin: { email: "a@example.com" } }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual([{ path: "slug", message: `"${slug}" is reserved` }]);
    });

    it("names the name field when the name gives no usable slug", async () => {
      const problem = expectProblem(
        await host.post("/host/organizations", { name: "!!!", admin: { email: "a@example.com" } }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual([{ path: "name", message: "gives no usable slug; enter a slug" }]);
    });

    it("refuses a taken slug with 409 already-exists and creates nothing", async () => {
      const org = await createOrg(host);
      const before = await host.get("/host/dashboard");
      const problem = expectProblem(
        await host.post("/host/organizations", {
          name: "Copy",
          slug: org.slug.toUpperCase(),
          admin: { email: `${unique("c")}@example.com`, password: newPassword() },
        }),
        409,
        "already-exists",
      );
      expect(problem.errors).toEqual([{ path: "slug", message: "is already taken" }]);
      const after = await host.get("/host/dashboard");
      expect(after.body.organizations).toEqual(before.body.organizations);
      expect(after.body.tenants).toEqual(before.body.tenants);
      expect(after.body.users).toEqual(before.body.users);
    });
  });

  describe("reading", () => {
    it("lists organizations with tenant and user counts and status", async () => {
      const org = await createOrg(host);
      await createUser(org.admin.api, org.slug);
      await org.admin.api.post(`/orgs/${org.slug}/tenants`, { name: "Second" });
      const list = await host.get("/host/organizations?limit=500");
      expect(list.status).toBe(200);
      const item = list.body.items.find((o: { id: number }) => o.id === org.id);
      expect(item).toEqual({
        id: org.id,
        name: org.name,
        slug: org.slug,
        status: "active",
        tenantCount: 2,
        userCount: 2,
        createdAt: isoTime,
        updatedAt: isoTime,
      });
    });

    it("filters the list by name or slug and pages with a cursor", async () => {
      const tag = unique("flt");
      const made = [];
      for (let i = 0; i < 3; i++) made.push(await createOrg(host, { name: `Filter ${tag} ${i}` }));
      const byName = await host.get(`/host/organizations?q=${encodeURIComponent(tag.toUpperCase())}`);
      expect(byName.body.items.map((o: { id: number }) => o.id)).toEqual(made.map((o) => o.id));
      const bySlug = await host.get(`/host/organizations?q=${made[1]?.slug}`);
      expect(bySlug.body.items.map((o: { id: number }) => o.id)).toEqual([made[1]?.id]);

      const first = await host.get(`/host/organizations?q=${tag}&limit=2`);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toBe(String(made[1]?.id));
      const second = await host.get(`/host/organizations?q=${tag}&limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((o: { id: number }) => o.id)).toEqual([made[2]?.id]);
      expect(second.body.nextCursor).toBeNull();
    });

    it("treats LIKE wildcards in the filter literally", async () => {
      const res = await host.get(`/host/organizations?q=${encodeURIComponent("%")}`);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    });

    it("gets an organization by id and by slug (any case)", async () => {
      const org = await createOrg(host);
      const byId = await host.get(`/host/organizations/${org.id}`);
      const bySlug = await host.get(`/host/organizations/${org.slug.toUpperCase()}`);
      expect(byId.status).toBe(200);
      expect(byId.body).toMatchObject({ id: org.id, slug: org.slug, tenantCount: 1, userCount: 1 });
      expect(bySlug.body).toEqual(byId.body);
      expectProblem(await host.get("/host/organizations/999999"), 404, "not-found");
      expectProblem(await host.get(`/host/organizations/${unique("nope")}`), 404, "not-found");
    });
  });

  describe("changing", () => {
    it("renames an organization", async () => {
      const org = await createOrg(host);
      const res = await host.patch(`/host/organizations/${org.slug}`, { name: "Renamed Org" });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ id: org.id, name: "Renamed Org", slug: org.slug, status: "active" });
      expect((await org.admin.api.get(`/orgs/${org.id}`)).body.name).toBe("Renamed Org");
    });

    it("disabling stops its users at once (sessions, tokens, logins); enabling lets them sign in again", async () => {
      const org = await createOrg(host);
      const user = await createUser(org.admin.api, org.slug);
      const session = await Session.login(server.url, {
        organization: org.slug,
        email: user.email,
        password: user.password,
      });
      const pat = await user.api.post("/me/tokens", { name: "ci" });
      expect(pat.status).toBe(201);

      const res = await host.patch(`/host/organizations/${org.id}`, { status: "disabled" });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe("disabled");

      expectProblem(await user.api.get("/me"), 401, "authentication-required");
      expectProblem(await org.admin.api.get(`/orgs/${org.slug}`), 401, "authentication-required");
      expectProblem(await anon.withToken(pat.body.token).get("/me"), 401, "authentication-required");
      expectProblem(await session.request("GET", "/auth/session"), 401, "authentication-required");
      const refused = await anon.post("/auth/token", {
        organization: org.slug,
        email: user.email,
        password: user.password,
      });
      expectProblem(refused, 401, "invalid-credentials");
      // Its data is still there for system administrators.
      expect((await host.get(`/host/organizations/${org.id}`)).body).toMatchObject({
        status: "disabled",
        userCount: 2,
      });

      expect((await host.patch(`/host/organizations/${org.id}`, { status: "active" })).body.status).toBe("active");
      expect(
        (await anon.post("/auth/token", { organization: org.slug, email: user.email, password: user.password })).status,
      ).toBe(200);
      // Tokens revoked by the disabling stay revoked.
      expectProblem(await user.api.get("/me"), 401, "authentication-required");
    });

    it("deletes an organization: it is gone, its users cannot sign in and their tokens stop", async () => {
      const org = await createOrg(host);
      const user = await createUser(org.admin.api, org.slug);
      const res = await host.delete(`/host/organizations/${org.slug}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe("");
      expectProblem(await host.get(`/host/organizations/${org.id}`), 404, "not-found");
      expectProblem(await host.get(`/host/organizations/${org.id}/tenants`), 404, "not-found");
      expectProblem(await user.api.get("/me"), 401, "authentication-required");
      expectProblem(await org.admin.api.get(`/orgs/${org.id}`), 401, "authentication-required");
      for (const u of [user, org.admin]) {
        const login = await anon.post("/auth/token", { organization: org.slug, email: u.email, password: u.password });
        expectProblem(login, 401, "invalid-credentials");
      }
      expect(
        (await host.get("/host/organizations?limit=500")).body.items.some((o: { id: number }) => o.id === org.id),
      ).toBe(false);
      expectProblem(await host.delete(`/host/organizations/${org.slug}`), 404, "not-found");
      // The slug is free again.
      const again = await host.post("/host/organizations", {
        name: "Again",
        slug: org.slug,
        admin: { email: user.email },
      });
      expect(again.status, again.text).toBe(201);
      expect(again.body).toMatchObject({ tenantCount: 1, userCount: 1 });
    });

    it("answers 404 when changing an unknown organization", async () => {
      expectProblem(await host.patch("/host/organizations/999999", { name: "x" }), 404, "not-found");
      expectProblem(await host.delete(`/host/organizations/${unique("ghost")}`), 404, "not-found");
    });
  });

  describe("tenants", () => {
    it("creates, renames, disables and enables tenants through the host API", async () => {
      const org = await createOrg(host);
      const created = await host.post(`/host/organizations/${org.slug}/tenants`, { name: " Production " });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        orgId: org.id,
        name: "Production",
        status: "active",
        logRetentionDays: 30,
        createdAt: isoTime,
        updatedAt: isoTime,
      });
      const id = created.body.id;
      const renamed = await host.patch(`/host/organizations/${org.slug}/tenants/${id}`, { name: "Prod" });
      expect(renamed.status, renamed.text).toBe(200);
      expect(renamed.body).toMatchObject({ id, name: "Prod", status: "active" });
      const disabled = await host.patch(`/host/organizations/${org.id}/tenants/prod`, { status: "disabled" });
      expect(disabled.body).toMatchObject({ id, status: "disabled" });
      const enabled = await host.patch(`/host/organizations/${org.id}/tenants/${id}`, { status: "active" });
      expect(enabled.body).toMatchObject({ id, status: "active" });
      const list = await host.get(`/host/organizations/${org.slug}/tenants`);
      expect(list.body.items.map((t: { name: string }) => t.name)).toEqual(["Default", "Prod"]);
      expect((await host.get(`/host/organizations/${org.slug}`)).body.tenantCount).toBe(2);
    });

    it("refuses a tenant name that exists in the organization, ignoring case", async () => {
      const org = await createOrg(host);
      for (const name of ["Default", "default", "DEFAULT"]) {
        const problem = expectProblem(
          await host.post(`/host/organizations/${org.slug}/tenants`, { name }),
          409,
          "already-exists",
        );
        expect(problem.errors).toEqual([{ path: "name", message: "is already taken" }]);
      }
      const second = await host.post(`/host/organizations/${org.slug}/tenants`, { name: "Second" });
      const problem = expectProblem(
        await host.patch(`/host/organizations/${org.slug}/tenants/${second.body.id}`, { name: "dEfAuLt" }),
        409,
        "already-exists",
      );
      expect(problem.errors).toEqual([{ path: "name", message: "is already taken" }]);
      expect(
        (await host.get(`/host/organizations/${org.slug}/tenants`)).body.items.map((t: { name: string }) => t.name),
      ).toEqual(["Default", "Second"]);
      // The same name in another organization is fine, and so is a change of case of the own name.
      const other = await createOrg(host);
      expect((await host.post(`/host/organizations/${other.slug}/tenants`, { name: "Second" })).status).toBe(201);
      expect(
        (await host.patch(`/host/organizations/${org.slug}/tenants/${second.body.id}`, { name: "SECOND" })).status,
      ).toBe(200);
    });

    it("refuses tenant names with characters outside letters, digits, spaces and . _ -", async () => {
      const org = await createOrg(host);
      for (const name of ["a/b", "<script>", "-leading", "x".repeat(65)]) {
        const problem = expectProblem(
          await host.post(`/host/organizations/${org.slug}/tenants`, { name }),
          400,
          "validation-failed",
        );
        expect(problem.errors?.map((e) => e.path)).toEqual(["name"]);
      }
      expect((await host.post(`/host/organizations/${org.slug}/tenants`, { name: "Älpler 2.0_test-x" })).status).toBe(
        201,
      );
    });

    it("lets organization administrators manage their tenants through /orgs/{org}/tenants", async () => {
      const org = await createOrg(host);
      const api = org.admin.api;
      const created = await api.post(`/orgs/${org.slug}/tenants`, { name: "Staging" });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({ orgId: org.id, name: "Staging", status: "active" });
      const list = await api.get(`/orgs/${org.slug}/tenants`);
      expect(list.body.items.map((t: { name: string }) => t.name)).toEqual(["Default", "Staging"]);
      const byName = await api.get(`/orgs/${org.slug}/tenants/staging`);
      expect(byName.body).toEqual(created.body);
      const byId = await api.get(`/orgs/${org.id}/tenants/${created.body.id}`);
      expect(byId.body).toEqual(created.body);
      const renamed = await api.patch(`/orgs/${org.slug}/tenants/${created.body.id}`, { name: "Stage" });
      expect(renamed.body).toMatchObject({ id: created.body.id, name: "Stage" });
      expect((await api.patch(`/orgs/${org.slug}/tenants/Stage`, { status: "disabled" })).body.status).toBe("disabled");
      expect((await api.patch(`/orgs/${org.slug}/tenants/stage`, { status: "active" })).body.status).toBe("active");
      expectProblem(await api.post(`/orgs/${org.slug}/tenants`, { name: "STAGE" }), 409, "already-exists");
      expectProblem(await api.get(`/orgs/${org.slug}/tenants/999999`), 404, "not-found");
      expectProblem(await api.get(`/orgs/${org.slug}/tenants/nope`), 404, "not-found");

      // Plain users may read tenants but not change them.
      const user = await createUser(api, org.slug);
      expect((await user.api.get(`/orgs/${org.slug}/tenants`)).status).toBe(200);
      expect((await user.api.get(`/orgs/${org.slug}/tenants/Stage`)).status).toBe(200);
      expectProblem(await user.api.post(`/orgs/${org.slug}/tenants`, { name: "Mine" }), 403, "forbidden");
      expectProblem(await user.api.patch(`/orgs/${org.slug}/tenants/Stage`, { name: "Mine" }), 403, "forbidden");
    });

    it("lets organization administrators change a tenant's log retention within 1–3650 days, and logs it", async () => {
      const org = await createOrg(host);
      const api = org.admin.api;
      const path = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      expect((await api.get(path)).body.logRetentionDays).toBe(30);

      const changed = await api.patch(path, { logRetentionDays: 90 });
      expect(changed.status, changed.text).toBe(200);
      expect(changed.body).toMatchObject({ id: org.defaultTenantId, name: "Default", logRetentionDays: 90 });
      expect((await api.get(path)).body.logRetentionDays).toBe(90);
      expect((await api.patch(path, { logRetentionDays: 1 })).body.logRetentionDays).toBe(1);
      expect((await api.patch(path, { logRetentionDays: 3650 })).body.logRetentionDays).toBe(3650);

      for (const bad of [0, -5, 3651, 7.5, "60", null]) {
        const problem = expectProblem(await api.patch(path, { logRetentionDays: bad }), 400, "validation-failed");
        expect(problem.errors).toEqual([{ path: "logRetentionDays", message: expect.any(String) }]);
      }
      expect((await api.get(path)).body.logRetentionDays).toBe(3650);

      const log = await api.get(`/orgs/${org.slug}/audit-logs?component=Tenants`);
      expect(log.body.items[0]).toMatchObject({
        actor: { kind: "user", id: org.admin.id },
        action: "Update",
        target: { type: "tenant", name: "Default" },
        before: expect.objectContaining({ logRetentionDays: 1 }),
        after: expect.objectContaining({ logRetentionDays: 3650 }),
      });

      // Plain users may not change it; another organization's administrator does not even see the tenant.
      const user = await createUser(api, org.slug);
      expectProblem(await user.api.patch(path, { logRetentionDays: 5 }), 403, "forbidden");
      const other = await createOrg(host);
      expectProblem(
        await other.admin.api.patch(`/orgs/${other.slug}/tenants/${org.defaultTenantId}`, { logRetentionDays: 5 }),
        404,
        "not-found",
      );
      expect((await api.get(path)).body.logRetentionDays).toBe(3650);
    });

    it("logs tenant changes of organization administrators in the organization's log, not the host log", async () => {
      const org = await createOrg(host);
      const name = unique("T");
      await org.admin.api.post(`/orgs/${org.slug}/tenants`, { name });
      const orgLog = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?component=Tenants`);
      expect(orgLog.body.items).toEqual([
        expect.objectContaining({
          actor: { kind: "user", id: org.admin.id, name: org.admin.email },
          action: "Create",
          target: { type: "tenant", id: expect.any(String), name },
        }),
      ]);
      expect((await host.get(`/host/audit-logs?q=${name}`)).body.items).toEqual([]);
      // The same change by a system administrator goes to the host log.
      const hostName = unique("H");
      await host.post(`/host/organizations/${org.slug}/tenants`, { name: hostName });
      expect((await host.get(`/host/audit-logs?component=Tenants&q=${hostName}`)).body.items).toHaveLength(1);
    });
  });

  describe("organization users", () => {
    it("creates, edits, disables and deletes users; duplicates are refused", async () => {
      const org = await createOrg(host);
      const api = org.admin.api;
      const email = `${unique("Carla")}@Example.com`;
      const created = await api.post(`/orgs/${org.slug}/users`, { email, name: "Carla", password: newPassword() });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        email: email.toLowerCase(),
        name: "Carla",
        role: "user",
        status: "active",
        locale: "en",
        hasPassword: true,
        createdAt: isoTime,
        lastLoginAt: null,
        lockedUntil: null,
      });
      const dup = expectProblem(
        await api.post(`/orgs/${org.slug}/users`, { email: email.toUpperCase() }),
        409,
        "already-exists",
      );
      expect(dup.errors).toEqual([{ path: "email", message: "is already taken" }]);

      const id = created.body.id;
      const edited = await api.patch(`/orgs/${org.slug}/users/${id}`, {
        name: "Carla C",
        role: "org_admin",
        locale: "de",
      });
      expect(edited.body).toMatchObject({ id, name: "Carla C", role: "org_admin", locale: "de", status: "active" });
      expect((await api.patch(`/orgs/${org.slug}/users/${id}`, { status: "disabled" })).body.status).toBe("disabled");
      expect((await api.delete(`/orgs/${org.slug}/users/${id}`)).status).toBe(204);
      expectProblem(await api.patch(`/orgs/${org.slug}/users/${id}`, { name: "x" }), 404, "not-found");
      expect((await api.get(`/orgs/${org.slug}/users`)).body.items.map((u: { id: number }) => u.id)).toEqual([
        org.admin.id,
      ]);
    });

    it("disabling a user revokes its tokens; a weak password is refused for new users", async () => {
      const org = await createOrg(host);
      const user = await createUser(org.admin.api, org.slug);
      await org.admin.api.patch(`/orgs/${org.slug}/users/${user.id}`, { status: "disabled" });
      expectProblem(await user.api.get("/me"), 401, "authentication-required");
      const problem = expectProblem(
        await org.admin.api.post(`/orgs/${org.slug}/users`, { email: `${unique("w")}@example.com`, password: "weak" }),
        400,
        "validation-failed",
      );
      expect(problem.errors?.map((e) => e.path)).toEqual(["password"]);
      expect((await org.admin.api.get(`/orgs/${org.slug}/users`)).body.items).toHaveLength(2);
    });
  });
});
