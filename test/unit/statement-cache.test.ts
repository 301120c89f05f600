import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { StatementCache } from "../../src/storage/statement-cache.js";

interface Schema {
  t: { id: number; v: string };
}

function open(capacity = 500) {
  const cache = new StatementCache(new SqliteDatabase(":memory:"), capacity);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: cache }) });
  return { cache, db };
}

describe("SQLite statement cache", () => {
  it("prepares each SQL text once and runs reads, writes and transactions through it", async () => {
    const { cache, db } = open();
    await sql`create table t (id integer primary key, v text not null)`.execute(db);
    for (let i = 1; i <= 5; i++)
      await db
        .insertInto("t")
        .values({ id: i, v: `v${i}` })
        .execute();
    await db.transaction().execute(async (tx) => {
      await tx.updateTable("t").set({ v: "x" }).where("id", "=", 1).execute();
    });
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.updateTable("t").set({ v: "y" }).where("id", "=", 2).execute();
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    for (let i = 0; i < 3; i++) {
      expect(await db.selectFrom("t").select(["id", "v"]).where("id", "<=", 2).orderBy("id").execute()).toEqual([
        { id: 1, v: "x" },
        { id: 2, v: "v2" },
      ]);
    }
    // create, insert, begin, update, commit, rollback, select: one statement each.
    expect(cache.size).toBe(7);
    expect(cache.hits).toBeGreaterThan(cache.misses);
    await db.destroy();
  });

  it("streams through a cached statement and runs the same SQL again once the stream is done", async () => {
    const { db } = open();
    await sql`create table t (id integer primary key, v text not null)`.execute(db);
    for (let i = 1; i <= 3; i++)
      await db
        .insertInto("t")
        .values({ id: i, v: `v${i}` })
        .execute();
    const query = db.selectFrom("t").select("id").orderBy("id");
    const seen: number[][] = [];
    for await (const row of query.stream()) {
      seen.push([row.id]);
    }
    expect(seen).toEqual([[1], [2], [3]]);
    expect(await query.execute()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    await db.destroy();
  });

  it("keeps at most its capacity, dropping the least recently used", () => {
    const raw = new SqliteDatabase(":memory:");
    const cache = new StatementCache(raw, 2);
    const a = cache.prepare("select 1");
    cache.prepare("select 2");
    expect(cache.prepare("select 1")).toBe(a);
    cache.prepare("select 3"); // evicts "select 2"
    expect(cache.size).toBe(2);
    expect(cache.prepare("select 1")).toBe(a);
    const iterating = a.iterate([]);
    iterating.next();
    expect(a.busy).toBe(true);
    expect(cache.prepare("select 1")).not.toBe(a);
    iterating.return?.();
    expect(cache.prepare("select 1")).toBe(a);
    cache.close();
  });

  it("reads rows as arrays and gives the same objects better-sqlite3 makes, for any column names", () => {
    const raw = new SqliteDatabase(":memory:");
    const cache = new StatementCache(raw);
    raw.exec(`create table t (id integer primary key, v text, "a b" text, "it's" text, n real, b blob)`);
    raw.exec(`insert into t values (1, 'one', 'ab1', 'q1', 1.5, x'00ff'), (2, null, null, null, null, null)`);
    for (const query of [
      "select * from t order by id",
      "select id, v as id from t order by id", // equal names: the last wins
      "select t.id, u.id, u.v from t join t as u on u.id = t.id order by t.id",
      "select count(*), max(n) from t",
      "select * from t where id = 99",
    ]) {
      const expected = raw.prepare(query).all();
      expect(cache.prepare(query).all([])).toEqual(expected);
      expect(cache.prepare(query).all([])).toEqual(expected); // cached
      expect([...cache.prepare(query).iterate([])]).toEqual(expected);
    }
    expect(Object.keys(cache.prepare("select * from t").all([])[0] as object)).toEqual([
      "id",
      "v",
      "a b",
      "it's",
      "n",
      "b",
    ]);
    // better-sqlite3 would set the row's prototype from a column named __proto__; here it is a column.
    const row = cache.prepare(`select 'p' as "__proto__", 1 as x`).all([])[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row, "__proto__")?.value).toBe("p");
    expect(row.x).toBe(1);
    cache.close();
  });

  it("follows a cached `select *` when the table gains a column", () => {
    const raw = new SqliteDatabase(":memory:");
    const cache = new StatementCache(raw);
    raw.exec("create table t (id integer primary key, v text); insert into t values (1, 'a')");
    expect(cache.prepare("select * from t").all([])).toEqual([{ id: 1, v: "a" }]);
    raw.exec("alter table t add column w text default 'w'");
    expect(cache.prepare("select * from t").all([])).toEqual([{ id: 1, v: "a", w: "w" }]);
    cache.close();
  });
});
