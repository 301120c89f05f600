import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectProblem } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import {
  adminApi,
  createAdmin,
  createOrg,
  createUser,
  newPassword,
  Session,
  type TestOrg,
} from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe.each(testDatabases())("profile on %s", (database) => {
  let server: TestServer;
  let host: Api;
  let anon: Api;
  let org: TestOrg;
  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
    anon = new Api(server.url);
    org = await createOrg(host);
  });
  afterAll(async () => server?.stop());

  describe("GET and PATCH /me", () => {
    it("returns the signed-in organization user", async () => {
      const user = await createUser(org.admin.api, org.slug);
      const res = await user.api.get("/me");
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        kind: "user",
        id: user.id,
        email: user.email,
        name: user.email,
        role: "user",
        locale: "en",
        organization: { id: org.id, slug: org.slug, name: org.name },
      });
    });

    it("changes the own name and language, and audits it", async () => {
      const user = await createUser(org.admin.api, org.slug);
      const res = await user.api.patch("/me", { name: "  Grace Hopper ", locale: "de" });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ kind: "user", id: user.id, name: "Grace Hopper", locale: "de" });
      expect((await user.api.get("/me")).body).toMatchObject({ name: "Grace Hopper", locale: "de" });
      const only = await user.api.patch("/me", { locale: "en" });
      expect(only.body).toMatchObject({ name: "Grace Hopper", locale: "en" });
      const audit = await org.admin.api.get(
        `/orgs/${org.slug}/audit-logs?component=Users&action=Update&actor=${encodeURIComponent(user.email)}`,
      );
      expect(audit.body.items.map((r: { before: unknown; after: unknown }) => [r.before, r.after])).toEqual([
        [{ locale: "de" }, { locale: "en" }],
        [
          { name: user.email, locale: "en" },
          { name: "Grace Hopper", locale: "de" },
        ],
      ]);
    });

    it("changes a system administrator's own profile", async () => {
      const admin = await createAdmin(host);
      const res = await admin.api.patch("/me", { name: "Root", locale: "de" });
      expect(res.body).toEqual({
        kind: "admin",
        id: admin.id,
        username: admin.username,
        name: "Root",
        email: null,
        locale: "de",
      });
      expect((await host.get(`/host/administrators/${admin.id}`)).body).toMatchObject({ name: "Root", locale: "de" });
    });

    it("writes no audit row when nothing changed", async () => {
      const user = await createUser(org.admin.api, org.slug);
      expect((await user.api.patch("/me", {})).status).toBe(200);
      expect((await user.api.patch("/me", { locale: "en" })).status).toBe(200);
      const audit = await org.admin.api.get(
        `/orgs/${org.slug}/audit-logs?component=Users&action=Update&actor=${encodeURIComponent(user.email)}`,
      );
      expect(audit.body.items).toEqual([]);
    });
  });

  describe("own password", () => {
    it("refuses a wrong current password with errors[path=currentPassword] and keeps the old one", async () => {
      const user = await createUser(org.admin.api, org.slug);
      const problem = expectProblem(
        await user.api.post("/me/password", { currentPassword: "Not-The-Passw0rd", newPassword: newPassword() }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual([{ path: "currentPassword", message: "is not your current password" }]);
      expect(
        (await anon.post("/auth/token", { organization: org.slug, email: user.email, password: user.password })).status,
      ).toBe(200);
    });

    it("refuses a new password that breaks the policy with errors[path=newPassword]", async () => {
      const user = await createUser(org.admin.api, org.slug);
      const problem = expectProblem(
        await user.api.post("/me/password", { currentPassword: user.password, newPassword: "alllowercase" }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual([
        { path: "newPassword", message: "must contain an upper-case letter; must contain a digit" },
      ]);
      expect((await user.api.get("/me")).status).toBe(200);
    });

    it("changes the password: other sessions and tokens end, the current one keeps working", async () => {
      const user = await createUser(org.admin.api, org.slug);
      const credentials = { organization: org.slug, email: user.email, password: user.password };
      const current = await Session.login(server.url, credentials);
      const otherSession = await Session.login(server.url, credentials);
      const otherBearer = await new Api(server.url).as(credentials);
      const pat = (await user.api.post("/me/tokens", { name: "old" })).body.token;

      const next = newPassword();
      const res = await current.request("POST", "/me/password", { currentPassword: user.password, newPassword: next });
      expect(res.status, res.text).toBe(204);

      expect((await current.request("GET", "/auth/session")).status).toBe(200);
      expectProblem(await otherSession.request("GET", "/auth/session"), 401, "authentication-required");
      expectProblem(await otherBearer.get("/me"), 401, "authentication-required");
      expectProblem(await user.api.get("/me"), 401, "authentication-required");
      expectProblem(await anon.withToken(pat).get("/me"), 401, "authentication-required");
      expectProblem(await anon.post("/auth/token", credentials), 401, "invalid-credentials");
      expect((await anon.post("/auth/token", { ...credentials, password: next })).status).toBe(200);

      const audit = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?action=Change%20Password`);
      expect(audit.body.items[0]).toMatchObject({
        actor: { kind: "user", id: user.id, name: user.email },
        component: "Users",
        target: { type: "user", id: String(user.id) },
        before: null,
        after: null,
      });
    });

    it("lets a system administrator change its own password the same way", async () => {
      const admin = await createAdmin(host);
      const next = newPassword();
      expect(
        (await admin.api.post("/me/password", { currentPassword: admin.password, newPassword: next })).status,
      ).toBe(204);
      expect((await admin.api.get("/me")).status).toBe(200);
      expectProblem(
        await anon.post("/auth/token", { username: admin.username, password: admin.password }),
        401,
        "invalid-credentials",
      );
      expect((await anon.post("/auth/token", { username: admin.username, password: next })).status).toBe(200);
    });
  });

  describe("personal access tokens", () => {
    it("shows a new token once, with the dgp_ prefix, and never again", async () => {
      const user = await createUser(org.admin.api, org.slug);
      const res = await user.api.post("/me/tokens", { name: "deploy script", expiresInDays: 30 });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        name: "deploy script",
        createdAt: expect.any(String),
        expiresAt: expect.any(String),
        lastUsedAt: null,
        token: expect.stringMatching(/^dgp_[A-Za-z0-9_-]{43}$/),
      });
      const days = (Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)) / 86_400_000;
      expect(days).toBe(30);

      const list = await user.api.get("/me/tokens");
      expect(list.status).toBe(200);
      expect(list.body).toEqual({
        items: [
          {
            id: res.body.id,
            name: "deploy script",
            createdAt: res.body.createdAt,
            expiresAt: res.body.expiresAt,
            lastUsedAt: null,
          },
        ],
      });
      expect(list.text).not.toContain(res.body.token);
    });

    it("creates tokens without expiry and lists them newest first", async () => {
      const user = await createUser(org.admin.api, org.slug);
      const a = await user.api.post("/me/tokens", { name: "a" });
      const b = await user.api.post("/me/tokens", { name: "b" });
      expect(a.body.expiresAt).toBeNull();
      const list = await user.api.get("/me/tokens");
      expect(list.body.items.map((t: { id: number }) => t.id)).toEqual([b.body.id, a.body.id]);
      // Bearer tokens from /auth/token and sessions are not personal tokens.
      expect(list.body.items).toHaveLength(2);
    });

    it("authenticates as its owner and records when it was used", async () => {
      const user = await createUser(org.admin.api, org.slug, { role: "org_admin" });
      const token = (await user.api.post("/me/tokens", { name: "ci" })).body.token;
      const api = anon.withToken(token);
      const me = await api.get("/me");
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ kind: "user", id: user.id, role: "org_admin" });
      expect((await api.get(`/orgs/${org.slug}/users`)).status).toBe(200);
      const listed = (await user.api.get("/me/tokens")).body.items[0];
      expect(listed.lastUsedAt).toEqual(expect.any(String));
      // Writes by token need no CSRF header.
      expect((await api.patch("/me", { name: "Token User" })).status).toBe(200);
    });

    it("stops working once revoked, and a second revoke is 404", async () => {
      const admin = await createAdmin(host);
      const created = await admin.api.post("/me/tokens", { name: "temp" });
      const api = anon.withToken(created.body.token);
      expect((await api.get("/me")).status).toBe(200);
      const res = await admin.api.delete(`/me/tokens/${created.body.id}`);
      expect(res.status).toBe(204);
      expectProblem(await api.get("/me"), 401, "authentication-required");
      expect((await admin.api.get("/me/tokens")).body.items).toEqual([]);
      expectProblem(await admin.api.delete(`/me/tokens/${created.body.id}`), 404, "not-found");
      const audit = await host.get(`/host/audit-logs?component=Tokens&actor=${admin.username}`);
      expect(
        audit.body.items.map((r: { action: string; target: { name: string } }) => [r.action, r.target.name]),
      ).toEqual([
        ["Revoke", "temp"],
        ["Create", "temp"],
      ]);
    });

    it("answers 404 for another user's token id and leaves that token working", async () => {
      const owner = await createUser(org.admin.api, org.slug);
      const other = await createUser(org.admin.api, org.slug);
      const admin = await createAdmin(host);
      const created = await owner.api.post("/me/tokens", { name: "mine" });
      for (const api of [other.api, org.admin.api, admin.api, host]) {
        expectProblem(await api.delete(`/me/tokens/${created.body.id}`), 404, "not-found");
      }
      expect((await other.api.get("/me/tokens")).body.items).toEqual([]);
      expect((await anon.withToken(created.body.token).get("/me")).body.id).toBe(owner.id);
      // Nor can a bearer token's id be revoked as if it were a personal token.
      expectProblem(await owner.api.delete("/me/tokens/1"), 404, "not-found");
    });

    it("stops a token whose expiry has passed", async () => {
      const user = await createUser(org.admin.api, org.slug);
      const created = await user.api.post("/me/tokens", { name: "short", expiresInDays: 1 });
      await server.server.storage.db
        .updateTable("auth_tokens")
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where("id", "=", created.body.id)
        .execute();
      expectProblem(await anon.withToken(created.body.token).get("/me"), 401, "authentication-required");
    });
  });
});
