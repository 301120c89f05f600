import { AuditService } from "./audit/audit-service.js";
import type { ServiceContext } from "./context.js";
import { AdministratorService } from "./host/administrator-service.js";
import { OrganizationService } from "./host/organization-service.js";
import { SecuritySettingsService } from "./host/security-settings-service.js";
import { AuthService } from "./identity/auth-service.js";
import { ProfileService } from "./identity/profile-service.js";
import { MaintenanceService } from "./maintenance/maintenance-service.js";
import { UserService } from "./org/user-service.js";

export type Services = ReturnType<typeof createServices>;

/** Wires the services together; the one place that knows their dependencies. */
export function createServices(ctx: ServiceContext) {
  const audit = new AuditService(ctx);
  const security = new SecuritySettingsService(ctx, audit);
  const maintenance = new MaintenanceService(ctx, audit);
  const auth = new AuthService(ctx, audit, security, maintenance);
  return {
    ctx,
    audit,
    security,
    maintenance,
    auth,
    profile: new ProfileService(ctx, audit),
    administrators: new AdministratorService(ctx, audit, auth),
    organizations: new OrganizationService(ctx, audit, auth),
    users: new UserService(ctx, audit, auth),
  };
}
