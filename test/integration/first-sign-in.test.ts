import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Api, expectProblem } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { newPassword } from "../helpers/fixtures.js";
import { spawnServer } from "../helpers/process.js";
import { startTestServer } from "../helpers/server.js";

describe.each(testDatabases())("first sign-in of the first administrator on %s", (database) => {
  it("makes the first administrator with a generated password choose one and give an e-mail address first (issue 12, defect 11)", async () => {
    const server = await startTestServer({ database, env: { DIRIGENT_ADMIN_PASSWORD: "" } });
    try {
      const generated = server.server.generatedAdminPassword as string;
      const anon = new Api(server.url);
      const first = await anon.as({ username: "admin", password: generated });
      const me = await first.get("/me");
      expect(me.body).toMatchObject({ kind: "admin", username: "admin", email: null, setupRequired: true });
      // Nothing else works until then, whatever the route, and the answer says what to do.
      for (const [method, path] of [
        ["GET", "/host/organizations"],
        ["POST", "/host/administrators"],
        ["POST", "/me/password"],
        ["POST", "/me/tokens"],
      ] as const) {
        const refused = expectProblem(
          await first.request(method, path, method === "POST" ? {} : undefined),
          403,
          "setup-required",
        );
        expect(refused.detail).toBe("Choose a new password and give an e-mail address first.");
      }
      expect((await first.patch("/me", { locale: "de" })).status).toBe(200);

      // Every problem at once.
      const bad = expectProblem(
        await first.post("/me/setup", { email: "nope", newPassword: "short" }),
        400,
        "validation-failed",
      );
      expect(bad.errors?.map((e) => e.path)).toEqual(["email"]);
      const weak = expectProblem(
        await first.post("/me/setup", { email: "root@example.test", newPassword: "short" }),
        400,
        "validation-failed",
      );
      expect(weak.errors?.map((e) => e.path)).toEqual(["newPassword"]);

      const chosen = newPassword();
      const done = await first.post("/me/setup", { email: "root@example.test", newPassword: chosen });
      expect(done.status, done.text).toBe(200);
      expect(done.body).toEqual({
        kind: "admin",
        id: me.body.id,
        username: "admin",
        name: "Administrator",
        email: "root@example.test",
        locale: "de",
      });
      // The generated password stops working; the chosen one works and has everything.
      expectProblem(
        await anon.post("/auth/token", { username: "admin", password: generated }),
        401,
        "invalid-credentials",
      );
      const again = await anon.as({ username: "admin", password: chosen });
      expect((await again.get("/host/organizations")).status).toBe(200);
      expectProblem(
        await again.post("/me/setup", { email: "x@example.test", newPassword: newPassword() }),
        409,
        "invalid-state-transition",
      );
      const audit = await again.get("/host/audit-logs?component=Administrators");
      expect(JSON.stringify(audit.body)).not.toContain(chosen);
      expect(JSON.stringify(audit.body)).toContain("root@example.test");
      expect(server.logs.join("")).not.toContain(chosen);
    } finally {
      await server.stop();
    }
  });
});

describe("the start-up banner of `dirigent serve`", () => {
  it("prints the generated password in the sign-in banner after every other start-up line", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-banner-"));
    const server = await spawnServer({
      DIRIGENT_DATA_DIR: dataDir,
      DIRIGENT_ADMIN_PASSWORD: "",
      // Info level, as an operator runs it: migrations and "listening" are logged.
      DIRIGENT_LOG_LEVEL: "info",
    });
    try {
      // Give the background loops their first rounds: nothing they log at info may follow the banner.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const output = server.output.join("");
      const banner = output.indexOf("Dirigent is running at");
      expect(output).toContain('"msg":"Server listening');
      const after = output.slice(banner).trimEnd().split("\n");
      expect(after.some((line) => line.startsWith("{"))).toBe(false);
      expect(after.at(-1)).toMatch(/^ {2}API documentation: http:\/\/127\.0\.0\.1:\d+\/api\/docs$/);
      expect(output.slice(banner)).toMatch(/with the generated password: Dg1-[A-Za-z0-9_-]{24}\n/);
    } finally {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
