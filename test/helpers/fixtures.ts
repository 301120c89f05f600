import { expect } from "vitest";
import { Api, type ApiResponse, unique } from "./api.js";
import type { TestServer } from "./server.js";

/** A password that meets the default policy; tests that must tell passwords apart use `newPassword()`. */
export const userPassword = "User-Passw0rd!";

let passwordCounter = 0;
/** A fresh password that meets the default policy and appears nowhere else. */
export function newPassword(): string {
  passwordCounter += 1;
  return `Pw-${Math.random().toString(36).slice(2, 10)}${passwordCounter}X9`;
}

/** An Api client signed in as the bootstrapped system administrator `admin`. */
export function adminApi(server: TestServer): Promise<Api> {
  return new Api(server.url).as({ username: "admin", password: server.adminPassword });
}

export interface TestAdmin {
  id: number;
  username: string;
  password: string;
  api: Api;
}

/** Creates a system administrator through the API and signs it in. */
export async function createAdmin(host: Api, options: { password?: string } = {}): Promise<TestAdmin> {
  const username = unique("adm");
  const password = options.password ?? newPassword();
  const res = await host.post("/host/administrators", { username, password });
  expect(res.status, res.text).toBe(201);
  const api = await new Api(host.baseUrl).as({ username, password });
  return { id: res.body.id, username, password, api };
}

export interface TestOrg {
  id: number;
  slug: string;
  name: string;
  defaultTenantId: number;
  /** The first organization administrator. */
  admin: TestUser;
}

export interface TestUser {
  id: number;
  email: string;
  password: string;
  orgSlug: string;
  api: Api;
}

/** Creates an organization (with its Default tenant and first org admin) and signs that admin in. */
export async function createOrg(host: Api, options: { name?: string } = {}): Promise<TestOrg> {
  const slug = unique("org");
  const name = options.name ?? `Org ${slug}`;
  const email = `${unique("owner")}@example.com`;
  const password = newPassword();
  const res = await host.post("/host/organizations", { name, slug, admin: { email, password } });
  expect(res.status, res.text).toBe(201);
  const tenants = await host.get(`/host/organizations/${res.body.id}/tenants`);
  expect(tenants.status, tenants.text).toBe(200);
  const api = await new Api(host.baseUrl).as({ organization: slug, email, password });
  const users = await api.get(`/orgs/${slug}/users`);
  expect(users.status, users.text).toBe(200);
  return {
    id: res.body.id,
    slug,
    name,
    defaultTenantId: tenants.body.items[0].id,
    admin: { id: users.body.items[0].id, email, password, orgSlug: slug, api },
  };
}

/** Creates a user in an organization (as its org admin or a system administrator) and signs it in. */
export async function createUser(
  creator: Api,
  orgSlug: string,
  options: { role?: "user" | "org_admin"; password?: string } = {},
): Promise<TestUser> {
  const email = `${unique("user")}@example.com`;
  const password = options.password ?? newPassword();
  const res = await creator.post(`/orgs/${orgSlug}/users`, { email, password, role: options.role ?? "user" });
  expect(res.status, res.text).toBe(201);
  const api = await new Api(creator.baseUrl).as({ organization: orgSlug, email, password });
  return { id: res.body.id, email, password, orgSlug, api };
}

/** A signed-in UI session: the cookie and the CSRF token the login returned. */
export class Session {
  constructor(
    readonly baseUrl: string,
    readonly cookie: string,
    readonly csrfToken: string,
    readonly loginResponse: ApiResponse,
  ) {}

  static async login(
    baseUrl: string,
    credentials: { username: string; password: string } | { organization: string; email: string; password: string },
  ): Promise<Session> {
    const res = await new Api(baseUrl).post("/auth/login", credentials);
    expect(res.status, res.text).toBe(200);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("dirigent_session="));
    expect(setCookie).toBeDefined();
    const cookie = (setCookie as string).split(";")[0] as string;
    return new Session(baseUrl, cookie, res.body.csrfToken, res);
  }

  /** The session token itself (the cookie's value). */
  get token(): string {
    return this.cookie.slice("dirigent_session=".length);
  }

  /** Sends a request with the session cookie; `csrf` defaults to the session's own CSRF token. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  request<T = any>(method: string, path: string, body?: unknown, options: { csrf?: string | null } = {}) {
    const csrf = options.csrf === undefined ? this.csrfToken : options.csrf;
    return new Api(this.baseUrl).request<T>(method, path, body, {
      cookie: this.cookie,
      ...(csrf !== null && { "x-csrf-token": csrf }),
    });
  }
}

/** An Api client that keeps every answer it received, for tests that look for leaked secrets. */
export class RecordingApi extends Api {
  constructor(
    baseUrl: string,
    token: string | undefined,
    readonly record: { method: string; path: string; text: string; headers: string }[],
  ) {
    super(baseUrl, token);
  }

  override withToken(token: string): RecordingApi {
    return new RecordingApi(this.baseUrl, token, this.record);
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  override async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await super.request<T>(method, path, body, headers);
    this.record.push({ method, path, text: res.text, headers: JSON.stringify([...res.headers]) });
    return res;
  }
}
