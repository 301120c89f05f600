import type { FastifyRequest } from "fastify";
import { AppError } from "../../../domain/errors.js";
import type { TenantAccess } from "../../../services/access/access-service.js";
import type { Tenant } from "../../../services/host/organization-service.js";
import type { Services } from "../../../services/index.js";
import { AccountStatus } from "../../../shared/identity.js";
import { ProblemType } from "../../../shared/problem-types.js";
import type { OrganizationRow } from "../../../storage/schema.js";
import { orgForRequest, principalOf } from "../../auth.js";
import { assertJobTenant, jobAccess } from "../../job-auth.js";

export interface TenantContext {
  org: OrganizationRow;
  tenant: Tenant;
  access: TenantAccess;
  /** The folder the path names (`{folder}` by id, key or path), resolved to its id. */
  folderId?: number;
}

declare module "fastify" {
  interface FastifyRequest {
    tenantContext: TenantContext | null;
  }
}

/**
 * A preHandler for every route under /orgs/{org}/tenants/{tenant}: the caller must belong to
 * the organization (else 404), the tenant must be active, its users are stopped while it is
 * under maintenance, and the caller's permissions in it are computed once for the request. A
 * running job (job token) may address its own tenant only, with a robot's rights in its folder.
 */
export function resolveTenant(services: Services) {
  return async (request: FastifyRequest): Promise<void> => {
    const params = request.params as { org: string; tenant: string; folder?: string };
    if (request.jobAuth) {
      const { org, tenant } = await assertJobTenant(services, request.jobAuth, params.org, params.tenant);
      request.tenantContext = { org, tenant, access: jobAccess(request.jobAuth) };
      await resolveFolder(services, request.tenantContext, params.folder);
      return;
    }
    request.tenantContext = await signedInTenant(services, request, params.org, params.tenant);
    await resolveFolder(services, request.tenantContext, params.folder);
  };
}

/**
 * The organization and tenant a signed-in caller names, and the caller's access in it, read
 * through the request caches: the caller must belong to the organization (else 404), the tenant
 * must be active, and its users are stopped while it is under maintenance. Shared by the
 * `/api/v1` tenant routes and the OData layer.
 */
export async function signedInTenant(
  services: Services,
  request: FastifyRequest,
  orgRef: string,
  tenantRef: string,
): Promise<TenantContext> {
  const org = await orgForRequest(services, request, orgRef, { adminOnly: false });
  const tenant = await services.requestCache.get("tenancy", `tenant:${org.id}:${tenantRef}`, () =>
    services.organizations.getTenant(org.id, tenantRef),
  );
  const principal = principalOf(request);
  if (principal.kind === "user") await services.maintenance.assertUserMayProceed(tenant.id);
  if (tenant.status !== AccountStatus.active) {
    throw new AppError(409, ProblemType.tenantDisabled, "Tenant disabled", "This tenant is disabled.");
  }
  // Cached (RequestCache): role, assignment, folder and user changes make every node forget it.
  const access = await services.requestCache.get("access", `${principal.kind}:${principal.id}:${tenant.id}`, () =>
    services.access.forPrincipal(principal, tenant.id),
  );
  return { org, tenant, access };
}

/** One resolver for every `{folder}` in a tenant path: id, key or path → id (FolderService.resolveRef). */
async function resolveFolder(services: Services, context: TenantContext, ref: string | undefined): Promise<void> {
  if (ref !== undefined) context.folderId = await services.folders.resolveRef(context.tenant.id, ref);
}

/** The id of the folder in the request's path (routes with a `{folder}` parameter). */
export function folderOf(request: FastifyRequest): number {
  const id = tenantOf(request).folderId;
  if (id === undefined) throw new Error("this route has no {folder} parameter");
  return id;
}

export function tenantOf(request: FastifyRequest): TenantContext {
  if (!request.tenantContext) throw new Error("resolveTenant did not run for this route");
  return request.tenantContext;
}
