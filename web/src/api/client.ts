import type { FieldError } from "../../../src/shared/problem-types";

/** Everything the UI calls lives below this path (docs: API.md). */
export const API_BASE = "/api/v1";

/**
 * A failed API call, normalised from the server's problem+json answer (RFC 9457). Network
 * failures and non-JSON answers become an ApiError too, so callers handle one shape.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  /** Seconds from a `Retry-After` header (maintenance, rate limiting), when present. */
  readonly retryAfter: number | null;
  /** The whole problem body, for a type's extension members (`lockedUntil` of account-locked). */
  readonly problem: Record<string, unknown>;

  constructor(init: {
    status: number;
    type: string;
    title: string;
    detail?: string;
    errors?: FieldError[];
    retryAfter?: number | null;
    problem?: Record<string, unknown>;
  }) {
    super(init.detail || init.title);
    this.name = "ApiError";
    this.status = init.status;
    this.type = init.type;
    this.title = init.title;
    this.detail = init.detail ?? "";
    this.errors = init.errors ?? [];
    this.retryAfter = init.retryAfter ?? null;
    this.problem = init.problem ?? {};
  }
}

export function isApiError(error: unknown, type?: string): error is ApiError {
  return error instanceof ApiError && (type === undefined || error.type === type);
}

type Listener = (error: ApiError) => void;

let csrfToken: string | null = null;
let language = "en";
const maintenanceListeners = new Set<Listener>();
const unauthenticatedListeners = new Set<Listener>();

/** The token from the login or session answer; sent as `X-CSRF-Token` on every non-GET request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The current CSRF token, for requests made outside `request()` (an upload with progress via XMLHttpRequest). */
export function getCsrfToken(): string | null {
  return csrfToken;
}

/** The current UI language, for requests made outside `request()`. */
export function getApiLanguage(): string {
  return language;
}

/** Sent as `Accept-Language`, so the server may answer in the UI's language. */
export function setApiLanguage(locale: string): void {
  language = locale;
}

/** Called whenever any request is answered with `503 maintenance`. Returns an unsubscribe function. */
export function onMaintenance(listener: Listener): () => void {
  maintenanceListeners.add(listener);
  return () => maintenanceListeners.delete(listener);
}

/** Called whenever the session turns out to be missing or expired (`401 authentication-required`). */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export type QueryValue = string | number | boolean | null | undefined;

/** Appends the non-empty parameters as a query string. */
export function withQuery(path: string, params: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Do not treat a 401 as an expired session (the session probe and the login call itself). */
  ignoreUnauthenticated?: boolean;
}

async function toApiError(response: Response): Promise<ApiError> {
  const retryHeader = response.headers.get("Retry-After");
  const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  const text = await response.text().catch(() => "");
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (body && typeof body === "object") {
    const problem = body as Record<string, unknown>;
    const errors = Array.isArray(problem.errors)
      ? problem.errors.filter(
          (e): e is FieldError =>
            !!e && typeof e === "object" && typeof e.path === "string" && typeof e.message === "string",
        )
      : [];
    return new ApiError({
      status: response.status,
      type: typeof problem.type === "string" ? problem.type : "http-error",
      title: typeof problem.title === "string" ? problem.title : response.statusText,
      detail: typeof problem.detail === "string" ? problem.detail : undefined,
      errors,
      retryAfter,
      problem,
    });
  }
  return new ApiError({
    status: response.status,
    type: "http-error",
    title: response.statusText || `HTTP ${response.status}`,
    detail: text.slice(0, 300) || undefined,
    retryAfter,
  });
}

async function send(method: string, path: string, body: unknown, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: "application/json, application/problem+json",
    "Accept-Language": language,
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  try {
    return await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw new ApiError({ status: 0, type: "network-error", title: "Network error", detail: String(cause) });
  }
}

/**
 * Calls the API and returns the parsed JSON body (undefined for 204). Throws ApiError otherwise,
 * after telling the maintenance and session listeners about the answers they care about.
 */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  let response = await send(method, path, body, options);

  // A CSRF token can go stale (a session renewed in another tab): fetch the current one and retry once.
  if (response.status === 403 && method !== "GET") {
    const error = await toApiError(response.clone());
    if (error.type === "csrf-failed") {
      const session = await send("GET", "/auth/session", undefined, { signal: options.signal });
      if (session.ok) {
        const data = (await session.json()) as { csrfToken?: string };
        if (data.csrfToken) setCsrfToken(data.csrfToken);
        response = await send(method, path, body, options);
      }
    }
  }

  if (!response.ok) {
    const error = await toApiError(response);
    if (error.status === 503 && error.type === "maintenance") {
      for (const listener of maintenanceListeners) listener(error);
    } else if (error.status === 401 && error.type === "authentication-required" && !options.ignoreUnauthenticated) {
      for (const listener of unauthenticatedListeners) listener(error);
    }
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("Content-Type") ?? "";
  if (type.includes("json")) return (await response.json()) as T;
  return (await response.text()) as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>("GET", path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>("POST", path, body ?? {}, options),
  put: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>("PUT", path, body, options),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>("PATCH", path, body, options),
  delete: <T = void>(path: string, options?: RequestOptions) => request<T>("DELETE", path, undefined, options),
};
