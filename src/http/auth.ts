import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError, AuthenticationError, ForbiddenError, NotFoundError } from "../domain/errors.js";
import type { Actor } from "../services/context.js";
import { safeEqual } from "../services/identity/secrets.js";
import type { Services } from "../services/index.js";
import { OrgRole, type Principal } from "../shared/identity.js";
import { ProblemType } from "../shared/problem-types.js";
import type { AuthTokenRow, OrganizationRow } from "../storage/schema.js";

export const sessionCookie = "dirigent_session";
export const csrfHeader = "x-csrf-token";

export interface RequestAuth {
  principal: Principal;
  tokenRow: AuthTokenRow;
  via: "session" | "bearer";
}

declare module "fastify" {
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** Who made this request, for the audit log; anonymous requests (login) name the client only. */
export function actorOf(request: FastifyRequest): Actor {
  const client = clientOf(request);
  // A running job (job token, see job-auth.ts) acts as a robot of its organization.
  const job = request.jobAuth;
  if (job) return { kind: "robot", id: job.jobId, name: `job ${job.jobId}`, orgId: job.orgId, ...client };
  const p = request.auth?.principal;
  if (!p) return { kind: "system", id: null, name: "anonymous", orgId: null, ...client };
  return p.kind === "admin"
    ? { kind: "admin", id: p.id, name: p.username, orgId: null, ...client }
    : { kind: "user", id: p.id, name: p.email, orgId: p.organization.id, ...client };
}

export function clientOf(request: FastifyRequest) {
  const ua = request.headers["user-agent"];
  return { ip: request.ip ?? null, userAgent: typeof ua === "string" ? ua : null };
}

/** The authenticated principal of a route that required authentication. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.auth) throw new AuthenticationError();
  return request.auth.principal;
}

/**
 * A preHandler that authenticates the request by bearer token (scripts) or session cookie
 * (the UI; unsafe methods must then carry the session's CSRF token), and stops organization
 * users while the whole installation is under maintenance.
 */
export function requireAuth(services: Services) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    let auth: RequestAuth;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1])
        throw new AuthenticationError(undefined, "Use an Authorization header of the form `Bearer <token>`.");
      const { principal, tokenRow } = await services.auth.authenticate(match[1], ["bearer", "personal"]);
      auth = { principal, tokenRow, via: "bearer" };
    } else {
      const cookie = request.cookies[sessionCookie];
      if (!cookie) throw new AuthenticationError();
      const { principal, tokenRow } = await services.auth.authenticate(cookie, ["session"]);
      if (!safeMethods.has(request.method)) {
        const sent = request.headers[csrfHeader];
        if (typeof sent !== "string" || !tokenRow.csrf_token || !safeEqual(sent, tokenRow.csrf_token)) {
          throw new AppError(403, ProblemType.csrfFailed, "CSRF check failed", "Reload the page and try again.");
        }
      }
      auth = { principal, tokenRow, via: "session" };
    }
    request.auth = auth;
    if (auth.principal.kind === "user") await services.maintenance.assertUserMayProceed();
    if (auth.principal.kind === "admin" && auth.principal.setupRequired) assertAllowedBeforeSetup(request);
  };
}

/** What the bootstrap administrator may do before choosing a password: see itself, set up, sign out. */
const allowedBeforeSetup = new Set([
  "GET /api/v1/me",
  "PATCH /api/v1/me",
  "POST /api/v1/me/setup",
  "GET /api/v1/auth/session",
  "POST /api/v1/auth/logout",
]);

function assertAllowedBeforeSetup(request: FastifyRequest): void {
  if (allowedBeforeSetup.has(`${request.method} ${request.routeOptions.url}`)) return;
  throw new AppError(
    403,
    ProblemType.setupRequired,
    "Setup required",
    "Choose a new password and give an e-mail address first.",
  );
}

/** A preHandler (after requireAuth) that admits system administrators only. */
export async function requireSystemAdmin(request: FastifyRequest): Promise<void> {
  if (principalOf(request).kind !== "admin") {
    throw new ForbiddenError("This is for system administrators only.");
  }
}

/**
 * Resolves the `{org}` of an org-level route for the caller. System administrators may act in
 * every organization; a user only in their own (any other organization is "not found", so ids
 * do not leak), and only organization administrators when `adminOnly`.
 */
export async function orgForRequest(
  services: Services,
  request: FastifyRequest,
  ref: string,
  options: { adminOnly: boolean },
): Promise<OrganizationRow> {
  const principal = principalOf(request);
  const org = await services.requestCache.get("tenancy", `org:${ref}`, () =>
    services.organizations.find(services.ctx.db, ref),
  );
  if (principal.kind === "user") {
    if (principal.organization.id !== org.id) throw new NotFoundError("The organization");
    if (options.adminOnly && principal.role !== OrgRole.orgAdmin) {
      throw new ForbiddenError("This is for organization administrators only.");
    }
  }
  return org;
}
