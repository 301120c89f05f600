import type SqliteDatabase from "better-sqlite3";
import type { SqliteStatement } from "kysely";

/** What Kysely's SqliteDialect calls on its database object. */
export interface SqliteLike {
  prepare(sql: string): CachedStatement;
  close(): void;
}

/** A statement as Kysely runs it, and whether an open `iterate` holds it. */
export interface CachedStatement extends SqliteStatement {
  readonly busy: boolean;
}

/** Makes a row object from its values in column order (last of equal names wins, as in better-sqlite3). */
function rowMaker(names: string[]): (values: unknown[]) => Record<string, unknown> {
  // An object literal of fixed keys gives every row one hidden class; "__proto__" as a literal
  // key would set the prototype instead of a property, so such a row is built the slow way.
  if (names.includes("__proto__")) return (values) => Object.fromEntries(names.map((name, i) => [name, values[i]]));
  const body = names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(", ");
  return new Function("v", `return { ${body} };`) as (values: unknown[]) => Record<string, unknown>;
}

/**
 * A statement that returns rows, read as arrays and made into objects here. better-sqlite3 makes
 * each row object property by property through V8's API: for the jobs list (51 rows of 21
 * columns) that was 320 µs of a 1.2 ms request, against ~110 µs as arrays plus the objects made
 * in JavaScript with one shape.
 */
class ReaderStatement implements CachedStatement {
  readonly reader = true;
  private names: string[];
  private make: (values: unknown[]) => Record<string, unknown>;

  constructor(private readonly statement: SqliteDatabase.Statement) {
    statement.raw(true);
    this.names = statement.columns().map((c) => c.name);
    this.make = rowMaker(this.names);
  }

  get busy(): boolean {
    return this.statement.busy;
  }

  all(parameters: ReadonlyArray<unknown> = []): unknown[] {
    const rows = this.statement.all(parameters) as unknown[][];
    if (rows.length > 0) this.fit(rows[0] as unknown[]);
    const out = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = this.make(rows[i] as unknown[]);
    return out;
  }

  run(parameters: ReadonlyArray<unknown> = []) {
    return this.statement.run(parameters);
  }

  *iterate(parameters: ReadonlyArray<unknown> = []): IterableIterator<unknown> {
    for (const values of this.statement.iterate(parameters) as IterableIterator<unknown[]>) {
      this.fit(values);
      yield this.make(values);
    }
  }

  /** SQLite re-compiles a statement after a schema change (`select *` may gain a column): follow it. */
  private fit(values: unknown[]): void {
    if (values.length === this.names.length) return;
    this.names = this.statement.columns().map((c) => c.name);
    this.make = rowMaker(this.names);
  }
}

/** Statements that return rows are read as arrays (ReaderStatement); the others run as they are. */
function wrap(statement: SqliteDatabase.Statement): CachedStatement {
  return statement.reader ? new ReaderStatement(statement) : statement;
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
  private readonly statements = new Map<string, CachedStatement>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly database: SqliteDatabase.Database,
    private readonly capacity = 500,
  ) {}

  prepare(sql: string): CachedStatement {
    const cached = this.statements.get(sql);
    if (cached !== undefined) {
      if (cached.busy) return wrap(this.database.prepare(sql));
      this.hits++;
      // Most recently used goes last; the first key is the one to evict.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    this.misses++;
    const statement = wrap(this.database.prepare(sql));
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
