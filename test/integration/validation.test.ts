import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSecuritySettings } from "../../src/domain/password-policy.js";
import { Api, type ApiResponse, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, newPassword, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

interface Endpoint {
  name: string;
  method: string;
  path: () => string;
  /** Who calls it. */
  as: () => Api;
  /** A body that is valid apart from what each check breaks. */
  valid: () => Record<string, unknown>;
  /** Fields whose absence is named with "is required" when `{}` is sent. */
  required: string[];
  /** A string field, its maximum length and the message for one character more. */
  long?: [field: string, max: number, message?: string];
  /** A field and a value of the wrong type. */
  wrongType: [field: string, value: unknown];
}

/** Asserts a 400 validation-failed problem and returns its field errors. */
function fieldErrors(res: ApiResponse) {
  const problem = expectProblem(res, 400, "validation-failed");
  expect(problem.title).toBe("Validation failed");
  expect(Array.isArray(problem.errors)).toBe(true);
  return problem.errors as { path: string; message: string }[];
}

describe.each(testDatabases())("input validation on %s", (database) => {
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

  const endpoints: Endpoint[] = [
    {
      name: "POST /auth/token (administrator)",
      method: "POST",
      path: () => "/auth/token",
      as: () => anon,
      valid: () => ({ username: "admin", password: "x" }),
      required: ["username", "password"],
      long: ["username", 100],
      wrongType: ["password", 123],
    },
    {
      name: "POST /auth/token (organization user)",
      method: "POST",
      path: () => "/auth/token",
      as: () => anon,
      valid: () => ({ organization: "acme", email: "a@example.com", password: "x" }),
      required: ["username", "password"],
      long: ["organization", 100],
      wrongType: ["email", ["a@example.com"]],
    },
    {
      name: "POST /auth/login",
      method: "POST",
      path: () => "/auth/login",
      as: () => anon,
      valid: () => ({ username: "admin", password: "x" }),
      required: ["username", "password"],
      long: ["username", 100],
      wrongType: ["username", true],
    },
    {
      name: "POST /host/administrators",
      method: "POST",
      path: () => "/host/administrators",
      as: () => host,
      valid: () => ({ username: unique("v"), password: newPassword() }),
      required: ["username", "password"],
      long: ["name", 200],
      wrongType: ["username", 5],
    },
    {
      name: "PATCH /host/administrators/{id}",
      method: "PATCH",
      path: () => "/host/administrators/1",
      as: () => host,
      valid: () => ({ name: "x" }),
      required: [],
      long: ["name", 200],
      wrongType: ["status", 1],
    },
    {
      name: "POST /host/administrators/{id}/password",
      method: "POST",
      path: () => "/host/administrators/1/password",
      as: () => host,
      valid: () => ({ password: newPassword() }),
      required: ["password"],
      long: ["password", 256, "Too big: expected string to have <=256 characters"],
      wrongType: ["password", { value: "x" }],
    },
    {
      name: "POST /host/organizations",
      method: "POST",
      path: () => "/host/organizations",
      as: () => host,
      valid: () => ({ name: "Valid", admin: { email: "a@example.com" } }),
      required: ["name", "admin"],
      long: ["name", 200],
      wrongType: ["name", 42],
    },
    {
      name: "PATCH /host/organizations/{org}",
      method: "PATCH",
      path: () => `/host/organizations/${org.slug}`,
      as: () => host,
      valid: () => ({ name: "Valid" }),
      required: [],
      long: ["name", 200],
      wrongType: ["status", false],
    },
    {
      name: "POST /host/organizations/{org}/tenants",
      method: "POST",
      path: () => `/host/organizations/${org.slug}/tenants`,
      as: () => host,
      valid: () => ({ name: unique("T") }),
      required: ["name"],
      long: ["name", 64],
      wrongType: ["name", 7],
    },
    {
      name: "PATCH /host/organizations/{org}/tenants/{tenant}",
      method: "PATCH",
      path: () => `/host/organizations/${org.slug}/tenants/${org.defaultTenantId}`,
      as: () => host,
      valid: () => ({ name: "Default" }),
      required: [],
      long: ["name", 64],
      wrongType: ["name", null],
    },
    {
      name: "POST /host/maintenance/start",
      method: "POST",
      path: () => "/host/maintenance/start",
      as: () => host,
      valid: () => ({ phase: "draining" }),
      required: ["phase"],
      wrongType: ["tenantId", "1"],
    },
    {
      name: "POST /host/maintenance/end",
      method: "POST",
      path: () => "/host/maintenance/end",
      as: () => host,
      valid: () => ({}),
      required: [],
      wrongType: ["tenantId", "one"],
    },
    {
      name: "PUT /host/settings/security",
      method: "PUT",
      path: () => "/host/settings/security",
      as: () => host,
      valid: () => ({ ...defaultSecuritySettings }),
      required: Object.keys(defaultSecuritySettings),
      wrongType: ["passwordRequireDigit", "yes"],
    },
    {
      name: "PATCH /me",
      method: "PATCH",
      path: () => "/me",
      as: () => user.api,
      valid: () => ({ name: "Me" }),
      required: [],
      long: ["name", 200],
      wrongType: ["locale", 1],
    },
    {
      name: "POST /me/password",
      method: "POST",
      path: () => "/me/password",
      as: () => user.api,
      valid: () => ({ currentPassword: user.password, newPassword: newPassword() }),
      required: ["currentPassword", "newPassword"],
      long: ["newPassword", 256, "Too big: expected string to have <=256 characters"],
      wrongType: ["currentPassword", 1234],
    },
    {
      name: "POST /me/tokens",
      method: "POST",
      path: () => "/me/tokens",
      as: () => user.api,
      valid: () => ({ name: "ci" }),
      required: ["name"],
      long: ["name", 100],
      wrongType: ["expiresInDays", "30"],
    },
    {
      name: "POST /orgs/{org}/users",
      method: "POST",
      path: () => `/orgs/${org.slug}/users`,
      as: () => org.admin.api,
      valid: () => ({ email: `${unique("v")}@example.com` }),
      required: ["email"],
      long: ["name", 200],
      wrongType: ["role", ["user"]],
    },
    {
      name: "PATCH /orgs/{org}/users/{id}",
      method: "PATCH",
      path: () => `/orgs/${org.slug}/users/${user.id}`,
      as: () => org.admin.api,
      valid: () => ({ name: "U" }),
      required: [],
      long: ["name", 200],
      wrongType: ["locale", { en: true }],
    },
    {
      name: "POST /orgs/{org}/users/{id}/password",
      method: "POST",
      path: () => `/orgs/${org.slug}/users/${user.id}/password`,
      as: () => org.admin.api,
      valid: () => ({ password: newPassword() }),
      required: ["password"],
      wrongType: ["password", 1],
    },
    {
      name: "POST /orgs/{org}/tenants",
      method: "POST",
      path: () => `/orgs/${org.slug}/tenants`,
      as: () => org.admin.api,
      valid: () => ({ name: unique("T") }),
      required: ["name"],
      long: ["name", 64],
      wrongType: ["name", 1],
    },
    {
      name: "PATCH /orgs/{org}/tenants/{tenant}",
      method: "PATCH",
      path: () => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`,
      as: () => org.admin.api,
      valid: () => ({ status: "active" }),
      required: [],
      long: ["name", 64],
      wrongType: ["status", 0],
    },
  ];

  describe.each(endpoints)("$name", (endpoint) => {
    const send = (body: unknown) => endpoint.as().request(endpoint.method, endpoint.path(), body);

    it("rejects unknown fields, naming each", async () => {
      const errors = fieldErrors(await send({ ...endpoint.valid(), bogus: 1, alsoBogus: "x" }));
      expect(errors).toEqual([
        { path: "bogus", message: "is not a known field" },
        { path: "alsoBogus", message: "is not a known field" },
      ]);
    });

    it("rejects a value of the wrong type, naming the field", async () => {
      const [field, value] = endpoint.wrongType;
      const errors = fieldErrors(await send({ ...endpoint.valid(), [field]: value }));
      expect(errors.map((e) => e.path)).toEqual([field]);
      expect(errors[0]?.message).not.toBe("");
    });

    it("names every missing required field", async () => {
      const res = await send({});
      if (endpoint.required.length === 0) {
        // Everything is optional: an empty body is a valid (no-op or default) request.
        expect(res.status, res.text).not.toBe(400);
        return;
      }
      const errors = fieldErrors(res);
      expect(errors).toEqual(endpoint.required.map((path) => ({ path, message: "is required" })));
    });

    const long = endpoint.long;
    if (long) {
      it("rejects an oversized string, naming the field", async () => {
        const [field, max, message] = long;
        const errors = fieldErrors(await send({ ...endpoint.valid(), [field]: "x".repeat(max + 1) }));
        expect(errors).toEqual([{ path: field, message: message ?? `must be at most ${max} characters` }]);
      });
    }

    it("rejects a body that is not an object", async () => {
      // A JSON null counts as "no body" where the body is optional as a whole (maintenance/end).
      const bodies = ["[]", '"text"', "42", ...(endpoint.required.length > 0 ? ["null"] : [])];
      for (const body of bodies) {
        const res = await endpoint.as().request(endpoint.method, endpoint.path(), body);
        const problem = expectProblem(res, 400, "validation-failed");
        expect(problem.errors?.[0]?.path, body).toBe("body");
      }
    });
  });

  it("names nested fields by their dotted path", async () => {
    const errors = fieldErrors(
      await host.post("/host/organizations", { name: "N", admin: { email: "not-an-email", locale: "fr", bogus: 1 } }),
    );
    expect(errors).toEqual([
      { path: "admin.email", message: "must be a valid e-mail address" },
      { path: "admin.locale", message: expect.any(String) },
      { path: "admin.bogus", message: "is not a known field" },
    ]);
    expect(fieldErrors(await host.post("/host/organizations", { name: "N", admin: {} }))).toEqual([
      { path: "admin.email", message: "is required" },
    ]);
  });

  it("names an unknown field and a missing required field at once, also in a union of bodies", async () => {
    expect(
      fieldErrors(await host.post("/host/organizations", { bogus: 1, admin: { email: "a@example.com" } })),
    ).toEqual([
      { path: "name", message: "is required" },
      { path: "bogus", message: "is not a known field" },
    ]);
    // The user's credentials lack only the e-mail address; the administrator's would lack two fields
    // and have two unknown ones, so the answer is about the user's form.
    expect(fieldErrors(await anon.post("/auth/token", { organization: "o", password: "x", bogus: 1 }))).toEqual([
      { path: "email", message: "is required" },
      { path: "bogus", message: "is not a known field" },
    ]);
  });

  it("says in plain words which type a field needs", async () => {
    expect(
      fieldErrors(await host.post("/host/organizations", { name: 42, admin: { email: "a@example.com" } })),
    ).toEqual([{ path: "name", message: "must be a string" }]);
    expect(fieldErrors(await host.post("/host/maintenance/start", { phase: "draining", killJobs: "yes" }))).toEqual([
      { path: "killJobs", message: "must be a boolean" },
    ]);
  });

  it("rejects control characters and blank names", async () => {
    for (const name of ["line\nbreak", "tab\there", "   "]) {
      const errors = fieldErrors(await host.post(`/host/organizations/${org.slug}/tenants`, { name }));
      expect(new Set(errors.map((e) => e.path))).toEqual(new Set(["name"]));
    }
    expect(fieldErrors(await user.api.patch("/me", { name: "a\r\nSet-Cookie: x" }))).toEqual([
      { path: "name", message: "must not contain control characters" },
    ]);
  });

  it("rejects values outside their ranges", async () => {
    expect(fieldErrors(await user.api.post("/me/tokens", { name: "t", expiresInDays: 0 })).map((e) => e.path)).toEqual([
      "expiresInDays",
    ]);
    expect(
      fieldErrors(await user.api.post("/me/tokens", { name: "t", expiresInDays: 3651 })).map((e) => e.path),
    ).toEqual(["expiresInDays"]);
    const security = await host.put("/host/settings/security", {
      ...defaultSecuritySettings,
      passwordMinLength: 7,
      lockoutThreshold: 0,
      lockoutMinutes: 1441,
    });
    expect(fieldErrors(security).map((e) => e.path)).toEqual([
      "passwordMinLength",
      "lockoutThreshold",
      "lockoutMinutes",
    ]);
    expect((await host.get("/host/settings/security")).body).toEqual(defaultSecuritySettings);
    expect(fieldErrors(await host.post("/host/maintenance/start", { phase: "off" })).map((e) => e.path)).toEqual([
      "phase",
    ]);
    expect(
      fieldErrors(await host.post("/host/maintenance/start", { phase: "draining", tenantId: 0 })).map((e) => e.path),
    ).toEqual(["tenantId"]);
    expect((await host.get("/host/maintenance")).body.phase).toBe("none");
  });

  it("validates query strings, naming the parameter", async () => {
    for (const [path, param] of [
      ["/host/administrators?limit=0", "limit"],
      ["/host/administrators?limit=501", "limit"],
      ["/host/administrators?limit=ten", "limit"],
      ["/host/administrators?cursor=abc", "cursor"],
      ["/host/organizations?bogus=1", "bogus"],
      ["/host/audit-logs?from=yesterday", "from"],
      ["/host/audit-logs?to=2026-13-45T00:00:00Z", "to"],
      ["/host/audit-logs?cursor=abc", "cursor"],
      ["/host/audit-logs.csv?bogus=1", "bogus"],
    ]) {
      const res = await host.get(path as string);
      const errors = fieldErrors(res);
      expect(
        errors.map((e) => e.path),
        path,
      ).toEqual([param]);
      expect(res.body.detail, path).toMatch(/^(The query string is invalid|One or more fields are invalid)\.$/);
    }
  });

  it.each([
    ["GET", "/host/administrators/abc"],
    ["PATCH", "/host/administrators/abc"],
    ["DELETE", "/host/administrators/abc"],
    ["POST", "/host/administrators/abc/password"],
    ["GET", "/host/administrators/0"],
    ["GET", "/host/administrators/-1"],
    ["GET", "/host/administrators/1.5"],
    ["PATCH", "/orgs/ORG/users/abc"],
    ["DELETE", "/orgs/ORG/users/1e3x"],
    ["POST", "/orgs/ORG/users/x/password"],
    ["DELETE", "/me/tokens/abc"],
  ])("rejects a non-numeric or non-positive id: %s %s", async (method, path) => {
    const api = path.startsWith("/orgs") ? org.admin.api : host;
    const body = method === "GET" || method === "DELETE" ? undefined : { name: "x", password: newPassword() };
    const res = await api.request(method, path.replace("ORG", org.slug), method === "PATCH" ? { name: "x" } : body);
    const problem = expectProblem(res, 400, "validation-failed");
    expect(problem.detail).toBe("The path parameters are invalid.");
    expect(problem.errors?.map((e) => e.path)).toEqual(["id"]);
  });

  it("rejects malformed JSON with a 400 problem", async () => {
    const res = await host.request("POST", "/host/administrators", '{"username": "x",', {
      "content-type": "application/json",
    });
    const problem = expectProblem(res, 400, "validation-failed");
    expect(problem).toMatchObject({ title: "Bad request", status: 400, detail: "The request body is not valid JSON." });
    expect(problem.errors?.[0]?.path).toBe("body");
    expect(res.text).not.toMatch(/at \w+ \(|node_modules/);
  });

  it("rejects an empty JSON body with a 400 problem", async () => {
    const res = await host.request("POST", "/host/administrators", "", { "content-type": "application/json" });
    expect(expectProblem(res, 400, "validation-failed").detail).toBe("The request body is empty.");
  });

  it("rejects a body over 256 KiB with 413 payload-too-large", async () => {
    const big = JSON.stringify({ username: "big", password: "x".repeat(256 * 1024) });
    const res = await host.request("POST", "/host/administrators", big);
    expect(expectProblem(res, 413, "payload-too-large")).toEqual({
      type: "payload-too-large",
      title: "Payload too large",
      status: 413,
      detail: "The request body is too large.",
    });
    // Also before authentication.
    expectProblem(await anon.request("POST", "/auth/token", big), 413, "payload-too-large");
  });

  it.each(["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])(
    "rejects a body sent as %s with 415 unsupported-media-type",
    async (contentType) => {
      const body = JSON.stringify({ username: unique("ct"), password: newPassword() });
      for (const [api, path] of [
        [host, "/host/administrators"],
        [anon, "/auth/token"],
      ] as const) {
        const res = await api.request("POST", path, body, { "content-type": contentType });
        expect(expectProblem(res, 415, "unsupported-media-type").detail).toBe(
          "Send the request body as application/json.",
        );
      }
      const list = await host.get("/host/administrators?limit=500");
      expect(list.body.items.some((a: { username: string }) => a.username.startsWith("ct-"))).toBe(false);
    },
  );

  it("answers unknown routes with a 404 problem", async () => {
    for (const [api, method, path] of [
      [anon, "GET", "/nope"],
      [host, "GET", "/host/nope"],
      [host, "POST", "/host/nope"],
      [host, "PUT", "/host/administrators"],
      [host, "DELETE", "/host/organizations"],
      [anon, "GET", "/health/extra"],
    ] as const) {
      const res = await api.request(method, path);
      const problem = expectProblem(res, 404, "not-found");
      expect(problem).toEqual({
        type: "not-found",
        title: "Not found",
        status: 404,
        detail: `No endpoint ${method} /api/v1${path}.`,
      });
    }
  });

  describe("nothing is partly written", () => {
    it("creates no organization, tenant, user or audit row when the admin password breaks the policy", async () => {
      const slug = unique("partial");
      const before = (await host.get("/host/dashboard")).body;
      const errors = fieldErrors(
        await host.post("/host/organizations", {
          name: "Partial",
          slug,
          admin: { email: "p@example.com", password: "weak" },
        }),
      );
      expect(errors).toEqual([
        {
          path: "admin.password",
          message: "must be at least 10 characters long; must contain an upper-case letter; must contain a digit",
        },
      ]);
      expect((await host.get("/host/dashboard")).body).toEqual(before);
      expect((await host.get(`/host/organizations?q=${slug}`)).body.items).toEqual([]);
      expectProblem(await host.get(`/host/organizations/${slug}`), 404, "not-found");
      expect((await host.get(`/host/audit-logs?q=${slug}`)).body.items).toEqual([]);
    });

    it("creates no user and no audit row when a new user's password breaks the policy", async () => {
      const email = `${unique("weak")}@example.com`;
      const errors = fieldErrors(await org.admin.api.post(`/orgs/${org.slug}/users`, { email, password: "short" }));
      expect(errors.map((e) => e.path)).toEqual(["password"]);
      const users = await org.admin.api.get(`/orgs/${org.slug}/users`);
      expect(users.body.items.some((u: { email: string }) => u.email === email)).toBe(false);
      expect((await org.admin.api.get(`/orgs/${org.slug}/audit-logs?q=${email}`)).body.items).toEqual([]);
    });

    it("changes nothing when a request fails validation", async () => {
      const before = (await host.get(`/host/organizations/${org.slug}`)).body;
      fieldErrors(await host.patch(`/host/organizations/${org.slug}`, { name: "Changed", bogus: true }));
      fieldErrors(await host.patch(`/host/organizations/${org.slug}`, { name: "Changed", status: "paused" }));
      expect((await host.get(`/host/organizations/${org.slug}`)).body).toEqual(before);
      fieldErrors(await org.admin.api.patch(`/orgs/${org.slug}/users/${user.id}`, { role: "owner", name: "Changed" }));
      const users = await org.admin.api.get(`/orgs/${org.slug}/users`);
      expect(users.body.items.find((u: { id: number }) => u.id === user.id)).toMatchObject({
        role: "user",
        name: user.email,
      });
    });
  });
});
