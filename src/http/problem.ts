import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError, MaintenanceError } from "../domain/errors.js";
import { type FieldError, type Problem, ProblemType } from "../shared/problem-types.js";
import { isDatabaseUnavailable, isRefusedValue } from "../storage/db-errors.js";
import { localizeProblem, problemLocale } from "./problem-language.js";

/** Seconds a client is told to wait after a 503 `database-unavailable`. */
const databaseRetryAfterSeconds = 5;
/** An outage is logged once per this many milliseconds, not once per failed request. */
const outageLogIntervalMs = 10_000;
let lastOutageLog = 0;

/** Sends an application/problem+json answer, in the language the request asked for (`Accept-Language`). */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  const localized = localizeProblem(problem, problemLocale(reply.request?.headers["accept-language"]));
  return reply.status(problem.status).type("application/problem+json").send(localized);
}

export function problemFromAppError(error: AppError): Problem {
  return {
    type: error.type,
    title: error.title,
    status: error.status,
    ...(error.detail !== undefined && { detail: error.detail }),
    ...error.extensions,
  };
}

/**
 * The one place where errors become HTTP answers. Known errors keep their status and stable
 * type; framework errors (bad JSON, wrong content type, oversized body) become 4xx problems;
 * everything else is logged with its stack and answered with a bare 500.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      if (error instanceof MaintenanceError) reply.header("Retry-After", String(error.retryAfterSeconds));
      return sendProblem(reply, problemFromAppError(error));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      return sendProblem(reply, {
        type: ProblemType.validationFailed,
        title: "Validation failed",
        status: 400,
        detail: invalidInputDetail(error.validationContext),
        errors: error.validation.flatMap((item) => fieldErrors(item, validatedInput(request, error.validationContext))),
      });
    }
    const status = error.statusCode ?? 500;
    if (status === 413 || error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return sendProblem(reply, {
        type: ProblemType.payloadTooLarge,
        title: "Payload too large",
        status: 413,
        detail: "The request body is too large.",
      });
    }
    if (status === 415 || error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return sendProblem(reply, {
        type: ProblemType.unsupportedMediaType,
        title: "Unsupported media type",
        status: 415,
        detail: "Send the request body as application/json.",
      });
    }
    if (status === 429) {
      return sendProblem(reply, {
        type: ProblemType.rateLimited,
        title: "Too many requests",
        status: 429,
        detail: "Too many attempts. Wait a minute and try again.",
      });
    }
    if (status === 403 || status === 404) {
      // Framework-level refusals outside our routes (e.g. a directory under the UI's files).
      return sendNoEndpoint(request, reply);
    }
    if (status >= 400 && status < 500) {
      // Malformed JSON, an empty body where one is needed, and similar framework-level errors.
      return sendProblem(reply, {
        type: ProblemType.validationFailed,
        title: "Bad request",
        status: 400,
        detail:
          error.code === "FST_ERR_CTP_EMPTY_JSON_BODY"
            ? "The request body is empty."
            : "The request body is not valid JSON.",
        errors: [{ path: "body", message: error.message }],
      });
    }
    if (isDatabaseUnavailable(error)) {
      const now = Date.now();
      if (now - lastOutageLog > outageLogIntervalMs) {
        lastOutageLog = now;
        request.log.warn({ err: error }, "database unavailable: requests answer 503");
      }
      reply.header("Retry-After", String(databaseRetryAfterSeconds));
      return sendProblem(reply, {
        type: ProblemType.databaseUnavailable,
        title: "Database unavailable",
        status: 503,
        detail: "The database does not answer right now. Try again in a few seconds.",
      });
    }
    if (isRefusedValue(error)) {
      // The input validation should have refused this value already: log it so the schema gets fixed.
      request.log.warn({ err: error }, "the database refused a value the validation let through");
      return sendProblem(reply, {
        type: ProblemType.validationFailed,
        title: "Validation failed",
        status: 400,
        detail: "A value in the request cannot be stored (out of range or not valid text).",
        errors: [{ path: "body", message: "holds a value the database cannot store" }],
      });
    }
    request.log.error({ err: error }, "unhandled error");
    return sendProblem(reply, {
      type: ProblemType.internal,
      title: "Internal server error",
      status: 500,
      detail: "Something went wrong on our side. The error was logged.",
    });
  });
}

/** Errors of the router itself (before any route or hook runs): bad percent-encoding, over-long parameters. */
export function handleFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
    sendProblem(reply, {
      type: ProblemType.validationFailed,
      title: "Validation failed",
      status: 414,
      detail: "A path segment is too long.",
      errors: [{ path: "path", message: "has a segment that is too long" }],
    });
    return;
  }
  sendProblem(reply, {
    type: ProblemType.validationFailed,
    title: "Validation failed",
    status: 400,
    detail: "The URL is not valid (malformed percent-encoding).",
    errors: [{ path: "path", message: "is not a valid URL path" }],
  });
}

/** The answer for a path no route serves (the app sets one not-found handler, see buildApp). */
export function sendNoEndpoint(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, {
    type: ProblemType.notFound,
    title: "Not found",
    status: 404,
    detail: `No endpoint ${request.method} ${request.url.split("?")[0]}.`,
  });
}

interface ZodValidationItem {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Says in words which part of the request is invalid ("params" and "querystring" are not English). */
export function invalidInputDetail(context: string | undefined): string {
  if (context === "params") return "The path parameters are invalid.";
  if (context === "querystring") return "The query string is invalid.";
  if (context === "headers") return "The request headers are invalid.";
  return "The request body is invalid.";
}

/** The part of the request a validation error is about (body, params or query string). */
function validatedInput(request: FastifyRequest, context: string | undefined): unknown {
  if (context === "params") return request.params;
  if (context === "querystring") return request.query;
  if (context === "headers") return request.headers;
  return request.body;
}

/**
 * Turns one zod issue into field errors; unknown keys become one error per key, and a field
 * absent from `input` is "required" whatever the schema's own message (enums say "Invalid option").
 */
function fieldErrors(item: ZodValidationItem, input: unknown): FieldError[] {
  const base = item.instancePath.replace(/^\//, "").replaceAll("/", ".");
  if (item.keyword === "invalid_union" && Array.isArray(item.params?.errors)) {
    // A union (admin or user credentials) fails as a whole with a bare "Invalid input"; report the
    // fields of the alternative the caller came closest to, i.e. the one with the fewest issues.
    const branches = item.params.errors as { code: string; path: PropertyKey[]; message: string; keys?: unknown }[][];
    // A discriminated union whose discriminator matches no branch has no branches to compare.
    // Issues are weighed by the fields they name: one unrecognized_keys issue may name several.
    const weight = (b: { code: string; keys?: unknown }[]) =>
      b.reduce(
        (n, issue) => n + (issue.code === "unrecognized_keys" && Array.isArray(issue.keys) ? issue.keys.length : 1),
        0,
      );
    const closest = branches.reduce((best, b) => (weight(b) < weight(best) ? b : best), branches[0] ?? []);
    if (closest.length > 0) {
      return closest.flatMap((issue) =>
        fieldErrors(
          {
            keyword: issue.code,
            instancePath: [item.instancePath, ...issue.path.map(String)].join("/").replace(/\/+/g, "/"),
            message: issue.message,
            params: issue as unknown as Record<string, unknown>,
          },
          input,
        ),
      );
    }
  }
  if (item.keyword === "unrecognized_keys" && Array.isArray(item.params?.keys)) {
    return (item.params.keys as string[]).map((key) => ({
      path: base ? `${base}.${key}` : key,
      message: "is not a known field",
    }));
  }
  const missing = base !== "" && valueAt(input, base.split(".")) === undefined;
  return [{ path: base || "body", message: missing ? "is required" : humanMessage(item) }];
}

function valueAt(input: unknown, path: string[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function humanMessage(item: ZodValidationItem): string {
  const msg = item.message ?? "is invalid";
  // zod's "Invalid input: expected string, received undefined" is a missing field.
  if (/received undefined$/.test(msg)) return "is required";
  const type = /^Invalid input: expected (\w+), received \w+$/.exec(msg);
  if (type) return `must be ${/^[aeiou]/.test(type[1] ?? "") ? "an" : "a"} ${type[1]}`;
  return msg;
}
