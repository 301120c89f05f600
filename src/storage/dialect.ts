import { type ColumnDefinitionBuilder, type Kysely, type RawBuilder, sql } from "kysely";

/**
 * Every difference between SQLite and PostgreSQL that the rest of the code must not know about.
 *
 * Timestamps are stored as ISO-8601 UTC text (`2026-11-27T15:50:31.123Z`) in both databases:
 * the format sorts correctly as text, compares the same in both dialects, and round-trips
 * through both drivers unchanged (pg would turn `timestamptz` into `Date`, SQLite has no type).
 */
export type DialectName = "sqlite" | "postgres";

export interface DialectHelpers {
  readonly name: DialectName;
  /** An auto-generated integer primary key column. */
  idColumn(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Whether an error thrown by the driver is a unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /** `column` contains `text`, case-insensitively, with `%` and `_` in the text matched literally. */
  contains(column: string, text: string): RawBuilder<boolean>;
  /** `column` contains, starts or ends with `text`, case-insensitively, `%` and `_` matched literally. */
  matches(column: string, text: string, where: "contains" | "starts" | "ends"): RawBuilder<boolean>;
}

const sqliteHelpers: DialectHelpers = {
  name: "sqlite",
  idColumn: (col) => col.primaryKey().autoIncrement(),
  isUniqueViolation: (error) =>
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    (error.code === "SQLITE_CONSTRAINT_UNIQUE" || error.code === "SQLITE_CONSTRAINT_PRIMARYKEY"),
  // SQLite's LIKE is already case-insensitive for ASCII.
  contains: (column, text) => sql<boolean>`${sql.ref(column)} like ${likePattern(text)} escape '\\'`,
  matches: (column, text, where) => sql<boolean>`${sql.ref(column)} like ${likeOf(text, where)} escape '\\'`,
};

const postgresHelpers: DialectHelpers = {
  name: "postgres",
  idColumn: (col) => col.primaryKey().generatedByDefaultAsIdentity(),
  isUniqueViolation: (error) =>
    typeof error === "object" && error !== null && "code" in error && error.code === "23505",
  contains: (column, text) => sql<boolean>`${sql.ref(column)} ilike ${likePattern(text)} escape '\\'`,
  matches: (column, text, where) => sql<boolean>`${sql.ref(column)} ilike ${likeOf(text, where)} escape '\\'`,
};

export function dialectHelpers(name: DialectName): DialectHelpers {
  return name === "sqlite" ? sqliteHelpers : postgresHelpers;
}

/** Escapes `%`, `_` and `\` so user text is matched literally inside a LIKE pattern. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function likeOf(text: string, where: "contains" | "starts" | "ends"): string {
  const literal = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return where === "starts" ? `${literal}%` : where === "ends" ? `%${literal}` : `%${literal}%`;
}

/** `count(*)` as a number in both dialects (pg returns bigint counts as strings). */
export const countAll = () => sql<number>`cast(count(*) as integer)`;

/** Checks the connection answers; used by health checks and start-up. */
// biome-ignore lint/suspicious/noExplicitAny: any schema answers `select 1`.
export async function ping(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}
