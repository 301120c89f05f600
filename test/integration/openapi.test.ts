import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectProblem } from "../helpers/api.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is arbitrary JSON.
type Json = any;

// Neither the OpenAPI document nor the web UI touches storage: SQLite is enough.
describe("OpenAPI document", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.stop());

  it("serves an OpenAPI 3 document with the fixed paths and methods", async () => {
    const res = await fetch(`${server.url}/api/docs/json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const doc: Json = await res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: "Dirigent API", version: "1" });
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: "http", scheme: "bearer" } });
    const fixed: Record<string, string[]> = {
      "/api/v1/health": ["get"],
      "/api/v1/auth/token": ["post"],
      "/api/v1/host/administrators": ["get", "post"],
      "/api/v1/host/administrators/{id}": ["patch", "delete"],
      "/api/v1/host/organizations": ["get", "post"],
      "/api/v1/host/organizations/{org}": ["get", "patch", "delete"],
      "/api/v1/orgs/{org}": ["get"],
      "/api/v1/host/audit-logs": ["get"],
      "/api/v1/host/audit-logs.csv": ["get"],
      "/api/v1/host/maintenance": ["get"],
      "/api/v1/host/maintenance/start": ["post"],
      "/api/v1/host/maintenance/end": ["post"],
    };
    for (const [p, methods] of Object.entries(fixed)) {
      expect(doc.paths[p], p).toBeDefined();
      for (const m of methods) expect(doc.paths[p][m], `${m.toUpperCase()} ${p}`).toBeDefined();
    }
  });

  it("describes the request bodies of the fixed endpoints", async () => {
    const doc: Json = await (await fetch(`${server.url}/api/docs/json`)).json();
    const body = (p: string, m: string) => doc.paths[p][m].requestBody.content["application/json"].schema;
    const org = body("/api/v1/host/organizations", "post");
    expect(org.required).toEqual(expect.arrayContaining(["name", "admin"]));
    expect(Object.keys(org.properties)).toEqual(expect.arrayContaining(["name", "slug", "admin"]));
    expect(org.properties.admin.required).toEqual(["email"]);
    const start = body("/api/v1/host/maintenance/start", "post");
    expect(start.properties.phase.enum).toEqual(["draining", "suspended"]);
    expect(JSON.stringify(body("/api/v1/auth/token", "post"))).toContain("organization");
  });

  it("serves the interactive documentation", async () => {
    const res = await fetch(`${server.url}/api/docs/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
  });
});

describe("web UI and unknown paths", () => {
  const roots: string[] = [];
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  });

  async function serve(withIndex: boolean) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-web-"));
    roots.push(root);
    if (withIndex) {
      fs.writeFileSync(path.join(root, "index.html"), "<!doctype html><title>Dirigent UI</title>");
      fs.writeFileSync(path.join(root, "app.js"), "console.log('ui')");
    }
    const server = await startTestServer({ webRoot: root });
    servers.push(server);
    return server;
  }

  it("starts with a built UI, serves it with client-side routes, and keeps problem+json 404s for the API", async () => {
    const server = await serve(true);
    const page = await fetch(`${server.url}/host/organizations`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Dirigent UI");
    const asset = await fetch(`${server.url}/app.js`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe("console.log('ui')");
    expect((await fetch(`${server.url}/missing.js`)).status).toBe(404);
    const api = new Api(server.url);
    expectProblem(await api.get("/nope"), 404, "not-found");
    expectProblem(await api.post("/nope", {}), 404, "not-found");
    expect((await api.get("/health")).status).toBe(200);
  });

  it("starts without a built UI and answers every unknown path with a problem+json 404", async () => {
    const server = await serve(false);
    const page = await fetch(`${server.url}/host/organizations`);
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toContain("application/problem+json");
    expectProblem(await new Api(server.url).get("/nope"), 404, "not-found");
  });
});
