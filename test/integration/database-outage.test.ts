import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/platform/logger.js";
import { openPostgres } from "../../src/storage/database.js";
import { eventually, freePort } from "../helpers/agent.js";
import { Api, expectProblem } from "../helpers/api.js";
import { createPostgresDatabase, postgresUrl, testDatabases } from "../helpers/database.js";
import { type ServerProcess, spawnServer } from "../helpers/process.js";
import { type StallingProxy, startStallingProxy } from "../helpers/proxy.js";
import { startTestServer, type TestServer, testAdminPassword } from "../helpers/server.js";

const bin = fileURLToPath(new URL("../../bin/dirigent.js", import.meta.url));
const onPostgres = testDatabases().includes("postgres");

/** Ends every connection to `databaseUrl`'s database except the caller's, as a failover or an operator does. */
async function terminateAll(databaseUrl: string): Promise<number> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    const res = await admin.query(
      "select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [name],
    );
    return res.rows[0].n as number;
  } finally {
    await admin.end();
  }
}

describe.runIf(onPostgres)("PostgreSQL outages", { timeout: 120_000 }, () => {
  describe("dropped connections", () => {
    let server: ServerProcess;
    let database: { url: string; drop(): Promise<void> };
    let api: Api;

    beforeAll(async () => {
      database = await createPostgresDatabase();
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-outage-"));
      server = await spawnServer({
        DATABASE_URL: database.url,
        DIRIGENT_DATA_DIR: dataDir,
        DIRIGENT_ADMIN_PASSWORD: testAdminPassword,
        DIRIGENT_DISPATCH_POLL_MS: "100",
        DIRIGENT_MAIL_POLL_MS: "100",
      });
      api = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    });
    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    it("keeps the server up when every idle connection is terminated, and serves the next requests", async () => {
      for (let round = 0; round < 3; round++) {
        expect(await terminateAll(database.url)).toBeGreaterThan(0);
        // The pool notices each dropped client and opens a new one; a request may see one 503 in between.
        await eventually(async () => {
          const r = await api.get("/host/organizations");
          expect(r.status, r.text).toBe(200);
        });
      }
      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();
    });

    it("answers requests in flight while their connections are terminated with 200 or 503, never 500", async () => {
      const statuses: number[] = [];
      const acknowledged: string[] = [];
      for (let round = 0; round < 3; round++) {
        const inFlight = Array.from({ length: 30 }, async (_, i) => {
          if (i % 5 !== 0) return api.get("/host/organizations");
          const slug = `outage-${round}-${i}`;
          const res = await api.post("/host/organizations", {
            name: `Outage ${round}-${i}`,
            slug,
            admin: { email: `a${round}-${i}@example.com`, password: "Org-Admin-Passw0rd!" },
          });
          if (res.status === 201) acknowledged.push(slug);
          return res;
        });
        await new Promise((r) => setTimeout(r, 5));
        await terminateAll(database.url);
        for (const res of await Promise.all(inFlight)) {
          statuses.push(res.status);
          if (res.status === 503) {
            expectProblem(res, 503, "database-unavailable");
            expect(res.headers.get("retry-after")).toBe("5");
          }
        }
      }
      expect(statuses.filter((s) => s !== 200 && s !== 201 && s !== 503)).toEqual([]);
      expect(server.child.exitCode).toBeNull();
      // Afterwards everything works again, and every acknowledged organization is there.
      const list = await eventually(async () => {
        const r = await api.get("/host/organizations?limit=500");
        expect(r.status, r.text).toBe(200);
        return r;
      });
      const slugs = new Set((list.body.items as { slug: string }[]).map((o) => o.slug));
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const slug of acknowledged) expect(slugs.has(slug), slug).toBe(true);
    });
  });

  describe("a stalled network", () => {
    let proxy: StallingProxy;
    let server: TestServer;
    let api: Api;

    beforeAll(async () => {
      const database = await createPostgresDatabase();
      const target = new URL(database.url);
      proxy = await startStallingProxy(target.hostname, Number(target.port || 5432));
      const proxied = new URL(database.url);
      proxied.hostname = proxy.host;
      proxied.port = String(proxy.port);
      server = await startTestServer({
        database: "postgres",
        reuse: { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-stall-")), databaseUrl: proxied.toString() },
        env: {
          DIRIGENT_DB_STATEMENT_TIMEOUT_MS: "1500",
          DIRIGENT_DB_CONNECT_TIMEOUT_MS: "1000",
          DIRIGENT_DISPATCH_POLL_MS: "100",
          DIRIGENT_MAIL_POLL_MS: "100",
        },
      });
      api = await new Api(server.url).as({ username: "admin", password: server.adminPassword });
    });
    afterAll(async () => {
      proxy?.resume();
      await server?.stop();
      await proxy?.close();
    });

    it("fails requests fast with 503 while the database does not answer, keeps /health live, and recovers", async () => {
      expect((await api.get("/health/ready")).body).toMatchObject({
        status: "ready",
        checks: { database: { ok: true } },
      });
      proxy.stall();
      const started = Date.now();
      const res = await api.get("/host/organizations");
      const elapsed = Date.now() - started;
      expectProblem(res, 503, "database-unavailable");
      expect(res.headers.get("retry-after")).toBe("5");
      expect(elapsed).toBeLessThan(10_000);

      const live = await api.get("/health");
      expect(live.status).toBe(200);
      const ready = await api.get("/health/ready");
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: "unavailable", checks: { database: { ok: false } } });
      expect(ready.body.checks.database.error).toEqual(expect.any(String));

      // Let the background loops run into the outage for a while.
      await new Promise((r) => setTimeout(r, 3000));
      proxy.resume();
      await eventually(async () => {
        const r = await api.get("/host/organizations");
        expect(r.status, r.text).toBe(200);
      }, 20_000);
      expect((await api.get("/health/ready")).status).toBe(200);

      // Each loop logged the outage once (and its end), not once per tick.
      const logged = (pattern: RegExp) => server.logs.filter((l) => pattern.test(l)).length;
      expect(logged(/dispatcher failed; retrying with backoff/)).toBeLessThanOrEqual(1);
      expect(logged(/mailer failed; retrying with backoff/)).toBeLessThanOrEqual(1);
      // The mailer polls the outbox every 100 ms, so it met the outage; every loop that did says it recovered.
      const failedLoops = [
        ...new Set(server.logs.map((l) => /"msg":"([^"]+) failed; retrying with backoff"/.exec(l)?.[1])),
      ];
      const loops = failedLoops.filter((l): l is string => l !== undefined);
      expect(loops).toContain("mailer");
      await eventually(async () => {
        for (const loop of loops) expect(logged(new RegExp(`"msg":"${loop} recovered"`)), loop).toBe(1);
      }, 40_000);
    });
  });

  describe("transactions", () => {
    it("run again when their connection is lost before the commit, and store their work once", async () => {
      const database = await createPostgresDatabase();
      const storage = openPostgres(database.url, { logger: createLogger("silent") });
      try {
        await storage.migrate();
        let attempts = 0;
        const id = await storage.db.transaction().execute(async (trx) => {
          attempts += 1;
          await trx
            .insertInto("host_settings")
            .values({ key: "outage-test", value_json: "{}", updated_at: new Date().toISOString() })
            .execute();
          if (attempts === 1) await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
          return attempts;
        });
        expect(id).toBe(2);
        const rows = await storage.db
          .selectFrom("host_settings")
          .selectAll()
          .where("key", "=", "outage-test")
          .execute();
        expect(rows).toHaveLength(1);
      } finally {
        await storage.close();
        await database.drop();
      }
    });
  });
});

describe("start-up failures", () => {
  it("name their cause", async () => {
    const port = await freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-startfail-"));
    const result = spawnSync(process.execPath, [bin, "migrate"], {
      env: { ...process.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/none`, DIRIGENT_DATA_DIR: dataDir },
      encoding: "utf8",
      timeout: 60_000,
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Database migration failed: .*ECONNREFUSED/);
  });
});
