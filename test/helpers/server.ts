import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { type RunningServer, startServer } from "../../src/cli/serve.js";
import type { Clock } from "../../src/platform/clock.js";
import { parseConfig } from "../../src/platform/config.js";
import { createLogger } from "../../src/platform/logger.js";
import { createPostgresDatabase, dropPostgresDatabase, type TestDatabase } from "./database.js";

export const testAdminPassword = "Admin-Passw0rd!";

export interface TestServer {
  url: string;
  adminPassword: string;
  database: TestDatabase;
  server: RunningServer;
  /** Every line the server logged, for tests that check what never appears in logs. */
  logs: string[];
  dataDir: string;
  /** The PostgreSQL database this server uses (undefined on SQLite). */
  databaseUrl: string | undefined;
  /** Stops the server and removes its data (data folder, PostgreSQL database) unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  database?: TestDatabase;
  env?: Record<string, string>;
  /**
   * Start on existing data instead of fresh data: the data folder of an earlier server (a restart)
   * and, for PostgreSQL, its database URL (a restart, or a second node on the same database).
   */
  reuse?: { dataDir: string; databaseUrl?: string | undefined };
  /** Folder of the web UI to serve instead of web/dist. */
  webRoot?: string;
  /** The services' clock (default: the system clock), e.g. a TestClock a test moves forward. */
  clock?: Clock;
}

/**
 * Starts a real Dirigent server on 127.0.0.1, port 0, with a fresh SQLite file (or a fresh
 * PostgreSQL database) and the built web UI. `env` overrides configuration variables.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? "sqlite";
  const dataDir = options.reuse?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-test-"));
  let databaseUrl = options.reuse?.databaseUrl;
  if (database === "postgres" && !databaseUrl) databaseUrl = (await createPostgresDatabase()).url;
  const config = parseConfig({
    DIRIGENT_PORT: "0",
    DIRIGENT_HOST: "127.0.0.1",
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: testAdminPassword,
    DIRIGENT_LOG_LEVEL: "info",
    DIRIGENT_LOGIN_RATE_LIMIT: "1000",
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const removeData = async () => {
    if (databaseUrl) await dropPostgresDatabase(databaseUrl);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  let server: RunningServer;
  try {
    server = await startServer(config, {
      logger: createLogger(config.logLevel, sink),
      ...(options.webRoot && { webRoot: options.webRoot }),
      ...(options.clock && { clock: options.clock }),
    });
  } catch (error) {
    if (!options.reuse) await removeData();
    throw error;
  }
  let closed = false;
  return {
    url: server.url,
    adminPassword: config.adminPassword ?? server.generatedAdminPassword ?? testAdminPassword,
    database,
    server,
    logs,
    dataDir,
    databaseUrl,
    async stop(stopOptions = {}) {
      if (!closed) {
        closed = true;
        await server.close();
      }
      if (!stopOptions.keepData) await removeData();
    },
  };
}

/** A clock that follows real time plus an offset the test moves forward (defer dates, abandon periods). */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
