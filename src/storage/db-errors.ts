/**
 * What a database error means for the caller. The drivers throw plain errors with a `code`
 * (PostgreSQL's SQLSTATE, SQLite's extended result code, or Node's socket errno); these
 * predicates are the one place that knows which codes mean what.
 */

interface CodedError {
  code?: unknown;
  message?: unknown;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as CodedError).code;
  return typeof code === "string" ? code : undefined;
}

function messageOf(error: unknown): string {
  if (typeof error !== "object" || error === null) return "";
  const message = (error as CodedError).message;
  return typeof message === "string" ? message : "";
}

/** Socket errors of a connection that went away or never came up. */
const socketCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
]);

/**
 * pg's own errors for a connection that ended, stalled or could not be had carry no code; these
 * are their messages (pg 8.x, pg-pool 3.x).
 */
const connectionMessages = [
  "Connection terminated",
  "Query read timeout",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
  "connection timeout",
];

/**
 * The database cannot be reached or has dropped the connection: an outage, not a bug. Requests
 * answer 503 `database-unavailable` and background loops back off.
 * SQLSTATE class 08 (connection exception), 57P01–57P03 (admin shutdown, crash shutdown, cannot
 * connect now), 53300 (too many connections), 57014 (statement timeout: cancelled by our own
 * `statement_timeout`, i.e. the database did not answer in time); and a prepared statement that
 * no longer fits, whose connection is replaced (pg-client.ts).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) {
    if (socketCodes.has(code)) return true;
    if (code.startsWith("08") && code.length === 5) return true;
    if (code === "57P01" || code === "57P02" || code === "57P03" || code === "53300" || code === "57014") return true;
  }
  if (isStalePreparedStatement(error)) return true;
  const message = messageOf(error);
  return connectionMessages.some((m) => message.includes(m));
}

/**
 * A prepared statement that no longer fits: "cached plan must not change result type" (0A000,
 * the table changed under a `select *`) or "prepared statement … does not exist" (26000, dropped
 * by DISCARD/DEALLOCATE, e.g. a pooler's reset).
 */
export function isStalePreparedStatement(error: unknown): boolean {
  const code = codeOf(error);
  const message = messageOf(error);
  return (
    (code === "0A000" && message.includes("cached plan")) ||
    (code === "26000" && message.includes("prepared statement"))
  );
}

/** A transaction the database rolled back because of other transactions: running it again may succeed. */
export function isConcurrencyFailure(error: unknown): boolean {
  const code = codeOf(error);
  // 40001 serialization failure, 40P01 deadlock; SQLite: the write lock stayed taken past busy_timeout.
  return code === "40001" || code === "40P01" || code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT";
}

/**
 * The database refused a value that the input validation let through (PostgreSQL is stricter
 * than SQLite: NUL bytes in text, integers beyond the column, malformed numbers or dates). The
 * routes' schemas should catch these first; this is the safety net that keeps them a 400.
 * 22P05 untranslatable character, 22021 invalid byte sequence, 22003 numeric out of range,
 * 22P02 invalid text representation, 22007/22008 invalid datetime, 22001 string too long,
 * 2201B invalid regular expression, 22025 invalid escape sequence.
 */
export function isRefusedValue(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === "22P05" ||
    code === "22021" ||
    code === "22003" ||
    code === "22P02" ||
    code === "22007" ||
    code === "22008" ||
    code === "22001" ||
    code === "2201B" ||
    code === "22025"
  );
}
