import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSecuritySettings } from "../../src/domain/password-policy.js";
import { hashToken } from "../../src/services/identity/secrets.js";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createAdmin, createOrg, createUser, newPassword, Session } from "../helpers/fixtures.js";
import { startTestServer, type TestServer, testAdminPassword } from "../helpers/server.js";

describe.each(testDatabases())("bootstrap on %s", (database) => {
  it("creates `admin` with DIRIGENT_ADMIN_PASSWORD and keeps it across restarts", async () => {
    const first = await startTestServer({ database });
    let second: TestServer | undefined;
    try {
      expect(first.server.generatedAdminPassword).toBeNull();
      const host = await adminApi(first);
      const list = await host.get("/host/administrators");
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([
        expect.objectContaining({ username: "admin", name: "Administrator", status: "active", locale: "en" }),
      ]);
      const audit = await host.get("/host/audit-logs?component=Administrators&action=Create");
      expect(audit.body.items).toEqual([
        expect.objectContaining({
          actor: { kind: "system", id: null, name: "system" },
          target: { type: "admin", id: String(list.body.items[0].id), name: "admin" },
        }),
      ]);
      await first.stop({ keepData: true });

      // A restart with another configured password neither adds an administrator nor changes the password.
      second = await startTestServer({
        database,
        reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl },
        env: { DIRIGENT_ADMIN_PASSWORD: "Other-Passw0rd!" },
      });
      expect(second.server.generatedAdminPassword).toBeNull();
      const api = new Api(second.url);
      expectProblem(
        await api.post("/auth/token", { username: "admin", password: "Other-Passw0rd!" }),
        401,
        "invalid-credentials",
      );
      const again = await api.as({ username: "admin", password: testAdminPassword });
      expect((await again.get("/host/administrators")).body.items).toHaveLength(1);
    } finally {
      // The second server (when it started) removes the shared data.
      await (second ?? first).stop();
    }
  });

  it("generates a password for `admin` when DIRIGENT_ADMIN_PASSWORD is not set, and that password works", async () => {
    const server = await startTestServer({ database, env: { DIRIGENT_ADMIN_PASSWORD: "" } });
    try {
      const generated = server.server.generatedAdminPassword;
      expect(generated).toMatch(/^Dg1-[A-Za-z0-9_-]{24}$/);
      const api = new Api(server.url);
      expectProblem(
        await api.post("/auth/token", { username: "admin", password: testAdminPassword }),
        401,
        "invalid-credentials",
      );
      const res = await api.post("/auth/token", { username: "admin", password: generated });
      expect(res.status, res.text).toBe(200);
      // The generated password is shown once (by the CLI), never logged.
      expect(server.logs.join("")).not.toContain(generated);
    } finally {
      await server.stop();
    }
  });
});

describe.each(testDatabases())("tokens and sessions on %s", (database) => {
  let server: TestServer;
  let host: Api;
  let anon: Api;
  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
    anon = new Api(server.url);
  });
  afterAll(async () => server?.stop());

  const db = () => server.server.storage.db;

  describe("POST /auth/token", () => {
    it("issues a bearer token to a system administrator", async () => {
      const res = await anon.post("/auth/token", { username: "admin", password: server.adminPassword });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(res.body).toEqual({
        accessToken: expect.stringMatching(/^dgt_[A-Za-z0-9_-]{43}$/),
        tokenType: "Bearer",
        expiresIn: 3600,
      });
      const me = await anon.withToken(res.body.accessToken).get("/me");
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ kind: "admin", username: "admin" });
    });

    it("accepts the administrator's username in any case", async () => {
      const res = await anon.post("/auth/token", { username: " ADMIN ", password: server.adminPassword });
      expect(res.status, res.text).toBe(200);
    });

    it("issues a bearer token to an organization user by organization slug and e-mail", async () => {
      const org = await createOrg(host);
      const res = await anon.post("/auth/token", {
        organization: org.slug,
        email: org.admin.email.toUpperCase(),
        password: org.admin.password,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ accessToken: expect.stringMatching(/^dgt_/), tokenType: "Bearer", expiresIn: 3600 });
      const me = await anon.withToken(res.body.accessToken).get("/me");
      expect(me.body).toMatchObject({
        kind: "user",
        id: org.admin.id,
        email: org.admin.email,
        role: "org_admin",
        organization: { id: org.id, slug: org.slug, name: org.name },
      });
    });

    it("answers wrong password, unknown user, unknown organization and disabled accounts identically", async () => {
      const org = await createOrg(host);
      const user = await createUser(org.admin.api, org.slug);
      const disabledUser = await createUser(org.admin.api, org.slug);
      expect(
        (await org.admin.api.patch(`/orgs/${org.slug}/users/${disabledUser.id}`, { status: "disabled" })).status,
      ).toBe(200);
      const admin = await createAdmin(host);
      const disabledAdmin = await createAdmin(host);
      expect((await host.patch(`/host/administrators/${disabledAdmin.id}`, { status: "disabled" })).status).toBe(200);
      const invited = await org.admin.api.post(`/orgs/${org.slug}/users`, { email: `${unique("inv")}@example.com` });
      expect(invited.status).toBe(201);

      const attempts = [
        { username: admin.username, password: "Wrong-Passw0rd!" },
        { username: unique("nobody"), password: "Wrong-Passw0rd!" },
        { username: disabledAdmin.username, password: disabledAdmin.password },
        { organization: org.slug, email: user.email, password: "Wrong-Passw0rd!" },
        { organization: org.slug, email: `${unique("nobody")}@example.com`, password: user.password },
        { organization: unique("no-org"), email: user.email, password: user.password },
        { organization: org.slug, email: disabledUser.email, password: disabledUser.password },
        { organization: org.slug, email: invited.body.email, password: user.password },
      ];
      const answers = [];
      for (const credentials of attempts) {
        const res = await anon.post("/auth/token", credentials);
        expectProblem(res, 401, "invalid-credentials");
        expect(res.headers.get("www-authenticate")).toBeNull();
        answers.push(res.text);
      }
      expect(new Set(answers).size).toBe(1);
      expect(JSON.parse(answers[0] as string)).toEqual({
        type: "invalid-credentials",
        title: "Invalid credentials",
        status: 401,
        detail: "The credentials are not valid.",
      });
      // And the same through the UI login.
      const login = await anon.post("/auth/login", attempts[0]);
      expect(login.text).toBe(answers[0]);
    });

    it("rejects a user who names another organization", async () => {
      const a = await createOrg(host);
      const b = await createOrg(host);
      const res = await anon.post("/auth/token", {
        organization: b.slug,
        email: a.admin.email,
        password: a.admin.password,
      });
      expectProblem(res, 401, "invalid-credentials");
    });
  });

  describe("bearer tokens", () => {
    it("authenticates requests with a token from /auth/token", async () => {
      const admin = await createAdmin(host);
      const me = await admin.api.get("/me");
      expect(me.status).toBe(200);
      expect(me.body).toEqual({
        kind: "admin",
        id: admin.id,
        username: admin.username,
        name: admin.username,
        email: null,
        locale: "en",
      });
    });

    it.each([
      ["no Authorization header", undefined],
      ["an unknown token", "Bearer dgt_doesnotexistdoesnotexistdoesnotexist"],
      ["a malformed header", "Token abc"],
      ["a bare Bearer keyword", "Bearer"],
      ["Basic credentials", `Basic ${Buffer.from("admin:x").toString("base64")}`],
    ])("answers 401 authentication-required for %s", async (_name, authorization) => {
      const res = await anon.request("GET", "/me", undefined, authorization ? { authorization } : {});
      expectProblem(res, 401, "authentication-required");
    });

    it("answers 401, not 400, for a bad token on every route family, whatever the body or query holds", async () => {
      const org = await createOrg(host);
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const requests: [string, string, unknown][] = [
        ["POST", "/me/tokens", { bogus: 1 }],
        ["POST", "/host/organizations", { bogus: 1 }],
        ["POST", `/orgs/${org.slug}/tenants`, { bogus: 1 }],
        ["POST", `${t}/folders`, { bogus: 1 }],
        ["GET", `${t}/jobs?limit=abc`, undefined],
        ["PUT", "/job/assets/Note", { bogus: 1 }],
      ];
      for (const authorization of ["Bearer dgt_doesnotexistdoesnotexistdoesnotexist", "Bearer dgj_nope", "Token abc"]) {
        for (const [method, path, body] of requests) {
          const res = await anon.request(method, path, body, { authorization });
          expect(res.status, `${method} ${path} with ${authorization}: ${res.text}`).toBe(401);
          expectProblem(res, 401, "authentication-required");
        }
      }
    });

    it("answers 401 for an expired token", async () => {
      const res = await anon.post("/auth/token", { username: "admin", password: server.adminPassword });
      const token = res.body.accessToken as string;
      expect((await anon.withToken(token).get("/me")).status).toBe(200);
      await db()
        .updateTable("auth_tokens")
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where("token_hash", "=", hashToken(token))
        .execute();
      expectProblem(await anon.withToken(token).get("/me"), 401, "authentication-required");
    });

    it("answers 401 for a token revoked by logging out", async () => {
      const admin = await createAdmin(host);
      const res = await admin.api.post("/auth/logout");
      expect(res.status).toBe(204);
      expect(res.text).toBe("");
      expectProblem(await admin.api.get("/me"), 401, "authentication-required");
      expectProblem(await admin.api.post("/auth/logout"), 401, "authentication-required");
    });

    it("does not accept a session token as a bearer token or a bearer token as a session cookie", async () => {
      const session = await Session.login(server.url, { username: "admin", password: server.adminPassword });
      expectProblem(await anon.withToken(session.token).get("/me"), 401, "authentication-required");
      const bearer = await anon.post("/auth/token", { username: "admin", password: server.adminPassword });
      const res = await anon.request("GET", "/me", undefined, {
        cookie: `dirigent_session=${bearer.body.accessToken}`,
      });
      expectProblem(res, 401, "authentication-required");
    });
  });

  describe("lock-out", () => {
    const putSecurity = (changes: Partial<typeof defaultSecuritySettings>) =>
      host.put("/host/settings/security", { ...defaultSecuritySettings, ...changes });

    it("locks an account after lockoutThreshold failures, tells the right password until when, and audits the lock", async () => {
      expect((await putSecurity({ lockoutThreshold: 3, lockoutMinutes: 15 })).status).toBe(200);
      try {
        const admin = await createAdmin(host);
        const wrong = { username: admin.username, password: "Wrong-Passw0rd!" };
        const right = { username: admin.username, password: admin.password };
        const before = Date.now();
        for (let i = 0; i < 3; i++) expectProblem(await anon.post("/auth/token", wrong), 401, "invalid-credentials");

        // Issue 12, defect 10: the right password learns of the lock and its end; a wrong one and
        // an unknown account still get "credentials not valid", so nothing tells whether it exists.
        const locked = await anon.post("/auth/token", right);
        expectProblem(locked, 401, "account-locked");
        const wrongAnswer = await anon.post("/auth/token", wrong);
        expectProblem(wrongAnswer, 401, "invalid-credentials");
        const unknown = await anon.post("/auth/token", {
          username: `nobody-${admin.username}`,
          password: admin.password,
        });
        expect(unknown.text).toBe(wrongAnswer.text);

        const audit = await host.get(`/host/audit-logs?component=Authentication&actor=${admin.username}`);
        const failures = audit.body.items.filter((r: { action: string }) => r.action === "Login Failed");
        expect(failures).toHaveLength(5);
        const lockRows = failures.filter((r: { after: unknown }) => r.after !== null);
        expect(lockRows).toHaveLength(1);
        const lockedUntil = Date.parse(lockRows[0].after.lockedUntil);
        expect(lockedUntil).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1000);
        expect(lockedUntil).toBeLessThanOrEqual(Date.now() + 15 * 60_000 + 1000);
        expect(lockRows[0]).toMatchObject({ target: { type: "admin", id: String(admin.id), name: admin.username } });
        // Failures while locked neither count nor extend the lock.
        const row = await db()
          .selectFrom("system_admins")
          .selectAll()
          .where("id", "=", admin.id)
          .executeTakeFirstOrThrow();
        expect(Date.parse(row.locked_until as string)).toBe(lockedUntil);
        expect(locked.body.lockedUntil).toBe(row.locked_until);
        expect(locked.body.detail).toBe(
          `The account is locked after too many failed sign-ins until ${row.locked_until}. Try again then, or ask an administrator to unlock it.`,
        );
        // The only successful login is the one createAdmin made before the failures.
        expect(audit.body.items.filter((r: { action: string }) => r.action === "Login")).toHaveLength(1);

        // The lock ends when it said it would.
        await db()
          .updateTable("system_admins")
          .set({ locked_until: new Date(Date.now() - 1000).toISOString() })
          .where("id", "=", admin.id)
          .execute();
        expect((await anon.post("/auth/token", right)).status).toBe(200);
      } finally {
        expect((await putSecurity({})).status).toBe(200);
      }
    });

    it("locks organization users too and audits it in the organization's log", async () => {
      expect((await putSecurity({ lockoutThreshold: 3 })).status).toBe(200);
      try {
        const org = await createOrg(host);
        const user = await createUser(org.admin.api, org.slug);
        const wrong = { organization: org.slug, email: user.email, password: "Wrong-Passw0rd!" };
        for (let i = 0; i < 3; i++) expectProblem(await anon.post("/auth/token", wrong), 401, "invalid-credentials");
        expectProblem(
          await anon.post("/auth/token", { organization: org.slug, email: user.email, password: user.password }),
          401,
          "account-locked",
        );
        const audit = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?action=Login%20Failed`);
        expect(audit.status).toBe(200);
        expect(audit.body.items).toHaveLength(4);
        expect(audit.body.items.filter((r: { after: unknown }) => r.after !== null)).toHaveLength(1);
        // An organization's failed logins are not in the host log.
        const hostRows = await host.get(`/host/audit-logs?actor=${encodeURIComponent(user.email)}`);
        expect(hostRows.body.items).toEqual([]);

        // Administrators see until when, and may unlock it (audited).
        const listed = (await org.admin.api.get(`/orgs/${org.slug}/users`)).body.items.find(
          (u: { id: number }) => u.id === user.id,
        );
        expect(Date.parse(listed.lockedUntil)).toBeGreaterThan(Date.now());
        const unlocked = await org.admin.api.post(`/orgs/${org.slug}/users/${user.id}/unlock`);
        expect(unlocked.status, unlocked.text).toBe(200);
        expect(unlocked.body).toMatchObject({ id: user.id, lockedUntil: null });
        const unlockRows = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?action=Unlock`);
        expect(unlockRows.body.items).toHaveLength(1);
        expect(unlockRows.body.items[0]).toMatchObject({
          action: "Unlock",
          target: { type: "user", id: String(user.id) },
          after: { lockedUntil: null, failedLogins: 0 },
        });
        expect(
          (await anon.post("/auth/token", { organization: org.slug, email: user.email, password: user.password }))
            .status,
        ).toBe(200);
        // A user may not unlock others; another organization's user is not found.
        expect((await user.api.post(`/orgs/${org.slug}/users/${user.id}/unlock`)).status).toBe(403);
        const other = await createOrg(host);
        expect((await other.admin.api.post(`/orgs/${other.slug}/users/${user.id}/unlock`)).status).toBe(404);

        for (let i = 0; i < 3; i++) expectProblem(await anon.post("/auth/token", wrong), 401, "invalid-credentials");
        // An org admin setting a new password lifts the lock.
        const next = newPassword();
        expect(
          (await org.admin.api.post(`/orgs/${org.slug}/users/${user.id}/password`, { password: next })).status,
        ).toBe(204);
        expect(
          (await anon.post("/auth/token", { organization: org.slug, email: user.email, password: next })).status,
        ).toBe(200);
      } finally {
        await putSecurity({});
      }
    });

    it("resets the failure counter after a successful login", async () => {
      expect((await putSecurity({ lockoutThreshold: 3 })).status).toBe(200);
      try {
        const admin = await createAdmin(host);
        const wrong = { username: admin.username, password: "Wrong-Passw0rd!" };
        const right = { username: admin.username, password: admin.password };
        for (let i = 0; i < 2; i++) await anon.post("/auth/token", wrong);
        expect((await anon.post("/auth/token", right)).status).toBe(200);
        for (let i = 0; i < 2; i++) await anon.post("/auth/token", wrong);
        expect((await anon.post("/auth/token", right)).status).toBe(200);
      } finally {
        await putSecurity({});
      }
    });
  });

  describe("UI sessions", () => {
    it("sets an HttpOnly SameSite=Strict session cookie and returns the principal and a CSRF token", async () => {
      const res = await anon.post("/auth/login", { username: "admin", password: server.adminPassword });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        principal: expect.objectContaining({ kind: "admin", username: "admin" }),
        csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
      });
      const cookies = res.headers.getSetCookie();
      expect(cookies).toHaveLength(1);
      const cookie = cookies[0] as string;
      expect(cookie).toMatch(/^dirigent_session=dgs_[A-Za-z0-9_-]{43};/);
      const attributes = cookie
        .split(";")
        .slice(1)
        .map((a) => a.trim().toLowerCase());
      expect(attributes).toContain("httponly");
      expect(attributes).toContain("samesite=strict");
      expect(attributes).toContain("path=/");
      expect(attributes).toContain("max-age=43200");
      // Plain-HTTP test server: no Secure flag unless configured.
      expect(attributes).not.toContain("secure");
      // The session token is only in the cookie, never in the body.
      expect(res.text).not.toContain(cookie.split(";")[0]?.split("=")[1]);
    });

    it("answers GET /auth/session with the principal and the session's CSRF token", async () => {
      const org = await createOrg(host);
      const session = await Session.login(server.url, {
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      });
      const res = await session.request("GET", "/auth/session", undefined, { csrf: null });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        principal: expect.objectContaining({
          kind: "user",
          id: org.admin.id,
          organization: expect.objectContaining({ slug: org.slug }),
        }),
        csrfToken: session.csrfToken,
      });
      // A bearer token has no CSRF token.
      expect((await org.admin.api.get("/auth/session")).body.csrfToken).toBeNull();
    });

    it("refuses cookie-authenticated changes without the right X-CSRF-Token and changes nothing", async () => {
      const admin = await createAdmin(host);
      const session = await Session.login(server.url, { username: admin.username, password: admin.password });
      for (const csrf of [null, "wrong-token", `${session.csrfToken}x`, ""]) {
        const patch = await session.request("PATCH", "/me", { name: "Changed" }, { csrf });
        expect(expectProblem(patch, 403, "csrf-failed").detail).toBe("Reload the page and try again.");
        expectProblem(await session.request("POST", "/me/tokens", { name: "t" }, { csrf }), 403, "csrf-failed");
        expectProblem(await session.request("POST", "/auth/logout", undefined, { csrf }), 403, "csrf-failed");
      }
      const me = await admin.api.get("/me");
      expect(me.body.name).toBe(admin.username);
      expect((await admin.api.get("/me/tokens")).body.items).toEqual([]);
      // Another session's CSRF token does not fit this session.
      const other = await Session.login(server.url, { username: admin.username, password: admin.password });
      expectProblem(
        await session.request("PATCH", "/me", { name: "X" }, { csrf: other.csrfToken }),
        403,
        "csrf-failed",
      );
    });

    it("accepts cookie-authenticated changes with the session's CSRF token", async () => {
      const admin = await createAdmin(host);
      const session = await Session.login(server.url, { username: admin.username, password: admin.password });
      const res = await session.request("PATCH", "/me", { name: "Via Session" });
      expect(res.status, res.text).toBe(200);
      expect(res.body.name).toBe("Via Session");
      // Safe methods need no CSRF header.
      expect((await session.request("GET", "/me", undefined, { csrf: null })).body.name).toBe("Via Session");
    });

    it("ends the session on logout and clears the cookie", async () => {
      const session = await Session.login(server.url, { username: "admin", password: server.adminPassword });
      const res = await session.request("POST", "/auth/logout");
      expect(res.status).toBe(204);
      const cleared = res.headers.getSetCookie().find((c) => c.startsWith("dirigent_session="));
      expect(cleared).toMatch(/^dirigent_session=;/);
      expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/i);
      expectProblem(
        await session.request("GET", "/auth/session", undefined, { csrf: null }),
        401,
        "authentication-required",
      );
      expectProblem(await session.request("PATCH", "/me", { name: "x" }), 401, "authentication-required");
    });

    it("audits logins", async () => {
      const admin = await createAdmin(host);
      await Session.login(server.url, { username: admin.username, password: admin.password });
      const audit = await host.get(`/host/audit-logs?actor=${admin.username}&action=Login`);
      // One from createAdmin's token, one from the session.
      expect(audit.body.items).toHaveLength(2);
      expect(audit.body.items[0]).toMatchObject({
        actor: { kind: "admin", id: admin.id, name: admin.username },
        component: "Authentication",
        target: { type: "admin", id: String(admin.id), name: admin.username },
        clientIp: "127.0.0.1",
      });
    });
  });
});

describe.each(testDatabases())("login rate limit on %s", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, env: { DIRIGENT_LOGIN_RATE_LIMIT: "3" } });
  });
  afterAll(async () => server?.stop());

  it("answers the 4th attempt in a minute with 429 rate-limited and Retry-After", async () => {
    const api = new Api(server.url);
    const username = unique("adm");
    const password = newPassword();
    expect((await (await adminApi(server)).post("/host/administrators", { username, password })).status).toBe(201);
    const wrong = { username, password: "Wrong-Passw0rd!" };
    for (let i = 0; i < 3; i++) expectProblem(await api.post("/auth/token", wrong), 401, "invalid-credentials");
    const limited = await api.post("/auth/token", { username, password });
    const problem = expectProblem(limited, 429, "rate-limited");
    expect(problem).toEqual({
      type: "rate-limited",
      title: "Too many requests",
      status: 429,
      detail: "Too many attempts. Wait a minute and try again.",
    });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another account from the same address has its own budget.
    expect((await api.post("/auth/token", { username: "admin", password: server.adminPassword })).status).toBe(200);
  });

  it("limits UI logins the same way", async () => {
    const api = new Api(server.url);
    const wrong = { username: unique("ghost"), password: "Wrong-Passw0rd!" };
    for (let i = 0; i < 3; i++) expectProblem(await api.post("/auth/login", wrong), 401, "invalid-credentials");
    const limited = await api.post("/auth/login", wrong);
    expectProblem(limited, 429, "rate-limited");
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
