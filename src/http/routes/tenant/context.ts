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
    const params = request.params as { org: string; tenant: string };
    if (request.jobAuth) {
      const { org, tenant } = await assertJobTenant(services, request.jobAuth, params.org, params.tenant);
      request.tenantContext = { org, tenant, access: jobAccess(request.jobAuth) };
      return;
    }
    const org = await orgForRequest(services, request, params.org, { adminOnly: false });
    const tenant = await services.requestCache.get("tenancy", `tenant:${org.id}:${params.tenant}`, () =>
      services.organizations.getTenant(org.id, params.tenant),
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
    request.tenantContext = { org, tenant, access };
  };
}

export function tenantOf(request: FastifyRequest): TenantContext {
  if (!request.tenantContext) throw new Error("resolveTenant did not run for this route");
  return request.tenantContext;
}
