import { expect } from "vitest";

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A minimal HTTP client for API tests: JSON in, parsed JSON (or text) out, never throws on status. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  withToken(token: string): Api {
    return new Api(this.baseUrl, token);
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        ...(body !== undefined && { "content-type": "application/json" }),
        ...(this.token && { authorization: `Bearer ${this.token}` }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  get = <T = any>(path: string) => this.request<T>("GET", path);
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  post = <T = any>(path: string, body?: unknown) => this.request<T>("POST", path, body ?? {});
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  patch = <T = any>(path: string, body: unknown) => this.request<T>("PATCH", path, body);
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  put = <T = any>(path: string, body: unknown) => this.request<T>("PUT", path, body);
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  delete = <T = any>(path: string) => this.request<T>("DELETE", path);

  /** Logs in (system administrator or org user) and returns a client carrying the bearer token. */
  async as(
    credentials: { username: string; password: string } | { organization: string; email: string; password: string },
  ) {
    const res = await this.request<{ accessToken: string }>("POST", "/auth/token", credentials);
    expect(res.status, res.text).toBe(200);
    return this.withToken(res.body.accessToken);
  }
}

/** Asserts a problem+json answer with the given status and type; returns its body. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
export function expectProblem(res: ApiResponse<any>, status: number, type: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(res.body.type).toBe(type);
  return res.body as {
    type: string;
    title: string;
    status: number;
    detail?: string;
    errors?: { path: string; message: string }[];
  };
}

let counter = 0;
/** A unique suffix for names and slugs so tests never collide. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}${counter}`;
}
