import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe.each(testDatabases())("start-up on %s", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(async () => server?.stop());

  it("answers the health check", async () => {
    const res = await new Api(server.url).get("/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("issues a bearer token to the bootstrapped admin", async () => {
    const res = await new Api(server.url).post("/auth/token", { username: "admin", password: server.adminPassword });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: "Bearer", expiresIn: 3600 });
    expect(res.body.accessToken).toMatch(/^dgt_/);
  });
});
