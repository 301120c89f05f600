import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { type RunningServer, startServer } from "../../src/cli/serve.js";
import { parseConfig } from "../../src/platform/config.js";
import { createLogger } from "../../src/platform/logger.js";
import { createPostgresDatabase, type TestDatabase } from "./database.js";

export const testAdminPassword = "Admin-Passw0rd!";

export interface TestServer {
  url: string;
  adminPassword: string;
  database: TestDatabase;
  server: RunningServer;
  /** Every line the server logged, for tests that check what never appears in logs. */
  logs: string[];
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts a real Dirigent server on 127.0.0.1, port 0, with a fresh SQLite file (or a fresh
 * PostgreSQL database) and the built web UI. `env` overrides configuration variables.
 */
export async function startTestServer(
  options: { database?: TestDatabase; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const database = options.database ?? "sqlite";
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-test-"));
  const pgDb = database === "postgres" ? await createPostgresDatabase() : null;
  const config = parseConfig({
    DIRIGENT_PORT: "0",
    DIRIGENT_HOST: "127.0.0.1",
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: testAdminPassword,
    DIRIGENT_LOG_LEVEL: "info",
    DIRIGENT_LOGIN_RATE_LIMIT: "1000",
    ...(pgDb && { DATABASE_URL: pgDb.url }),
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const server = await startServer(config, { logger: createLogger(config.logLevel, sink) });
  return {
    url: server.url,
    adminPassword: config.adminPassword ?? testAdminPassword,
    database,
    server,
    logs,
    dataDir,
    async stop() {
      await server.close();
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
