import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * The databases every storage-touching suite runs against: SQLite always, PostgreSQL when
 * DIRIGENT_TEST_DATABASE_URL is set. In CI (CI=true) a missing PostgreSQL is an error, not a skip.
 */
export type TestDatabase = "sqlite" | "postgres";

export const postgresUrl = process.env.DIRIGENT_TEST_DATABASE_URL;

export function testDatabases(): TestDatabase[] {
  if (postgresUrl) return ["sqlite", "postgres"];
  if (process.env.CI === "true") {
    throw new Error("CI=true but DIRIGENT_TEST_DATABASE_URL is not set: the PostgreSQL suites must run in CI.");
  }
  if (!warned) {
    warned = true;
    console.warn(
      "PostgreSQL suites skipped: set DIRIGENT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them.",
    );
  }
  return ["sqlite"];
}
let warned = false;

/** Creates an empty PostgreSQL database for one test server; `drop` removes it again. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error("DIRIGENT_TEST_DATABASE_URL is not set");
  const name = `dirigent_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropPostgresDatabase(url.toString()) };
}

/** Drops a database made by createPostgresDatabase, even while servers are still connected to it. */
export async function dropPostgresDatabase(databaseUrl: string): Promise<void> {
  if (!postgresUrl) throw new Error("DIRIGENT_TEST_DATABASE_URL is not set");
  const name = new URL(databaseUrl).pathname.slice(1);
  if (!/^dirigent_t_[0-9a-f]+$/.test(name)) throw new Error(`Refusing to drop ${name}: not a test database`);
  const c = new pg.Client({ connectionString: postgresUrl });
  await c.connect();
  try {
    await c.query(`drop database if exists ${name} with (force)`);
  } finally {
    await c.end();
  }
}
