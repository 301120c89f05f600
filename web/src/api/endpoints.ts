import { api, type QueryValue, withQuery } from "./client";
import type {
  AccessToken,
  Administrator,
  AuditEntry,
  CreatedAccessToken,
  HostDashboard,
  Locale,
  LoginRequest,
  MaintenanceState,
  Organization,
  OrgUser,
  Page,
  Principal,
  SecuritySettings,
  SessionResponse,
  Tenant,
} from "./types";

const seg = encodeURIComponent;

export const authApi = {
  session: () => api.get<SessionResponse>("/auth/session", { ignoreUnauthenticated: true }),
  login: (body: LoginRequest) => api.post<SessionResponse>("/auth/login", body, { ignoreUnauthenticated: true }),
  logout: () => api.post<void>("/auth/logout", undefined, { ignoreUnauthenticated: true }),
};

export const meApi = {
  get: () => api.get<Principal>("/me"),
  update: (body: { name?: string; locale?: Locale }) => api.patch<Principal>("/me", body),
  changePassword: (body: { currentPassword: string; newPassword: string }) => api.post<void>("/me/password", body),
  tokens: () => api.get<Page<AccessToken>>("/me/tokens"),
  createToken: (body: { name: string; expiresInDays?: number }) => api.post<CreatedAccessToken>("/me/tokens", body),
  revokeToken: (id: number) => api.delete(`/me/tokens/${id}`),
};

/** Filters shared by the host and organization audit logs (and their CSV exports). */
export interface AuditFilters {
  from?: string;
  to?: string;
  actor?: string;
  component?: string;
  action?: string;
  q?: string;
}

export interface TenantCreateBody {
  name: string;
}
export interface TenantUpdateBody {
  name?: string;
  status?: Tenant["status"];
}

/** The tenant endpoints differ between host (`/host/organizations/{org}/tenants`) and org level. */
export interface TenantEndpoints {
  key: readonly unknown[];
  list: () => Promise<Page<Tenant>>;
  create: (body: TenantCreateBody) => Promise<Tenant>;
  update: (id: number, body: TenantUpdateBody) => Promise<Tenant>;
}

function tenantEndpoints(base: string, key: readonly unknown[]): TenantEndpoints {
  return {
    key,
    list: () => api.get<Page<Tenant>>(base),
    create: (body) => api.post<Tenant>(base, body),
    update: (id, body) => api.patch<Tenant>(`${base}/${id}`, body),
  };
}

export const hostApi = {
  dashboard: () => api.get<HostDashboard>("/host/dashboard"),

  administrators: (cursor?: string) => api.get<Page<Administrator>>(withQuery("/host/administrators", { cursor })),
  createAdministrator: (body: { username: string; name: string; email?: string; password: string }) =>
    api.post<Administrator>("/host/administrators", body),
  updateAdministrator: (id: number, body: { name?: string; email?: string | null; status?: Administrator["status"] }) =>
    api.patch<Administrator>(`/host/administrators/${id}`, body),
  deleteAdministrator: (id: number) => api.delete(`/host/administrators/${id}`),
  resetAdministratorPassword: (id: number, password: string) =>
    api.post<void>(`/host/administrators/${id}/password`, { password }),

  organizations: (params: { q?: string; cursor?: string }) =>
    api.get<Page<Organization>>(withQuery("/host/organizations", params)),
  createOrganization: (body: {
    name: string;
    slug?: string;
    admin: { email: string; name?: string; password?: string; locale?: Locale };
  }) => api.post<Organization>("/host/organizations", body),
  organization: (org: string) => api.get<Organization>(`/host/organizations/${seg(org)}`),
  updateOrganization: (org: string, body: { name?: string; status?: Organization["status"] }) =>
    api.patch<Organization>(`/host/organizations/${seg(org)}`, body),
  deleteOrganization: (org: string) => api.delete(`/host/organizations/${seg(org)}`),
  tenants: (org: string) =>
    tenantEndpoints(`/host/organizations/${seg(org)}/tenants`, ["host", "organization", org, "tenants"]),

  auditLogs: (filters: AuditFilters & { cursor?: string; limit?: number }) =>
    api.get<Page<AuditEntry>>(withQuery("/host/audit-logs", filters as Record<string, QueryValue>)),

  maintenance: () => api.get<MaintenanceState>("/host/maintenance"),
  startMaintenance: (body: { phase: "draining" | "suspended"; killJobs?: boolean; tenantId?: number }) =>
    api.post<MaintenanceState>("/host/maintenance/start", body),
  endMaintenance: (body: { tenantId?: number }) => api.post<MaintenanceState>("/host/maintenance/end", body),

  securitySettings: () => api.get<SecuritySettings>("/host/settings/security"),
  updateSecuritySettings: (body: SecuritySettings) => api.put<SecuritySettings>("/host/settings/security", body),
};

export const orgApi = {
  organization: (org: string) => api.get<Organization>(`/orgs/${seg(org)}`),
  users: (org: string) => api.get<Page<OrgUser>>(`/orgs/${seg(org)}/users`),
  createUser: (
    org: string,
    body: { email: string; name?: string; role?: OrgUser["role"]; password?: string; locale?: Locale },
  ) => api.post<OrgUser>(`/orgs/${seg(org)}/users`, body),
  updateUser: (
    org: string,
    id: number,
    body: { name?: string; role?: OrgUser["role"]; status?: OrgUser["status"]; locale?: Locale },
  ) => api.patch<OrgUser>(`/orgs/${seg(org)}/users/${id}`, body),
  deleteUser: (org: string, id: number) => api.delete(`/orgs/${seg(org)}/users/${id}`),
  tenants: (org: string) => tenantEndpoints(`/orgs/${seg(org)}/tenants`, ["orgs", org, "tenants"]),
  auditLogs: (org: string, filters: AuditFilters & { cursor?: string; limit?: number }) =>
    api.get<Page<AuditEntry>>(withQuery(`/orgs/${seg(org)}/audit-logs`, filters as Record<string, QueryValue>)),
};
