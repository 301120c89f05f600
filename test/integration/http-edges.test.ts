import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, expectProblem } from "../helpers/api.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** What every answer at the edge of the HTTP server looks like: problem+json, headers, caching. */
describe("the HTTP edge", () => {
  let server: TestServer;
  let host: Api;
  let org: TestOrg;

  beforeAll(async () => {
    server = await startTestServer();
    host = await adminApi(server);
    org = await createOrg(host);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers over-long path parameters and malformed percent-encoding with problem+json", async () => {
    const long = await host.get(`/orgs/${"a".repeat(5000)}/users`);
    expect(expectProblem(long, 414, "validation-failed").errors).toEqual([
      { path: "path", message: "has a segment that is too long" },
    ]);
    const malformed = await host.get("/orgs/%E0%A4%A/users");
    expect(expectProblem(malformed, 400, "validation-failed").errors).toEqual([
      { path: "path", message: "is not a valid URL path" },
    ]);
  });

  it("sends no HSTS over plain HTTP, and the API docs page does not upgrade its own requests", async () => {
    const health = await fetch(`${server.url}/api/v1/health`);
    expect(health.headers.get("strict-transport-security")).toBeNull();
    const docs = await fetch(`${server.url}/api/docs/`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-security-policy")).not.toContain("upgrade-insecure-requests");
  });

  it("marks API answers, tokens above all, as not to be stored", async () => {
    const res = await fetch(`${server.url}/api/v1/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: server.adminPassword }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect((await host.get("/me")).headers.get("cache-control")).toBe("no-store");
  });

  it("answers 404 for the processes of a folder that does not exist, even to an administrator", async () => {
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    expectProblem(await org.admin.api.get(`${t}/folders/999999/processes`), 404, "not-found");
  });

  it("answers 404 for the e-mail presets of an organization that does not exist or is not the caller's", async () => {
    expect((await org.admin.api.get(`/orgs/${org.slug}/settings/email/presets`)).status).toBe(200);
    expectProblem(await org.admin.api.get("/orgs/no-such-org/settings/email/presets"), 404, "not-found");
    const other = await createOrg(host);
    expectProblem(await org.admin.api.get(`/orgs/${other.slug}/settings/email/presets`), 404, "not-found");
  });
});
