import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { freePort, killAllAgents } from "./agent.js";
import { createPostgresDatabase, type TestDatabase } from "./database.js";
import { type ServerProcess, spawnServer } from "./process.js";
import { testAdminPassword } from "./server.js";

export interface CrashServer {
  /** Starts `dirigent serve` (again, after a kill) on the same port, data folder and database. */
  start(): Promise<ServerProcess>;
  /** A temporary folder for the agents (their TMPDIR) and the test's own files. */
  readonly workDir: string;
}

/**
 * The set-up of the crash tests: a real `dirigent serve` child process that the test kills with
 * kill -9 and starts again. It keeps its port across restarts (agents reconnect to the URL they
 * were given), its SQLite file in a temporary folder or a fresh PostgreSQL database, and the
 * first administrator's password `testAdminPassword`. Call it in a `describe` block: it registers
 * the `beforeAll` that prepares all this and the `afterAll` that stops the agents and the server
 * (waking one stopped with SIGSTOP) and removes everything.
 */
export function useCrashServer(
  database: TestDatabase,
  name: string,
  extraEnv: Record<string, string> = { DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1" },
): CrashServer {
  let dataDir = "";
  let workDir = "";
  let port = 0;
  let pg: Awaited<ReturnType<typeof createPostgresDatabase>> | null = null;
  let server: ServerProcess | null = null;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `dirigent-${name}-`));
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), `dirigent-${name}-work-`));
    port = await freePort();
    if (database === "postgres") pg = await createPostgresDatabase();
  });
  afterAll(async () => {
    await killAllAgents();
    if (server?.child.signalCode === "SIGSTOP") server.child.kill("SIGCONT");
    await server?.stop();
    await pg?.drop();
    for (const dir of [dataDir, workDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  return {
    async start() {
      server = await spawnServer({
        DIRIGENT_DATA_DIR: dataDir,
        DIRIGENT_ADMIN_PASSWORD: testAdminPassword,
        DIRIGENT_PORT: String(port),
        ...extraEnv,
        ...(pg && { DATABASE_URL: pg.url }),
      });
      return server;
    },
    get workDir() {
      return workDir;
    },
  };
}
