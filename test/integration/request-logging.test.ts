import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue 12, defect 11: requests are logged at debug, not two info lines each; the info level
 * keeps what an operator reads (errors, slow requests, the sign-in banner).
 */
describe("request logging", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("writes no info line for ordinary requests, successful or refused", async () => {
    const host = await adminApi(server);
    const before = server.logs.length;
    for (let i = 0; i < 5; i++) expect((await host.get("/host/organizations")).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/nothing-here?token=secret`)).status).toBe(404);
    const lines = server.logs.slice(before).join("");
    expect(lines).not.toMatch(/incoming request|request completed/);
    expect(lines).not.toContain("/host/organizations");
    expect(lines).not.toContain("token=secret");
  });
});
