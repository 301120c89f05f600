import { Writable } from "node:stream";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/platform/logger.js";
import { openPostgres, type StorageHandle } from "../../src/storage/database.js";
import { isDatabaseUnavailable } from "../../src/storage/db-errors.js";
import { StatementNames } from "../../src/storage/pg-client.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";

describe("StatementNames", () => {
  it("names a text the second time it is seen, always with the same name, and forgets the oldest beyond its bound", () => {
    const names = new StatementNames(3);
    expect(names.nameFor("select $1")).toBeUndefined();
    const name = names.nameFor("select $1");
    expect(name).toMatch(/^dg_[\w-]{24}$/);
    expect(names.nameFor("select $1")).toBe(name);
    expect(new StatementNames().nameFor("select $2")).toBeUndefined();
    // Three more texts push "select $1" out: it must be seen twice again, and keeps its name.
    for (const text of ["a $1", "b $1", "c $1"]) names.nameFor(text);
    expect(names.nameFor("select $1")).toBeUndefined();
    expect(names.nameFor("select $1")).toBe(name);
  });
});

describe.runIf(testDatabases().includes("postgres"))("PostgreSQL prepared statements", () => {
  let database: { url: string; drop(): Promise<void> };
  const logger = createLogger("error", new Writable({ write: (_c, _e, done) => done() }));
  const opened: StorageHandle[] = [];
  const open = (preparedStatements?: boolean) => {
    // One connection, so what it has prepared can be read from it.
    const storage = openPostgres(database.url, { logger, poolSize: 1, preparedStatements });
    opened.push(storage);
    return storage;
  };
  const preparedOn = async (storage: StorageHandle) =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(storage.db)).rows.map(
      (r) => r.statement,
    );

  beforeAll(async () => {
    database = await createPostgresDatabase();
    const setup = open(false);
    await sql`create table things (id integer primary key, name text)`.execute(setup.db);
    await sql`insert into things values (1, 'one'), (2, 'two')`.execute(setup.db);
  });
  afterAll(async () => {
    for (const storage of opened) await storage.close();
    await database.drop();
  });

  const byId = (storage: StorageHandle, id: number) =>
    sql<{ id: number; name: string }>`select * from things where id = ${id}`.execute(storage.db);

  it("runs a statement seen before as a prepared one, and none when turned off", async () => {
    const on = open();
    for (const id of [1, 2, 1]) expect((await byId(on, id)).rows).toHaveLength(1);
    expect(await preparedOn(on)).toEqual(["select * from things where id = $1"]);
    const off = open(false);
    for (const id of [1, 2, 1]) await byId(off, id);
    expect(await preparedOn(off)).toEqual([]);
  });

  it("replaces the connection of a prepared statement the schema changed under, as an outage a transaction survives", async () => {
    const storage = open();
    for (const id of [1, 2]) await byId(storage, id);
    expect(await preparedOn(storage)).toHaveLength(1);
    // Another node's migration: `select *` now has another shape.
    await sql`alter table things add column size integer`.execute(open(false).db);
    // A single statement fails once, as an outage (503), and the connection is replaced…
    const failed = await byId(storage, 1).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(failed)).toBe(true);
    expect((await byId(storage, 1)).rows).toEqual([{ id: 1, name: "one", size: null }]);
    // …and a transaction runs again on a fresh connection instead of failing.
    await byId(storage, 2);
    await sql`alter table things drop column size`.execute(open(false).db);
    const rows = await storage.db.transaction().execute(async (tx) => (await byId({ ...storage, db: tx }, 2)).rows);
    expect(rows).toEqual([{ id: 2, name: "two" }]);
  });
});
