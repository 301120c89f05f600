import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createAdmin, newPassword, Session } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe.each(testDatabases())("system administrators on %s", (database) => {
  let server: TestServer;
  let host: Api;
  let anon: Api;
  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
    anon = new Api(server.url);
  });
  afterAll(async () => server?.stop());

  /** Disables every active administrator except `admin` and the ones kept, so "last" tests start from a known state. */
  async function disableAllOthers(...keep: number[]) {
    const list = await host.get("/host/administrators?limit=500");
    for (const a of list.body.items) {
      if (a.username !== "admin" && !keep.includes(a.id) && a.status === "active") {
        expect((await host.patch(`/host/administrators/${a.id}`, { status: "disabled" })).status).toBe(200);
      }
    }
  }

  it("creates an administrator and answers with it, without any password field", async () => {
    const username = unique("Ada").toUpperCase();
    const password = newPassword();
    const res = await host.post("/host/administrators", {
      username,
      name: "  Ada Lovelace ",
      email: "ADA@Example.com",
      password,
      locale: "de",
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      username: username.toLowerCase(),
      name: "Ada Lovelace",
      email: "ada@example.com",
      status: "active",
      locale: "de",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      lastLoginAt: null,
    });
    expect(res.text).not.toContain(password);
    const token = await anon.post("/auth/token", { username, password });
    expect(token.status).toBe(200);
  });

  it("defaults name to the username, email to null and locale to en", async () => {
    const username = unique("bob");
    const res = await host.post("/host/administrators", { username, password: newPassword() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ username, name: username, email: null, locale: "en", status: "active" });
  });

  it("lists administrators in id order with cursor pagination", async () => {
    await createAdmin(host);
    await createAdmin(host);
    const all = await host.get("/host/administrators?limit=500");
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items[0].username).toBe("admin");
    const ids = all.body.items.map((a: { id: number }) => a.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: number }[]; nextCursor: string | null } } = await host.get(
        `/host/administrators?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((a) => a.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it("gets one administrator by id and answers 404 for an unknown one", async () => {
    const admin = await createAdmin(host);
    const res = await host.get(`/host/administrators/${admin.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: admin.id, username: admin.username, lastLoginAt: expect.any(String) });
    expectProblem(await host.get("/host/administrators/999999"), 404, "not-found");
    expectProblem(await host.patch("/host/administrators/999999", { name: "x" }), 404, "not-found");
    expectProblem(await host.delete("/host/administrators/999999"), 404, "not-found");
    expectProblem(
      await host.post("/host/administrators/999999/password", { password: newPassword() }),
      404,
      "not-found",
    );
  });

  it("edits name, e-mail and locale", async () => {
    const admin = await createAdmin(host);
    const res = await host.patch(`/host/administrators/${admin.id}`, {
      name: "New Name",
      email: "N@E.com",
      locale: "de",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      id: admin.id,
      name: "New Name",
      email: "n@e.com",
      locale: "de",
      status: "active",
    });
    expect((await host.get(`/host/administrators/${admin.id}`)).body).toMatchObject({ name: "New Name" });
    const cleared = await host.patch(`/host/administrators/${admin.id}`, { email: null });
    expect(cleared.body.email).toBeNull();
  });

  it("refuses a taken username with 409 already-exists naming the field, ignoring case", async () => {
    const admin = await createAdmin(host);
    const before = await host.get("/host/administrators?limit=500");
    for (const username of [admin.username, admin.username.toUpperCase()]) {
      const res = await host.post("/host/administrators", { username, password: newPassword() });
      const problem = expectProblem(res, 409, "already-exists");
      expect(problem.errors).toEqual([{ path: "username", message: "is already taken" }]);
    }
    const after = await host.get("/host/administrators?limit=500");
    expect(after.body.items).toHaveLength(before.body.items.length);
  });

  it.each([
    ["too short", "Ab1-short", "must be at least 10 characters long"],
    ["no upper case", "lower-case-only-1", "must contain an upper-case letter"],
    ["no lower case", "UPPER-CASE-ONLY-1", "must contain a lower-case letter"],
    ["no digit", "No-Digits-Here", "must contain a digit"],
  ])("refuses a password that breaks the policy (%s) with errors[path=password]", async (_n, password, message) => {
    const username = unique("weak");
    const problem = expectProblem(
      await host.post("/host/administrators", { username, password }),
      400,
      "validation-failed",
    );
    expect(problem.errors).toEqual([{ path: "password", message }]);
    expectProblem(await anon.post("/auth/token", { username, password }), 401, "invalid-credentials");
    const audit = await host.get(`/host/audit-logs?q=${username}`);
    expect(audit.body.items).toEqual([]);
  });

  it("applies a changed password policy", async () => {
    const settings = await host.get("/host/settings/security");
    expect(settings.status).toBe(200);
    try {
      const put = await host.put("/host/settings/security", {
        ...settings.body,
        passwordMinLength: 12,
        passwordRequireSymbol: true,
      });
      expect(put.status, put.text).toBe(200);
      const problem = expectProblem(
        await host.post("/host/administrators", { username: unique("p"), password: "Abcdefghij12" }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual([{ path: "password", message: "must contain a symbol (not a letter or digit)" }]);
      expect(
        (await host.post("/host/administrators", { username: unique("p"), password: "Abcdefghij1!" })).status,
      ).toBe(201);
    } finally {
      expect((await host.put("/host/settings/security", settings.body)).status).toBe(200);
    }
  });

  it("deletes an administrator: it is gone and cannot sign in, its tokens stop working", async () => {
    const admin = await createAdmin(host);
    const res = await host.delete(`/host/administrators/${admin.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expectProblem(await host.get(`/host/administrators/${admin.id}`), 404, "not-found");
    expectProblem(await admin.api.get("/me"), 401, "authentication-required");
    expectProblem(
      await anon.post("/auth/token", { username: admin.username, password: admin.password }),
      401,
      "invalid-credentials",
    );
    expectProblem(await host.delete(`/host/administrators/${admin.id}`), 404, "not-found");
  });

  it("disabling an administrator revokes its tokens and sessions; enabling lets it sign in again", async () => {
    const admin = await createAdmin(host);
    const session = await Session.login(server.url, { username: admin.username, password: admin.password });
    const res = await host.patch(`/host/administrators/${admin.id}`, { status: "disabled" });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("disabled");
    expectProblem(await admin.api.get("/me"), 401, "authentication-required");
    expectProblem(await session.request("GET", "/auth/session"), 401, "authentication-required");
    expectProblem(
      await anon.post("/auth/token", { username: admin.username, password: admin.password }),
      401,
      "invalid-credentials",
    );

    expect((await host.patch(`/host/administrators/${admin.id}`, { status: "active" })).body.status).toBe("active");
    // Revoked tokens stay revoked; a new login works.
    expectProblem(await admin.api.get("/me"), 401, "authentication-required");
    expect((await anon.post("/auth/token", { username: admin.username, password: admin.password })).status).toBe(200);
  });

  it("resetting a password ends the target's sessions and tokens; only the new password works", async () => {
    const admin = await createAdmin(host);
    const session = await Session.login(server.url, { username: admin.username, password: admin.password });
    const pat = await admin.api.post("/me/tokens", { name: "script" });
    expect(pat.status).toBe(201);
    const next = newPassword();
    const res = await host.post(`/host/administrators/${admin.id}/password`, { password: next });
    expect(res.status).toBe(204);
    expectProblem(await admin.api.get("/me"), 401, "authentication-required");
    expectProblem(await session.request("GET", "/auth/session"), 401, "authentication-required");
    expectProblem(await anon.withToken(pat.body.token).get("/me"), 401, "authentication-required");
    expectProblem(
      await anon.post("/auth/token", { username: admin.username, password: admin.password }),
      401,
      "invalid-credentials",
    );
    expect((await anon.post("/auth/token", { username: admin.username, password: next })).status).toBe(200);
    // The caller's own session is untouched.
    expect((await host.get("/me")).status).toBe(200);
  });

  it("refuses a reset password that breaks the policy", async () => {
    const admin = await createAdmin(host);
    const problem = expectProblem(
      await host.post(`/host/administrators/${admin.id}/password`, { password: "short" }),
      400,
      "validation-failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["password"]);
    // Nothing changed: the old password and token still work.
    expect((await admin.api.get("/me")).status).toBe(200);
  });

  it("returns 409 last-administrator when disabling or deleting the last active administrator", async () => {
    await disableAllOthers();
    const list = await host.get("/host/administrators?limit=500");
    const admin = list.body.items.find((a: { username: string }) => a.username === "admin");
    // The caller is itself the last one.
    const disable = expectProblem(
      await host.patch(`/host/administrators/${admin.id}`, { status: "disabled" }),
      409,
      "last-administrator",
    );
    expect(disable.detail).toBe("You cannot disable the last active system administrator.");
    const del = expectProblem(await host.delete(`/host/administrators/${admin.id}`), 409, "last-administrator");
    expect(del.detail).toBe("You cannot delete the last active system administrator.");
    expect((await host.get(`/host/administrators/${admin.id}`)).body.status).toBe("active");
    expect((await host.get("/me")).status).toBe(200);
    // Editing other fields of the last administrator is fine.
    expect((await host.patch(`/host/administrators/${admin.id}`, { locale: "en" })).status).toBe(200);
  });

  it("lets an administrator disable or delete another one, but never the last active one, not even itself", async () => {
    const second = await createAdmin(host);
    await disableAllOthers(second.id);
    const list = await host.get("/host/administrators?limit=500");
    const admin = list.body.items.find((a: { username: string }) => a.username === "admin");

    // Two active: the second may disable `admin`...
    expect((await second.api.patch(`/host/administrators/${admin.id}`, { status: "disabled" })).status).toBe(200);
    try {
      expectProblem(await host.get("/me"), 401, "authentication-required");
      // ...and is now the last one: it cannot disable or delete itself.
      expectProblem(
        await second.api.patch(`/host/administrators/${second.id}`, { status: "disabled" }),
        409,
        "last-administrator",
      );
      expectProblem(await second.api.delete(`/host/administrators/${second.id}`), 409, "last-administrator");
      // A disabled administrator can be deleted even though only one is active.
      const extra = await createAdmin(second.api);
      expect((await second.api.patch(`/host/administrators/${extra.id}`, { status: "disabled" })).status).toBe(200);
      expect((await second.api.delete(`/host/administrators/${extra.id}`)).status).toBe(204);
    } finally {
      expect((await second.api.patch(`/host/administrators/${admin.id}`, { status: "active" })).status).toBe(200);
      host = await adminApi(server);
    }
  });

  it("audits create, update, disable, enable, password reset and delete with before and after", async () => {
    const ua = `admin-audit-${unique("ua")}`;
    const send = (method: string, path: string, body?: unknown) =>
      host.request(method, path, body, { "user-agent": ua });
    const username = unique("aud");
    const created = await send("POST", "/host/administrators", { username, password: newPassword() });
    const id = created.body.id;
    await send("PATCH", `/host/administrators/${id}`, { name: "Renamed" });
    await send("PATCH", `/host/administrators/${id}`, { status: "disabled" });
    await send("PATCH", `/host/administrators/${id}`, { status: "active" });
    await send("POST", `/host/administrators/${id}/password`, { password: newPassword() });
    await send("DELETE", `/host/administrators/${id}`);

    const audit = await host.get(`/host/audit-logs?component=Administrators&q=${username}`);
    expect(audit.status).toBe(200);
    const rows = [...audit.body.items].reverse();
    const me = (await host.get("/me")).body;
    const common = {
      actor: { kind: "admin", id: me.id, name: "admin" },
      component: "Administrators",
      target: { type: "admin", id: String(id), name: username },
      clientIp: "127.0.0.1",
      userAgent: ua,
    };
    expect(rows).toEqual([
      {
        ...common,
        id: expect.any(Number),
        time: expect.any(String),
        action: "Create",
        before: null,
        after: expect.objectContaining({ id, username, name: username, status: "active" }),
      },
      {
        ...common,
        id: expect.any(Number),
        time: expect.any(String),
        action: "Update",
        before: { name: username },
        after: { name: "Renamed" },
      },
      {
        ...common,
        id: expect.any(Number),
        time: expect.any(String),
        action: "Deactivate",
        before: { status: "active" },
        after: { status: "disabled" },
      },
      {
        ...common,
        id: expect.any(Number),
        time: expect.any(String),
        action: "Activate",
        before: { status: "disabled" },
        after: { status: "active" },
      },
      {
        ...common,
        id: expect.any(Number),
        time: expect.any(String),
        action: "Reset Password",
        before: null,
        after: null,
      },
      {
        ...common,
        id: expect.any(Number),
        time: expect.any(String),
        action: "Delete",
        before: expect.objectContaining({ id, username, name: "Renamed" }),
        after: null,
      },
    ]);
  });

  it("writes no audit row and changes nothing for a refused change", async () => {
    const admin = await createAdmin(host);
    const count = async () =>
      (await host.get(`/host/audit-logs?q=${admin.username}&component=Administrators`)).body.items.length;
    const before = await count();
    expectProblem(
      await host.post("/host/administrators", { username: admin.username, password: newPassword() }),
      409,
      "already-exists",
    );
    expectProblem(
      await host.post(`/host/administrators/${admin.id}/password`, { password: "weak" }),
      400,
      "validation-failed",
    );
    expect(await count()).toBe(before);
  });
});
