import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { DialectHelpers } from "../../../storage/dialect.js";
import { type FilterNode, type Literal, ODataSyntaxError, parseFilter } from "./filter-parser.js";

/**
 * One property of an entity as the OData layer may filter and sort on it: its PascalCase name
 * (matched case-insensitively), the SQL column it compiles to (only these columns ever reach SQL:
 * the whitelist), and how a literal converts to the column's stored value.
 */
export interface ODataProperty {
  name: string;
  /** Qualified column, e.g. `jobs.state`; absent = selectable only (not filterable or sortable). */
  column?: string;
  type: "string" | "int" | "bool" | "date" | "guid" | { enum: Record<string, string | number> };
}

export interface EntityModel {
  /** The entity set's name in `@odata.context`. */
  set: string;
  properties: ODataProperty[];
  /** Sort when no `$orderby` (and the tie-breaker after one): a unique column. */
  defaultOrder: { column: string; direction: "asc" | "desc" };
  /** Names `$expand` understands (anything else is ignored, as the original's clients expect). */
  expand?: string[];
}

export interface ParsedQuery {
  filter: FilterNode | null;
  /** PascalCase names to keep, or null for every field. */
  select: string[] | null;
  orderBy: { column: string; direction: "asc" | "desc" }[];
  top: number;
  skip: number;
  count: boolean;
  expand: Set<string>;
}

/** The original's cap on `$top`; no `$top` = this many (the TS client pages by it). */
export const maxTop = 1000;
const maxOrderBy = 5;

function findProperty(model: EntityModel, name: string, option: string): ODataProperty {
  const lower = name.toLowerCase();
  const property = model.properties.find((p) => p.name.toLowerCase() === lower);
  if (!property) throw new ODataSyntaxError(option, `Unknown property ${JSON.stringify(name)} of ${model.set}.`);
  return property;
}

function integerOption(option: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,10}$/.test(raw.trim())) throw new ODataSyntaxError(option, `${option} must be a whole number.`);
  const n = Number(raw.trim());
  if (n > max) throw new ODataSyntaxError(option, `${option} must be at most ${max}.`);
  return n;
}

/**
 * Reads the query options (`$filter`, `$select`, `$orderby`, `$top`, `$skip`, `$count`,
 * `$expand`; names case-insensitive, with or without `$`) against the entity's whitelist.
 */
export function parseQueryOptions(params: URLSearchParams, model: EntityModel): ParsedQuery {
  const get = (name: string): string | undefined => {
    for (const [key, value] of params) {
      const k = key.toLowerCase();
      if (k === `$${name}` || k === name) return value;
    }
    return undefined;
  };
  const filterText = get("filter");
  const filter = filterText !== undefined && filterText.trim() !== "" ? parseFilter(filterText) : null;
  if (filter) checkFilter(filter, model);

  const selectText = get("select");
  const select =
    selectText !== undefined && selectText.trim() !== ""
      ? selectText
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
          .map((name) => findProperty(model, name, "$select").name)
      : null;

  const orderText = get("orderby");
  const orderBy: ParsedQuery["orderBy"] = [];
  if (orderText !== undefined && orderText.trim() !== "") {
    const parts = orderText.split(",");
    if (parts.length > maxOrderBy) throw new ODataSyntaxError("$orderby", `At most ${maxOrderBy} sort properties.`);
    for (const part of parts) {
      const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
      if (!match) throw new ODataSyntaxError("$orderby", `Cannot read the sort ${JSON.stringify(part.trim())}.`);
      const property = findProperty(model, match[1] as string, "$orderby");
      if (!property.column) throw new ODataSyntaxError("$orderby", `${property.name} cannot be sorted on.`);
      orderBy.push({ column: property.column, direction: match[2]?.toLowerCase() === "desc" ? "desc" : "asc" });
    }
  }
  const countText = get("count")?.trim().toLowerCase();
  if (countText !== undefined && countText !== "true" && countText !== "false")
    throw new ODataSyntaxError("$count", "$count must be true or false.");
  const expandText = get("expand") ?? "";
  const expandable = new Map((model.expand ?? []).map((n) => [n.toLowerCase(), n]));
  const expand = new Set(
    expandText
      .split(",")
      .map((s) => expandable.get(s.trim().toLowerCase()))
      .filter((n): n is string => n !== undefined),
  );
  return {
    filter,
    select,
    orderBy,
    top: integerOption("$top", get("top"), maxTop) ?? maxTop,
    skip: integerOption("$skip", get("skip"), 2_000_000_000) ?? 0,
    count: countText === "true",
    expand,
  };
}

/** Names and literal types are checked before any SQL is built, so errors name the property. */
function checkFilter(node: FilterNode, model: EntityModel): void {
  switch (node.kind) {
    case "and":
    case "or":
      checkFilter(node.left, model);
      checkFilter(node.right, model);
      return;
    case "not":
      checkFilter(node.operand, model);
      return;
    default: {
      const property = findProperty(model, node.property, "$filter");
      if (!property.column) throw new ODataSyntaxError("$filter", `${property.name} cannot be filtered on.`);
      if (node.kind === "function") {
        if (property.type !== "string" || node.value.type !== "string")
          throw new ODataSyntaxError("$filter", `${node.name} works on text properties with a text value only.`);
        return;
      }
      const values = node.kind === "in" ? node.values : [node.value];
      for (const value of values) toStored(property, value, node.kind === "compare" ? node.op : "eq");
    }
  }
}

/** A literal as the column stores it; throws a 400 naming the property when it does not fit. */
function toStored(property: ODataProperty, value: Literal, op: string): string | number | null {
  const wrong = (what: string) =>
    new ODataSyntaxError("$filter", `${property.name} compares with ${what}, not ${describe(value)}.`);
  if (value.type === "null") {
    if (op !== "eq" && op !== "ne") throw wrong("a value");
    return null;
  }
  const type = property.type;
  if (typeof type === "object") {
    if (value.type !== "string" && value.type !== "number") throw wrong("one of its names");
    const stored = type.enum[String(value.value).toLowerCase()];
    if (stored === undefined)
      throw new ODataSyntaxError(
        "$filter",
        `${property.name} has no value ${JSON.stringify(String(value.value))}; one of ${Object.keys(type.enum).join(", ")}.`,
      );
    return stored;
  }
  switch (type) {
    case "string":
      if (value.type === "string" || value.type === "guid") return value.value;
      if (value.type === "number") return String(value.value);
      throw wrong("text");
    case "int":
      if (value.type === "number" && Number.isSafeInteger(value.value) && Math.abs(value.value) < 2 ** 31)
        return value.value;
      if (value.type === "string" && /^-?\d{1,10}$/.test(value.value) && Math.abs(Number(value.value)) < 2 ** 31)
        return Number(value.value);
      throw wrong("a whole number");
    case "bool":
      if (value.type === "bool") return value.value ? 1 : 0;
      throw wrong("true or false");
    case "guid": {
      const text = value.type === "guid" || value.type === "string" ? value.value.toLowerCase() : "";
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) throw wrong("a GUID");
      return text;
    }
    case "date": {
      const text = value.type === "date" || value.type === "string" ? value.value : "";
      const time = Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(text) || text.length <= 10 ? text : `${text}Z`);
      if (!text || Number.isNaN(time)) throw wrong("a date");
      // Stored as ISO-8601 UTC text, which sorts and compares as text in both databases.
      return new Date(time).toISOString();
    }
  }
}

function describe(value: Literal): string {
  return value.type === "null" ? "null" : `${JSON.stringify(value.value)}`;
}

/**
 * The filter as a Kysely expression. Only whitelisted columns (`sql.ref` of a fixed name) and
 * bound values reach the statement: user text is never part of the SQL.
 */
export function compileFilter(
  // biome-ignore lint/suspicious/noExplicitAny: the entity's table is chosen by the caller.
  eb: ExpressionBuilder<any, any>,
  node: FilterNode,
  model: EntityModel,
  dialect: DialectHelpers,
): Expression<SqlBool> {
  switch (node.kind) {
    case "and":
      return eb.and([compileFilter(eb, node.left, model, dialect), compileFilter(eb, node.right, model, dialect)]);
    case "or":
      return eb.or([compileFilter(eb, node.left, model, dialect), compileFilter(eb, node.right, model, dialect)]);
    case "not":
      return eb.not(compileFilter(eb, node.operand, model, dialect));
    case "function": {
      const property = findProperty(model, node.property, "$filter");
      const text = node.value.type === "string" ? node.value.value : "";
      const where = node.name === "contains" ? "contains" : node.name === "startswith" ? "starts" : "ends";
      const match = dialect.matches(property.column as string, text, where);
      return node.negated ? eb.not(match) : match;
    }
    case "in": {
      const property = findProperty(model, node.property, "$filter");
      const values = node.values.map((v) => toStored(property, v, "eq"));
      const ref = sql.ref(property.column as string);
      const present = values.filter((v): v is string | number => v !== null);
      const parts: Expression<SqlBool>[] = [];
      if (present.length > 0) parts.push(eb(ref, "in", present));
      if (present.length < values.length) parts.push(eb(ref, "is", null));
      return parts.length === 1 ? (parts[0] as Expression<SqlBool>) : eb.or(parts);
    }
    case "compare": {
      const property = findProperty(model, node.property, "$filter");
      const value = toStored(property, node.value, node.op);
      const ref = sql.ref(property.column as string);
      if (value === null) return eb(ref, node.op === "eq" ? "is" : "is not", null);
      const op = { eq: "=", ne: "<>", gt: ">", ge: ">=", lt: "<", le: "<=" } as const;
      // `ne` keeps rows whose column is null, as OData's three-valued logic does not.
      if (node.op === "ne") return eb.or([eb(ref, "<>", value), eb(ref, "is", null)]);
      return eb(ref, op[node.op], value);
    }
  }
}
