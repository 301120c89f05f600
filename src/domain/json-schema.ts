import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { FieldError } from "../shared/problem-types.js";

/**
 * JSON Schemas that users write (entry points' input schemas, queues' data schemas), compiled once
 * per distinct schema text and kept in a bounded cache. `addUsedSchema: false`: a schema with an
 * `$id` is not registered globally, so the same `$id` in two packages (or one package used twice)
 * does not fail the second compile.
 */
const ajv = new Ajv({ allErrors: true, strict: false, addUsedSchema: false });

/** Distinct schemas kept compiled; the oldest is dropped (and released from ajv) beyond this. */
const maxCompiled = 500;
const compiled = new Map<string, { validate: ValidateFunction; schema: object }>();

/** The compiled validator of `schema`; throws ajv's error when the schema itself is invalid. */
export function compileSchema(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit) {
    // Most recently used last, so eviction takes the least recently used.
    compiled.delete(key);
    compiled.set(key, hit);
    return hit.validate;
  }
  const validate = ajv.compile(schema);
  if (compiled.size >= maxCompiled) {
    const [oldestKey, oldest] = compiled.entries().next().value as [string, { schema: object }];
    compiled.delete(oldestKey);
    ajv.removeSchema(oldest.schema);
  }
  compiled.set(key, { validate, schema });
  return validate;
}

/** ajv's errors as the API's field errors, named under `prefix` (e.g. `inputArguments.customer.id`). */
export function schemaFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  return (errors ?? []).map((e) => {
    const path = `${prefix}${e.instancePath.replaceAll("/", ".")}`;
    if (e.keyword === "required")
      return { path: `${path}.${String(e.params.missingProperty)}`, message: "is required" };
    // Name the unexpected field itself, as the API does for unknown fields of a body.
    if (e.keyword === "additionalProperties")
      return { path: `${path}.${String(e.params.additionalProperty)}`, message: "is not a known field" };
    return { path, message: e.message ?? "is invalid" };
  });
}
