/**
 * The `$filter` language of the original's clients (docs/compatibility.md): comparisons
 * (`eq ne gt ge lt le`), `in (…)`, `and`, `or`, `not`, parentheses, and the functions
 * `contains`, `startswith`, `endswith`. Literals: 'text' ('' escapes a quote), numbers,
 * true/false/null, ISO dates (bare or quoted) and bare GUIDs. Parsing only: names are checked and
 * compiled against an entity's whitelist in compile.ts. Every failure is an `ODataSyntaxError`
 * (a 400), never an exception of another kind.
 */

export type Literal =
  | { type: "string"; value: string }
  | { type: "number"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "null" }
  | { type: "date"; value: string }
  | { type: "guid"; value: string };

export type ComparisonOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
export type FunctionName = "contains" | "startswith" | "endswith";

export type FilterNode =
  | { kind: "and" | "or"; left: FilterNode; right: FilterNode }
  | { kind: "not"; operand: FilterNode }
  | { kind: "compare"; op: ComparisonOp; property: string; value: Literal }
  | { kind: "in"; property: string; values: Literal[] }
  | { kind: "function"; name: FunctionName; property: string; value: Literal; negated: boolean };

/** A malformed query option: the message says what and where, for the 400 answer. */
export class ODataSyntaxError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = "ODataSyntaxError";
  }
}

/** Longest `$filter` accepted (the original caps expressions, not characters; 4,000 is plenty for 50 GUIDs). */
export const maxFilterLength = 4000;
/** The original's limit of expressions in one `$filter`. */
export const maxFilterExpressions = 100;
const maxDepth = 32;
const maxInValues = 1000;

type Token =
  | { t: "name"; v: string; at: number }
  | { t: "string"; v: string; at: number }
  | { t: "number"; v: number; at: number }
  | { t: "date"; v: string; at: number }
  | { t: "guid"; v: string; at: number }
  | { t: "("; at: number }
  | { t: ")"; at: number }
  | { t: ","; at: number }
  | { t: "end"; at: number };

const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const datePattern = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?/;
const numberPattern = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/;
const namePattern = /^[A-Za-z_][A-Za-z0-9_.]*/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i += 1;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      tokens.push({ t: c, at: i });
      i += 1;
      continue;
    }
    if (c === "'") {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length)
          throw new ODataSyntaxError("$filter", `The text starting at position ${i + 1} has no closing quote.`);
        const d = text[j] as string;
        if (d === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += d;
        j += 1;
      }
      tokens.push({ t: "string", v: value, at: i });
      i = j + 1;
      continue;
    }
    const rest = text.slice(i, i + 64);
    const guid = guidPattern.exec(rest);
    if (guid && !/[0-9A-Za-z]/.test(rest[36] ?? "")) {
      tokens.push({ t: "guid", v: guid[0].toLowerCase(), at: i });
      i += 36;
      continue;
    }
    const date = datePattern.exec(rest);
    if (date && date[0].length > 10) {
      tokens.push({ t: "date", v: date[0], at: i });
      i += date[0].length;
      continue;
    }
    const num = numberPattern.exec(rest);
    if (num && !/[A-Za-z_]/.test(rest[num[0].length] ?? "")) {
      tokens.push({ t: "number", v: Number(num[0]), at: i });
      i += num[0].length;
      continue;
    }
    const name = namePattern.exec(text.slice(i, i + 200));
    if (name) {
      tokens.push({ t: "name", v: name[0], at: i });
      i += name[0].length;
      continue;
    }
    throw new ODataSyntaxError("$filter", `Unexpected character ${JSON.stringify(c)} at position ${i + 1}.`);
  }
  tokens.push({ t: "end", at: text.length });
  return tokens;
}

const comparisonOps = new Set<string>(["eq", "ne", "gt", "ge", "lt", "le"]);
const functionNames = new Set<string>(["contains", "startswith", "endswith"]);

/** Parses a `$filter` value into its tree; throws ODataSyntaxError. */
export function parseFilter(text: string): FilterNode {
  if (text.length > maxFilterLength)
    throw new ODataSyntaxError("$filter", `The filter is longer than ${maxFilterLength} characters.`);
  const tokens = tokenize(text);
  let pos = 0;
  let expressions = 0;
  const peek = () => tokens[pos] as Token;
  const next = () => tokens[pos++] as Token;
  const where = (token: Token) => `at position ${token.at + 1}`;
  const keyword = (word: string) => {
    const token = peek();
    return token.t === "name" && token.v.toLowerCase() === word;
  };
  const expect = (type: Token["t"], what: string) => {
    const token = next();
    if (token.t !== type) throw new ODataSyntaxError("$filter", `Expected ${what} ${where(token)}.`);
    return token;
  };
  const count = () => {
    expressions += 1;
    if (expressions > maxFilterExpressions)
      throw new ODataSyntaxError("$filter", `The filter has more than ${maxFilterExpressions} expressions.`);
  };

  const literal = (): Literal => {
    const token = next();
    switch (token.t) {
      case "string":
        return { type: "string", value: token.v };
      case "number":
        return { type: "number", value: token.v };
      case "date":
        return { type: "date", value: token.v };
      case "guid":
        return { type: "guid", value: token.v };
      case "name": {
        const word = token.v.toLowerCase();
        if (word === "true" || word === "false") return { type: "bool", value: word === "true" };
        if (word === "null") return { type: "null" };
        // OData v3 typed literals: datetime'2026-01-01T00:00:00', guid'…'.
        if ((word === "datetime" || word === "guid" || word === "datetimeoffset") && peek().t === "string") {
          const quoted = next() as { v: string };
          return word === "guid" ? { type: "guid", value: quoted.v.toLowerCase() } : { type: "date", value: quoted.v };
        }
        throw new ODataSyntaxError("$filter", `Expected a value ${where(token)}, found ${JSON.stringify(token.v)}.`);
      }
      default:
        throw new ODataSyntaxError("$filter", `Expected a value ${where(token)}.`);
    }
  };

  const primary = (depth: number): FilterNode => {
    if (depth > maxDepth) throw new ODataSyntaxError("$filter", "The filter is nested too deeply.");
    const token = peek();
    if (token.t === "(") {
      next();
      const inner = or(depth + 1);
      expect(")", "a closing parenthesis");
      return inner;
    }
    if (token.t !== "name") throw new ODataSyntaxError("$filter", `Expected a property name ${where(token)}.`);
    next();
    const lower = token.v.toLowerCase();
    if (peek().t === "(") {
      if (!functionNames.has(lower))
        throw new ODataSyntaxError("$filter", `Unknown function ${JSON.stringify(token.v)} ${where(token)}.`);
      next();
      const property = expect("name", "a property name") as { v: string };
      expect(",", "a comma");
      const value = literal();
      expect(")", "a closing parenthesis");
      count();
      // `contains(Name,'x') eq true` / `eq false` is how some clients write it.
      let negated = false;
      if (keyword("eq") || keyword("ne")) {
        const op = (next() as { v: string }).v.toLowerCase();
        const b = literal();
        if (b.type !== "bool")
          throw new ODataSyntaxError("$filter", `A function's result compares with true or false only.`);
        negated = (op === "eq") !== b.value;
      }
      return { kind: "function", name: lower as FunctionName, property: property.v, value, negated };
    }
    const opToken = next();
    if (opToken.t !== "name")
      throw new ODataSyntaxError("$filter", `Expected an operator after ${JSON.stringify(token.v)} ${where(opToken)}.`);
    const op = opToken.v.toLowerCase();
    if (op === "in") {
      expect("(", "an opening parenthesis");
      const values: Literal[] = [literal()];
      while (peek().t === ",") {
        next();
        values.push(literal());
        if (values.length > maxInValues)
          throw new ODataSyntaxError("$filter", `An in (…) list has more than ${maxInValues} values.`);
      }
      expect(")", "a closing parenthesis");
      count();
      return { kind: "in", property: token.v, values };
    }
    if (!comparisonOps.has(op))
      throw new ODataSyntaxError("$filter", `Unknown operator ${JSON.stringify(opToken.v)} ${where(opToken)}.`);
    const value = literal();
    count();
    return { kind: "compare", op: op as ComparisonOp, property: token.v, value };
  };

  const not = (depth: number): FilterNode => {
    if (keyword("not")) {
      // `not` is also a valid property name in principle; treat it as the operator only before an operand.
      const after = tokens[pos + 1];
      if (after && (after.t === "(" || after.t === "name")) {
        next();
        return { kind: "not", operand: not(depth + 1) };
      }
    }
    return primary(depth);
  };

  const and = (depth: number): FilterNode => {
    let left = not(depth);
    while (keyword("and")) {
      next();
      left = { kind: "and", left, right: not(depth) };
    }
    return left;
  };

  const or = (depth: number): FilterNode => {
    if (depth > maxDepth) throw new ODataSyntaxError("$filter", "The filter is nested too deeply.");
    let left = and(depth);
    while (keyword("or")) {
      next();
      left = { kind: "or", left, right: and(depth) };
    }
    return left;
  };

  if (peek().t === "end") throw new ODataSyntaxError("$filter", "The filter is empty.");
  const tree = or(0);
  const rest = peek();
  if (rest.t !== "end") throw new ODataSyntaxError("$filter", `Unexpected text ${where(rest)}.`);
  return tree;
}
