import type { FastifyInstance } from "fastify";
import { ValidationError } from "../domain/errors.js";
import type { FieldError } from "../shared/problem-types.js";
import { invalidInputDetail } from "./problem.js";

/** Nesting beyond this is not scanned further (bodies are at most 256 KiB; JSON this deep is not ours). */
const maxDepth = 64;

/**
 * Refuses text with a NUL character anywhere in a request's path parameters, query string or
 * JSON body, before any schema or service sees it: PostgreSQL cannot store NUL in text or JSON,
 * SQLite can, and a value that one database takes and the other refuses would make the API
 * behave differently per installation (and end in a 500 on PostgreSQL). Every offending field
 * is named, in the same dotted form as the schemas' errors.
 */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    const errors: FieldError[] = [];
    let where: string | undefined;
    for (const [context, value] of [
      ["params", request.params],
      ["querystring", request.query],
      ["body", request.body],
    ] as const) {
      const before = errors.length;
      collectNul(value, "", errors, 0);
      if (errors.length > before && where === undefined) where = context;
    }
    if (errors.length > 0) throw new ValidationError(errors, invalidInputDetail(where));
  });
}

function collectNul(value: unknown, path: string, errors: FieldError[], depth: number): void {
  if (typeof value === "string") {
    if (value.includes("\u0000")) errors.push({ path: path || "body", message: "must not contain NUL characters" });
    return;
  }
  if (depth >= maxDepth || value === null || typeof value !== "object") return;
  // Raw uploads (streams, buffers) are not text fields. (Parsed params and query strings are
  // objects of the router's own null-prototype classes, so the prototype cannot tell.)
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === "function") return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key.includes("\u0000")) errors.push({ path: childPath, message: "must not contain NUL characters" });
    collectNul(child, childPath, errors, depth + 1);
  }
}
