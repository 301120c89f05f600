import { type ExpressionBuilder, sql } from "kysely";
import { ValidationError } from "../domain/errors.js";

/**
 * Lists paged by cursor and sorted by a column the reader picked (`?sort=priority`,
 * `?sort=-createdAt`): the rows are ordered by that column and then the id, and the cursor is
 * the last row's pair (value, id), so a page continues exactly where the last one ended even
 * when many rows share a value (keyset paging; no OFFSET that slows down and skips rows while
 * rows are added). The sort names are whitelisted per endpoint in its zod schema, so a bad
 * value is a 400 naming `sort` before any SQL is built.
 */
export interface SortSpec {
  /** The column (qualified when the query joins), never user text: it comes from the whitelist. */
  column: string;
  direction: "asc" | "desc";
  /** What the column holds: a cursor's value must be of this type. */
  type: "number" | "text";
}

/** A sortable column: its name, and `number` for integer columns (text otherwise). */
export type SortColumn = string | { column: string; type: "number" };

/** `-name` → descending `name`; the API name is mapped to its column by `columns`. */
export function sortSpec<K extends string>(value: string, columns: Record<K, SortColumn>): SortSpec {
  const descending = value.startsWith("-");
  const name = (descending ? value.slice(1) : value) as K;
  const entry = columns[name];
  if (!entry) throw ValidationError.field("sort", "is not a sortable field");
  const direction = descending ? "desc" : "asc";
  return typeof entry === "string"
    ? { column: entry, direction, type: "text" }
    : { column: entry.column, direction, type: entry.type };
}

/** The sort names an endpoint accepts (`name` and `-name` for each), for its zod enum. */
export function sortNames<K extends string>(columns: Record<K, SortColumn>): [string, ...string[]] {
  const names = Object.keys(columns).flatMap((k) => [k, `-${k}`]);
  return names as [string, ...string[]];
}

type CursorValue = string | number;

/** The opaque cursor of a row: base64url of `[value, id]`. */
export function encodeCursor(value: CursorValue, id: number): string {
  return Buffer.from(JSON.stringify([value, id])).toString("base64url");
}

function decodeCursor(cursor: string, type: SortSpec["type"]): [CursorValue, number] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    // Values the columns can hold, nothing PostgreSQL refuses (integers beyond 32 bits, NUL in
    // text): a cursor is read back from the client, so it is checked like any other input.
    const int32 = (v: unknown) => Number.isSafeInteger(v) && Math.abs(v as number) < 2 ** 31;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (type === "number"
        ? int32(parsed[0])
        : typeof parsed[0] === "string" && parsed[0].length <= 1000 && !parsed[0].includes("\u0000")) &&
      int32(parsed[1])
    )
      return parsed as [CursorValue, number];
  } catch {
    // Falls through to the 400 below.
  }
  throw ValidationError.field("cursor", "is not a valid cursor for this sort order");
}

/**
 * Orders `q` by the sort column and the id (`idColumn`), and continues after `cursor`. The
 * comparison is written as `col > v or (col = v and id > i)`, which both databases run the same
 * (row-value comparisons differ in SQLite's older versions). The sort columns are NOT NULL.
 */
// biome-ignore lint/suspicious/noExplicitAny: the helper works on any select query of any table.
export function sortedPage<Q extends { orderBy: any; where: any }>(
  q: Q,
  sort: SortSpec,
  idColumn: string,
  cursor: string | undefined,
): Q {
  const op = sort.direction === "asc" ? ">" : "<";
  // biome-ignore lint/suspicious/noExplicitAny: column names come from the endpoint's whitelist.
  let out = q.orderBy(sql.ref(sort.column), sort.direction).orderBy(sql.ref(idColumn), sort.direction) as any;
  if (cursor !== undefined) {
    const [value, id] = decodeCursor(cursor, sort.type);
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    out = out.where((eb: ExpressionBuilder<any, any>) =>
      eb.or([
        eb(sql.ref(sort.column), op, value),
        eb.and([eb(sql.ref(sort.column), "=", value), eb(sql.ref(idColumn), op, id)]),
      ]),
    );
  }
  return out as Q;
}

/** Turns `limit + 1` rows into a page whose cursor is the last item's (sort value, id). */
export function sortedPageOf<R extends { id: number }>(
  rows: R[],
  limit: number,
  sortValue: (row: R) => CursorValue,
): { items: R[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(sortValue(last), last.id) : null };
}
