/**
 * Walks the server's own OpenAPI document: every operation, with its path parameters filled in
 * from a table of known values and a request body generated from its schema. The reliability
 * suites (isolation matrix, planted secrets) use it so that a route added tomorrow is covered
 * without anyone listing it.
 */

export interface Operation {
  method: string;
  /** The path template without `/api/v1`, e.g. `/orgs/{org}/tenants/{tenant}/queues/{id}`. */
  template: string;
  params: string[];
  bodySchema: JsonSchema | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI schemas are arbitrary JSON.
export type JsonSchema = Record<string, any>;

/** The API operations of the document at `baseUrl` (health, docs and the robot socket left out). */
export async function apiOperations(baseUrl: string): Promise<Operation[]> {
  const doc = (await (await fetch(`${baseUrl}/api/docs/json`)).json()) as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith("/api/v1/") || path.startsWith("/api/v1/robot")) continue;
    for (const [method, operation] of Object.entries(methods)) {
      const upper = method.toUpperCase();
      if (!["GET", "POST", "PUT", "PATCH", "DELETE"].includes(upper)) continue;
      const template = path.slice("/api/v1".length);
      operations.push({
        method: upper,
        template,
        params: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string),
        bodySchema: operation.requestBody?.content?.["application/json"]?.schema,
      });
    }
  }
  return operations;
}

/** Values for path parameters, by parameter name or by the collection segment before it. */
export type ParamValues = Record<string, string | number>;

/**
 * Fills a template. Each parameter is looked up as `segment/param` (`queues/{name}` →
 * `values["queues/name"]`), then `{id}` by the collection it follows (`queues/{id}` →
 * `values.queues`) and other parameters by name; undefined when a value is missing.
 */
export function fillPath(template: string, values: ParamValues): string | undefined {
  const parts = template.split("/");
  const filled: string[] = [];
  for (const [i, part] of parts.entries()) {
    const param = /^\{(.+)\}$/.exec(part)?.[1];
    if (!param) {
      filled.push(part);
      continue;
    }
    const segment = parts[i - 1] ?? "";
    const value =
      values[`${segment}/${param}`] ?? (param === "id" ? values[segment] : (values[param] ?? values[segment]));
    if (value === undefined) return undefined;
    filled.push(param === "*" ? String(value) : encodeURIComponent(String(value)));
  }
  return filled.join("/");
}

/**
 * A small body that satisfies `schema`: required properties, plus every property that names other
 * objects (`…Id`, `…Ids`), filled from `ids` so that a request refers to the objects under test.
 * Returns whether any such reference was made.
 */
export function sampleBody(
  schema: JsonSchema | undefined,
  ids: Record<string, number>,
): { body: unknown; refers: boolean } {
  let refers = false;
  const sample = (s: JsonSchema | undefined, name: string): unknown => {
    if (!s) return "x";
    const choice = s.anyOf ?? s.oneOf;
    if (choice) return sample(choice.find((c: JsonSchema) => c.type !== "null") ?? choice[0], name);
    if (s.const !== undefined) return s.const;
    if (s.enum) return s.enum[0];
    const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
    if (type === "object" || (!type && s.properties)) {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) {
        if ((s.required ?? []).includes(key) || referenceName(key) in ids) out[key] = sample(sub, key);
      }
      return out;
    }
    if (type === "array") {
      const single = name.endsWith("Ids") ? name.slice(0, -1) : name;
      const count = Math.max(s.minItems ?? 0, single in ids ? 1 : 0);
      return Array.from({ length: count }, () => sample(s.items, single));
    }
    if (type === "integer" || type === "number") {
      const id = ids[referenceName(name)];
      if (id !== undefined) {
        refers = true;
        return id;
      }
      return Math.max(s.minimum ?? 1, Math.min(s.maximum ?? 1, 1));
    }
    if (type === "boolean") return true;
    if (s.format === "email") return "intruder@example.com";
    if (s.format === "date-time") return new Date(Date.now() + 86_400_000).toISOString();
    return "intruder".padEnd(s.minLength ?? 0, "x").slice(0, s.maxLength ?? 100);
  };
  const body = schema ? sample(schema, "") : undefined;
  return { body, refers };
}

function referenceName(key: string): string {
  return key.endsWith("Ids") ? key.slice(0, -1) : key;
}
