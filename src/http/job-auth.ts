import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError, AuthenticationError, NotFoundError } from "../domain/errors.js";
import { robotPermissions } from "../domain/permissions.js";
import { TenantAccess } from "../services/access/access-service.js";
import { tokenPrefix } from "../services/identity/secrets.js";
import type { Services } from "../services/index.js";
import { AccountStatus } from "../shared/identity.js";
import { ProblemType } from "../shared/problem-types.js";
import { requireAuth } from "./auth.js";

/**
 * A running job calling Dirigent with its `DIRIGENT_JOB_TOKEN`: it acts with a robot's rights
 * (`robotPermissions`) in its job's folder only, and only while the job is active.
 */
export interface JobAuth {
  jobId: number;
  jobKey: string;
  orgId: number;
  tenantId: number;
  folderId: number;
  machineId: number | null;
  processId: number | null;
}

declare module "fastify" {
  interface FastifyRequest {
    jobAuth: JobAuth | null;
  }
  interface FastifyContextConfig {
    /** The route also accepts a job token (with a robot's rights in the job's folder). */
    jobToken?: boolean;
  }
}

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;
}

/** Whether the request carries a job token (`dgj_…`) rather than a user's token. */
export function hasJobToken(request: FastifyRequest): boolean {
  return bearerOf(request)?.startsWith(tokenPrefix.job) ?? false;
}

/**
 * A preHandler that admits running jobs only: the bearer token must be the job token of a job
 * that is running (or stopping); it sets `request.jobAuth`. The tenant must be active.
 */
export function requireJobToken(services: Services) {
  return async (request: FastifyRequest, _reply?: FastifyReply): Promise<void> => {
    const token = bearerOf(request);
    if (!token?.startsWith(tokenPrefix.job))
      throw new AuthenticationError(undefined, "Use the job's token: `Authorization: Bearer $DIRIGENT_JOB_TOKEN`.");
    const job = await services.jobs.jobForToken(token);
    if (!job) throw new AuthenticationError(undefined, "The job token is invalid or its job is no longer running.");
    const tenant = await services.ctx.db
      .selectFrom("tenants")
      .select(["org_id", "status"])
      .where("id", "=", job.tenant_id)
      .executeTakeFirstOrThrow();
    if (tenant.status !== AccountStatus.active)
      throw new AppError(409, ProblemType.tenantDisabled, "Tenant disabled", "This tenant is disabled.");
    request.jobAuth = {
      jobId: job.id,
      jobKey: job.key,
      orgId: tenant.org_id,
      tenantId: job.tenant_id,
      folderId: job.folder_id,
      machineId: job.machine_id,
      processId: job.process_id,
    };
  };
}

/**
 * The authentication preHandler of routes that users and running jobs share: routes whose
 * config says `jobToken: true` take a job token, everything else (and every other token) goes
 * through `requireAuth`.
 */
export function requireAuthOrJobToken(services: Services) {
  const user = requireAuth(services);
  const job = requireJobToken(services);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.routeOptions.config.jobToken && hasJobToken(request)) return job(request, reply);
    return user(request, reply);
  };
}

/** A robot's access: `robotPermissions` in the job's folder, nothing tenant-wide. */
export function jobAccess(auth: JobAuth): TenantAccess {
  return new TenantAccess(auth.tenantId, false, new Set(), new Map([[auth.folderId, new Set(robotPermissions)]]));
}

/** The job of a route that required a job token. */
export function jobAuthOf(request: FastifyRequest): JobAuth {
  if (!request.jobAuth) throw new AuthenticationError();
  return request.jobAuth;
}

/**
 * Checks that a job-token request addresses its own organization and tenant (`{org}` and
 * `{tenant}` by id, slug or name); anything else is "not found", like for users.
 */
export async function assertJobTenant(services: Services, auth: JobAuth, orgRef: string, tenantRef: string) {
  const org = await services.organizations.find(services.ctx.db, orgRef).catch(() => null);
  if (!org || org.id !== auth.orgId) throw new NotFoundError("The organization");
  const tenant = await services.organizations.getTenant(org.id, tenantRef);
  if (tenant.id !== auth.tenantId) throw new NotFoundError("The tenant");
  return { org, tenant };
}
