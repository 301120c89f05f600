import { type FieldError, ProblemType } from "../shared/problem-types.js";

/**
 * The one error family services throw. The HTTP edge maps each to problem+json with its
 * status and stable `type`; anything that is not an AppError becomes a logged 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly type: ProblemType,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(detail ?? title, options);
    this.name = "AppError";
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], detail = "One or more fields are invalid.") {
    super(400, ProblemType.validationFailed, "Validation failed", detail, { errors });
  }

  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, ProblemType.notFound, "Not found", `${what} was not found.`);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, type: ProblemType = ProblemType.conflict, extensions: Record<string, unknown> = {}) {
    super(409, type, "Conflict", detail, extensions);
  }
}

export class AuthenticationError extends AppError {
  constructor(type: ProblemType = ProblemType.authenticationRequired, detail = "Sign in to continue.") {
    super(
      401,
      type,
      type === ProblemType.invalidCredentials ? "Invalid credentials" : "Authentication required",
      detail,
    );
  }

  /** The same answer whether the account is unknown, disabled, locked or the password wrong. */
  static invalidCredentials(): AuthenticationError {
    return new AuthenticationError(ProblemType.invalidCredentials, "The credentials are not valid.");
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = "You are not allowed to do this.") {
    super(403, ProblemType.forbidden, "Forbidden", detail);
  }
}

export class MaintenanceError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    scope: "host" | "tenant",
    /** The end the administrator announced (ISO 8601), when there is one still ahead. */
    expectedEndAt: string | null = null,
  ) {
    super(
      503,
      ProblemType.maintenance,
      "Under maintenance",
      scope === "host"
        ? "Dirigent is under maintenance. Please try again later."
        : "This tenant is under maintenance. Please try again later.",
      { scope, expectedEndAt },
    );
  }
}

/** Normalises anything thrown into an Error, keeping the original as `cause`. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === "string" ? value : JSON.stringify(value), { cause: value });
}
