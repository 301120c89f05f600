import type SqliteDatabase from "better-sqlite3";

/** What Kysely's SqliteDialect calls on its database object. */
export interface SqliteLike {
  prepare(sql: string): SqliteDatabase.Statement;
  close(): void;
}

/**
 * A better-sqlite3 database whose `prepare` hands out one cached Statement per SQL text.
 *
 * Kysely's SQLite driver prepares every statement anew; with 1,000 robots `prepare` was 35 % of
 * the server's CPU profile, and re-preparing the 4,000-parameter log INSERT 20 % of log
 * ingestion (issue #14). A better-sqlite3 Statement can be run again and again: `all`, `get` and
 * `run` reset it when they finish, and SQLite re-compiles it by itself after a schema change.
 * The one state a Statement keeps between calls is an open `iterate` (Kysely's `stream()`):
 * while one is open the Statement is `busy`, so such a caller gets a fresh, uncached Statement.
 *
 * The cache is a bounded LRU (a Map kept in use order): SQL built with a varying number of
 * parameters (`in (…)` lists, multi-row inserts) cannot grow it without bound.
 */
export class StatementCache implements SqliteLike {
  private readonly statements = new Map<string, SqliteDatabase.Statement>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly database: SqliteDatabase.Database,
    private readonly capacity = 500,
  ) {}

  prepare(sql: string): SqliteDatabase.Statement {
    const cached = this.statements.get(sql);
    if (cached !== undefined) {
      if (cached.busy) return this.database.prepare(sql);
      this.hits++;
      // Most recently used goes last; the first key is the one to evict.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    this.misses++;
    const statement = this.database.prepare(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > this.capacity) {
      const oldest = this.statements.keys().next().value as string;
      this.statements.delete(oldest);
    }
    return statement;
  }

  get size(): number {
    return this.statements.size;
  }

  close(): void {
    this.statements.clear();
    this.database.close();
  }
}
