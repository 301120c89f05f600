import type { SelectQueryBuilder } from "kysely";
import { ValidationError } from "../../domain/errors.js";
import { countAll } from "../../storage/dialect.js";
import type { ODataContext } from "./context.js";
import { ODataSyntaxError } from "./query/filter-parser.js";
import { compileFilter, type EntityModel, type ParsedQuery, parseQueryOptions } from "./query/query-options.js";

/** What an operation answers: a status and a JSON body (none for 204). */
export interface ODataResult {
  status: number;
  body?: unknown;
}

export type Dto = Record<string, unknown>;

/** Query options of the request, a malformed one as a 400 naming the option. */
export function queryOf(ctx: ODataContext, model: EntityModel): ParsedQuery {
  try {
    return parseQueryOptions(ctx.query, model);
  } catch (error) {
    if (error instanceof ODataSyntaxError)
      throw new ValidationError([{ path: error.option, message: error.message }], error.message);
    throw error;
  }
}

/** Keeps only the `$select`ed fields (PascalCase names from the entity's whitelist). */
export function selectFields(dto: Dto, select: string[] | null): Dto {
  if (!select) return dto;
  const out: Dto = {};
  for (const name of select) if (name in dto) out[name] = dto[name];
  return out;
}

export function contextUrl(ctx: ODataContext, set: string, single = false): string {
  return `${ctx.base}/odata/$metadata#${set}${single ? "/$entity" : ""}`;
}

/** The collection envelope: `@odata.context`, `@odata.count` when `$count=true`, `value`. */
export function collection(ctx: ODataContext, set: string, items: Dto[], count?: number): ODataResult {
  return {
    status: 200,
    body: {
      "@odata.context": contextUrl(ctx, set),
      ...(count !== undefined && { "@odata.count": count }),
      value: items,
    },
  };
}

/** One entity: the object itself with its `@odata.context`. */
export function single(ctx: ODataContext, set: string, dto: Dto, status = 200): ODataResult {
  return { status, body: { "@odata.context": contextUrl(ctx, set, true), ...dto } };
}

/**
 * Runs a collection read: `base` already holds the tenant and folder scope (what the caller may
 * see); the `$filter` is compiled onto it, counted when asked, sorted, paged, then presented.
 */
export async function listQuery<Row>(
  ctx: ODataContext,
  model: EntityModel,
  // biome-ignore lint/suspicious/noExplicitAny: each entity set selects from its own tables.
  base: SelectQueryBuilder<any, any, Row>,
  present: (rows: Row[], query: ParsedQuery) => Promise<Dto[]> | Dto[],
): Promise<ODataResult> {
  const query = queryOf(ctx, model);
  const dialect = ctx.services.ctx.dialect;
  const filtered = query.filter ? base.where((eb) => compileFilter(eb, query.filter as never, model, dialect)) : base;
  let ordered = filtered;
  for (const o of query.orderBy) ordered = ordered.orderBy(o.column as never, o.direction);
  ordered = ordered.orderBy(model.defaultOrder.column as never, model.defaultOrder.direction);
  const rowsPromise = ordered.limit(query.top).offset(query.skip).execute() as Promise<Row[]>;
  const countPromise = query.count ? countOf(filtered) : Promise.resolve(undefined);
  const [rows, counted] = await Promise.all([rowsPromise, countPromise]);
  const dtos = await present(rows, query);
  return collection(
    ctx,
    model.set,
    dtos.map((d) => selectFields(d, query.select)),
    counted === undefined ? undefined : Number(counted.c),
  );
}

/**
 * `@odata.count` (the TS client sends `$count=true` with every page). Counting is a scan of
 * every matching index entry: 16 ms for 90,000 jobs on SQLite, more than the page itself. Counts
 * of at most `exactCountLimit` rows are always exact; a larger one is reused for
 * `largeCountTtlMs` by requests with the same statement (same tenant, folders and filter), so a
 * client paging through 100,000 jobs does not count them again for every page. The page's rows
 * are always read fresh. (bench/odata.ts measures both.)
 */
const exactCountLimit = 10_000;
const largeCountTtlMs = 2_000;
const largeCounts = new Map<string, { count: Promise<number>; at: number }>();

// biome-ignore lint/suspicious/noExplicitAny: any entity set's query.
async function countOf(filtered: SelectQueryBuilder<any, any, any>): Promise<{ c: number } | undefined> {
  const counting = filtered.clearSelect().clearOrderBy().select(countAll().as("c"));
  const compiled = counting.compile();
  const key = `${compiled.sql}\u0000${JSON.stringify(compiled.parameters)}`;
  const now = Date.now();
  const cached = largeCounts.get(key);
  // A count under way is shared too: concurrent pages do not all count at once.
  if (cached && now - cached.at < largeCountTtlMs) return { c: await cached.count };
  const counted = counting.executeTakeFirst().then((row) => Number((row as { c: number } | undefined)?.c ?? 0));
  if (largeCounts.size >= 1000) largeCounts.clear();
  largeCounts.set(key, { count: counted, at: now });
  try {
    const count = await counted;
    if (count <= exactCountLimit) largeCounts.delete(key);
    return { c: count };
  } catch (error) {
    largeCounts.delete(key);
    throw error;
  }
}

/**
 * A JSON body's property, names compared case-insensitively (TS sends camelCase, OC and PY
 * PascalCase); OC's `…@odata.type` annotations are ignored.
 */
export function prop(body: unknown, name: string): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(body)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** A JSON object without OData annotations (`x@odata.type`, `@odata.type`), recursively. */
export function withoutAnnotations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAnnotations);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (!key.includes("@odata.")) out[key] = withoutAnnotations(v);
  return out;
}

export function objectProp(body: unknown, name: string): Record<string, unknown> {
  const value = prop(body, name);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw ValidationError.field(name, "is required (an object)");
  return value as Record<string, unknown>;
}

export function optionalString(body: unknown, name: string, max = 10_000): string | undefined {
  const value = prop(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw ValidationError.field(name, "must be text");
  if (value.length > max) throw ValidationError.field(name, `must be at most ${max} characters`);
  return value;
}

export function requiredString(body: unknown, name: string, max = 10_000): string {
  const value = optionalString(body, name, max);
  if (value === undefined || value.trim() === "") throw ValidationError.field(name, "is required");
  return value;
}

export function optionalInt(body: unknown, name: string, min: number, max: number): number | undefined {
  let value = prop(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && /^-?\d{1,10}$/.test(value.trim())) value = Number(value);
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw ValidationError.field(name, `must be a whole number from ${min} to ${max}`);
  return value;
}

export function optionalBool(body: unknown, name: string): boolean | undefined {
  const value = prop(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw ValidationError.field(name, "must be true or false");
  return value;
}

/** The original's priority names; Dirigent stores 1–100 (Low 25, Normal 50, High 75). */
export function priorityName(priority: number): "Low" | "Normal" | "High" {
  return priority >= 63 ? "High" : priority <= 37 ? "Low" : "Normal";
}

export function pascal(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** An `(id)` key from the URL as a 32-bit integer; anything else is 400. */
export function idOf(text: string, what = "id"): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) >= 2 ** 31 || Number(text) < 1)
    throw ValidationError.field(what, "is not a valid id (a positive whole number)");
  return Number(text);
}
