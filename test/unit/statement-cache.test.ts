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
    const iterating = a.iterate();
    iterating.next();
    expect(a.busy).toBe(true);
    expect(cache.prepare("select 1")).not.toBe(a);
    iterating.return?.();
    expect(cache.prepare("select 1")).toBe(a);
    cache.close();
  });
});
