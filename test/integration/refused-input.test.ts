import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, type ApiResponse, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { apiOperations, fillPath, sampleBody } from "../helpers/route-walk.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Values PostgreSQL refuses where SQLite takes them (NUL in text, integers beyond 32 bits) are a
 * 400 naming the field on both databases, never a 500 — here for chosen fields, then for every
 * route of the OpenAPI document.
 */
describe.each(testDatabases())("values the database cannot store, on %s", { timeout: 120_000 }, (database) => {
  let server: TestServer;
  let host: Api;
  let org: TestOrg;
  let t: string;

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
    org = await createOrg(host);
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const errorsOf = (res: ApiResponse) => expectProblem(res, 400, "validation-failed").errors ?? [];

  it("names every body field with a NUL character, nested ones included", async () => {
    const res = await host.post("/host/organizations", {
      name: "Acme\u0000",
      slug: unique("nul"),
      admin: { email: "x\u0000@example.com", password: "Passw0rd!-long" },
    });
    expect(errorsOf(res)).toEqual([
      { path: "name", message: "must not contain NUL characters" },
      { path: "admin.email", message: "must not contain NUL characters" },
    ]);
    const list = await host.get(`/host/organizations?q=${encodeURIComponent("Acme")}`);
    expect(list.body.items.filter((o: { name: string }) => o.name.startsWith("Acme"))).toEqual([]);
  });

  it("refuses NUL in path parameters and query strings", async () => {
    expect(errorsOf(await host.get("/host/organizations/a%00b"))).toEqual([
      { path: "org", message: "must not contain NUL characters" },
    ]);
    expect(errorsOf(await host.get("/host/organizations?q=a%00"))).toEqual([
      { path: "q", message: "must not contain NUL characters" },
    ]);
  });

  it("refuses ids beyond 32 bits in paths, queries and bodies; the largest id is just not found", async () => {
    expect(errorsOf(await org.admin.api.get(`${t}/folders/2147483648`))).toEqual([
      { path: "folder", message: "is not a valid id" },
    ]);
    expectProblem(await org.admin.api.get(`${t}/folders/2147483647`), 404, "not-found");
    expect(errorsOf(await org.admin.api.post(`${t}/folders`, { name: "F", parentId: 2 ** 31 }))).toEqual([
      { path: "parentId", message: "is not a valid id" },
    ]);
    expect(errorsOf(await org.admin.api.get(`${t}/jobs?processId=99999999999999999999`))[0]?.path).toBe("processId");
  });

  it("answers no route of the OpenAPI document with a 5xx for NUL, huge numbers or odd strings", async () => {
    const doc = (await (await fetch(`${server.url}/api/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const badValues = ["2147483648", "99999999999999999999", "a%00b", "%F0%9F%98%80", "x".repeat(190)];
    const known: Record<string, string> = { org: org.slug, tenant: String(org.defaultTenantId) };
    const failures: string[] = [];
    let calls = 0;
    for (const [template, operations] of Object.entries(doc.paths)) {
      if (!template.startsWith("/api/v1/") || template.includes("/robot/")) continue;
      const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
      for (const method of Object.keys(operations)) {
        const upper = method.toUpperCase();
        if (!["GET", "POST", "PATCH", "PUT", "DELETE"].includes(upper)) continue;
        for (const bad of badValues) {
          // Every parameter bad at once, then each alone beside real organization and tenant values.
          const variants = [
            Object.fromEntries(params.map((p) => [p, bad])),
            ...params.map((p) => Object.fromEntries(params.map((q) => [q, q === p ? bad : (known[q] ?? "1")]))),
          ];
          for (const values of variants) {
            const url = template.replace(/\{(\w+)\}/g, (_, p: string) => values[p] ?? "1").replace(/^\/api\/v1/, "");
            const body =
              upper === "GET" || upper === "DELETE" ? undefined : { name: "n\u0000", id: 2 ** 31, limit: 2 ** 53 + 2 };
            for (const client of [host, org.admin.api]) {
              const res = await client.request(
                upper,
                `${url}${upper === "GET" ? `?limit=${bad}&cursor=${bad}` : ""}`,
                body,
              );
              calls += 1;
              if (res.status >= 500) failures.push(`${upper} ${url} → ${res.status} ${res.text.slice(0, 200)}`);
              else if (res.status >= 400)
                expect(res.headers.get("content-type"), `${upper} ${url}`).toContain("problem+json");
            }
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  });

  it("answers malformed bodies of every operation with a 4xx problem: missing, extra, mistyped and huge fields", async () => {
    const failures: string[] = [];
    let calls = 0;
    const values = { org: org.slug, tenant: org.defaultTenantId };
    for (const op of await apiOperations(server.url)) {
      // Not the calls that would end the session or close the installation for the rest of the walk.
      if (!op.bodySchema || /^\/(job\/|auth\/logout|host\/maintenance)/.test(op.template)) continue;
      const path = fillPath(op.template, new Proxy(values, { get: (v, k: string) => v[k as keyof typeof v] ?? 1 }));
      if (!path) continue;
      const { body } = sampleBody(op.bodySchema, {});
      const base = typeof body === "object" && body !== null && !Array.isArray(body) ? body : {};
      const variants: unknown[] = [{}, { ...base, unexpectedField: 1 }, "not json", [], null];
      for (const key of Object.keys(base)) {
        const value = (base as Record<string, unknown>)[key];
        variants.push({ ...base, [key]: typeof value === "number" ? "12" : 12 });
        variants.push({ ...base, [key]: "x".repeat(100_000) });
        variants.push({ ...base, [key]: { nested: ["\u0000", 2 ** 53] } });
      }
      for (const variant of variants) {
        for (const client of [host, org.admin.api]) {
          const res = await client.request(
            op.method,
            path,
            typeof variant === "string" ? variant : JSON.stringify(variant),
          );
          calls += 1;
          if (res.status >= 500)
            failures.push(`${op.method} ${path} ${JSON.stringify(variant).slice(0, 80)} → ${res.status}`);
          else if (res.status >= 400 && !(res.headers.get("content-type") ?? "").includes("problem+json"))
            failures.push(`${op.method} ${path} → ${res.status} without problem+json`);
        }
      }
    }
    console.log(`body fuzz (${database}): ${calls} calls, ${failures.length} failures`);
    expect(calls).toBeGreaterThan(300);
    expect(failures).toEqual([]);
  });
});
