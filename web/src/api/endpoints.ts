import type { TenantCreateBody, TenantUpdateBody } from "../../../src/shared/api/identity";
import { API_BASE, api, type QueryValue, withQuery } from "./client";
import type {
  AccessToken,
  Administrator,
  Alert,
  AlertComponent,
  AlertEmails,
  Announcement,
  AnnouncementInput,
  AuditEntry,
  CreatedAccessToken,
  EmailPreset,
  EmailSettingsInput,
  EmailStatus,
  EmailTestResult,
  Folder,
  FolderAssignment,
  HostDashboard,
  HostEmailSettings,
  InvitationInfo,
  Job,
  JobDetail,
  JobFilters,
  JobStartInput,
  Locale,
  LoginRequest,
  LogLevel,
  LogLine,
  Machine,
  MachineWithKey,
  MaintenanceState,
  Organization,
  OrgEmailSettings,
  OrgUser,
  OutboxMessage,
  OutboxMessageDetail,
  OutboxStatus,
  PackageSummary,
  Page,
  PasswordRecoveryResponse,
  Principal,
  Process,
  ProcessInput,
  PublicStatus,
  RenderedEmail,
  Role,
  RoleCatalogue,
  SecuritySettings,
  SessionResponse,
  Tenant,
  TenantAssignment,
  TenantLicense,
  TenantPermissions,
} from "./types";

const seg = encodeURIComponent;

export const authApi = {
  session: () => api.get<SessionResponse>("/auth/session", { ignoreUnauthenticated: true }),
  login: (body: LoginRequest) => api.post<SessionResponse>("/auth/login", body, { ignoreUnauthenticated: true }),
  logout: () => api.post<void>("/auth/logout", undefined, { ignoreUnauthenticated: true }),
  /** Always 202; says only whether e-mail can be delivered at all. */
  passwordRecovery: (body: { organization?: string; email: string }) =>
    api.post<PasswordRecoveryResponse>("/auth/password-recovery", body, { ignoreUnauthenticated: true }),
  passwordReset: (body: { token: string; password: string }) =>
    api.post<void>("/auth/password-reset", body, { ignoreUnauthenticated: true }),
  invitation: (token: string) =>
    api.post<InvitationInfo>("/auth/invitation", { token }, { ignoreUnauthenticated: true }),
  acceptInvitation: (body: { token: string; password: string; name?: string }) =>
    api.post<void>("/auth/accept-invitation", body, { ignoreUnauthenticated: true }),
};

/** Unauthenticated facts for the sign-in page. */
export const publicApi = {
  status: () => api.get<PublicStatus>("/status", { ignoreUnauthenticated: true }),
  /** The robot agent tarball this server serves, with its checksum. */
  agentDownload: () =>
    api.get<{ url: string; sha256: string; size: number }>("/downloads/agent", { ignoreUnauthenticated: true }),
};

export const meApi = {
  get: () => api.get<Principal>("/me"),
  update: (body: { name?: string; locale?: Locale }) => api.patch<Principal>("/me", body),
  changePassword: (body: { currentPassword: string; newPassword: string }) => api.post<void>("/me/password", body),
  /** The first administrator's first sign-in: an own password and an e-mail address. */
  setup: (body: { email: string; newPassword: string }) => api.post<Principal>("/me/setup", body),
  tokens: () => api.get<Page<AccessToken>>("/me/tokens"),
  createToken: (body: { name: string; expiresInDays?: number }) => api.post<CreatedAccessToken>("/me/tokens", body),
  revokeToken: (id: number) => api.delete(`/me/tokens/${id}`),
  alertEmails: () => api.get<AlertEmails>("/me/alert-emails"),
  setAlertEmails: (body: AlertEmails) => api.put<AlertEmails>("/me/alert-emails", body),
  /** The one-click unsubscribe of an alert e-mail's link (no sign-in; the token says whose). */
  unsubscribe: (token: string) =>
    api.post<{ component: AlertComponent | "all"; channel: "inApp" | "email" | "digest" | "summary" }>(
      `/alert-emails/unsubscribe?token=${encodeURIComponent(token)}`,
      undefined,
      {
        ignoreUnauthenticated: true,
      },
    ),
};

/** How an audit log page is read: after `cursor`, `limit` entries, oldest first with `sort: "time"`, with the `total`. */
export interface AuditPaging {
  cursor?: string;
  limit?: number;
  sort?: string;
  total?: boolean;
}

/** Filters shared by the host and organization audit logs (and their CSV exports). */
export interface AuditFilters {
  from?: string;
  to?: string;
  actor?: string;
  component?: string;
  action?: string;
  q?: string;
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

/**
 * The e-mail endpoints that exist at host (`/host`) and organization (`/orgs/{org}`) level with the
 * same shapes: test e-mail, presets and the outbox. `key` prefixes their query keys.
 */
export interface EmailEndpoints {
  key: readonly unknown[];
  presets: () => Promise<{ items: EmailPreset[] }>;
  test: (body: { to: string; settings?: EmailSettingsInput }) => Promise<EmailTestResult>;
  outbox: (params: { status?: OutboxStatus | null; cursor?: string }) => Promise<Page<OutboxMessage>>;
  outboxMessage: (id: number) => Promise<OutboxMessageDetail>;
  resend: (id: number) => Promise<OutboxMessage>;
}

function emailEndpoints(base: string, key: readonly unknown[]): EmailEndpoints {
  return {
    key,
    presets: () => api.get<{ items: EmailPreset[] }>(`${base}/settings/email/presets`),
    test: (body) => api.post<EmailTestResult>(`${base}/settings/email/test`, body),
    outbox: (params) =>
      api.get<Page<OutboxMessage>>(
        withQuery(`${base}/email/outbox`, { status: params.status, cursor: params.cursor, limit: 50 }),
      ),
    outboxMessage: (id) => api.get<OutboxMessageDetail>(`${base}/email/outbox/${id}`),
    resend: (id) => api.post<OutboxMessage>(`${base}/email/outbox/${id}/resend`),
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

  auditLogs: (filters: AuditFilters & AuditPaging) =>
    api.get<Page<AuditEntry>>(withQuery("/host/audit-logs", filters as Record<string, QueryValue>)),

  maintenance: () => api.get<MaintenanceState>("/host/maintenance"),
  startMaintenance: (body: {
    phase: "draining" | "suspended";
    killJobs?: boolean;
    tenantId?: number;
    notify?: boolean;
    expectedEndAt?: string | null;
  }) => api.post<MaintenanceState>("/host/maintenance/start", body),
  endMaintenance: (body: { tenantId?: number; notify?: boolean }) =>
    api.post<MaintenanceState>("/host/maintenance/end", body),

  securitySettings: () => api.get<SecuritySettings>("/host/settings/security"),
  updateSecuritySettings: (body: SecuritySettings) => api.put<SecuritySettings>("/host/settings/security", body),

  emailSettings: () => api.get<HostEmailSettings>("/host/settings/email"),
  updateEmailSettings: (body: EmailSettingsInput) => api.put<HostEmailSettings>("/host/settings/email", body),
  emailStatus: () => api.get<EmailStatus>("/host/email/status"),
  email: emailEndpoints("/host", ["host", "email"]),

  licenses: () => api.get<{ items: TenantLicense[] }>("/host/licenses"),
  updateLicense: (tenantId: number, body: { robotSlots: number; expiresAt: string | null }) =>
    api.put<TenantLicense>(`/host/licenses/${tenantId}`, body),

  announcements: () => api.get<{ items: Announcement[] }>("/host/announcements"),
  createAnnouncement: (body: AnnouncementInput) => api.post<Announcement>("/host/announcements", body),
  updateAnnouncement: (id: number, body: AnnouncementInput) => api.put<Announcement>(`/host/announcements/${id}`, body),
  deleteAnnouncement: (id: number) => api.delete(`/host/announcements/${id}`),
  previewAnnouncement: (id: number, locale: Locale) =>
    api.get<RenderedEmail>(withQuery(`/host/announcements/${id}/preview`, { locale })),
  sendAnnouncement: (id: number) => api.post<Announcement>(`/host/announcements/${id}/send`),
};

export const orgApi = {
  organization: (org: string) => api.get<Organization>(`/orgs/${seg(org)}`),
  users: (org: string, params: { q?: string; sort?: string; limit?: number; cursor?: string } = {}) =>
    api.get<Page<OrgUser>>(withQuery(`/orgs/${seg(org)}/users`, params)),
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
  unlockUser: (org: string, id: number) => api.post<OrgUser>(`/orgs/${seg(org)}/users/${id}/unlock`),
  setUserPassword: (org: string, id: number, password: string) =>
    api.post<void>(`/orgs/${seg(org)}/users/${id}/password`, { password }),
  resendInvitation: (org: string, id: number) => api.post<void>(`/orgs/${seg(org)}/users/${id}/invitation`),
  revokeInvitation: (org: string, id: number) => api.delete(`/orgs/${seg(org)}/users/${id}/invitation`),
  tenants: (org: string) => tenantEndpoints(`/orgs/${seg(org)}/tenants`, ["orgs", org, "tenants"]),
  auditLogs: (org: string, filters: AuditFilters & AuditPaging) =>
    api.get<Page<AuditEntry>>(withQuery(`/orgs/${seg(org)}/audit-logs`, filters as Record<string, QueryValue>)),
  emailSettings: (org: string) => api.get<OrgEmailSettings>(`/orgs/${seg(org)}/settings/email`),
  updateEmailSettings: (org: string, body: EmailSettingsInput & { mode?: OrgEmailSettings["mode"] }) =>
    api.put<OrgEmailSettings>(`/orgs/${seg(org)}/settings/email`, body),
  email: (org: string) => emailEndpoints(`/orgs/${seg(org)}`, ["orgs", org, "email"]),
  licenses: (org: string) => api.get<{ items: TenantLicense[] }>(`/orgs/${seg(org)}/licenses`),
};

/** The API base of one tenant: `/orgs/{org}/tenants/{tenant}` (tenant by id or name). */
export function tenantBase(org: string, tenant: string): string {
  return `/orgs/${seg(org)}/tenants/${seg(tenant)}`;
}

/** Everything inside one tenant: folders, roles, machines, packages, processes, jobs and alerts. */
export function tenantApi(org: string, tenant: string) {
  const T = tenantBase(org, tenant);
  return {
    base: T,
    key: ["orgs", org, "tenant", tenant] as const,
    permissions: () => api.get<TenantPermissions>(`${T}/permissions`),

    folders: () => api.get<{ items: Folder[] }>(`${T}/folders`),
    createFolder: (body: { name: string; parentId?: number | null; description?: string | null }) =>
      api.post<Folder>(`${T}/folders`, body),
    updateFolder: (id: number, body: { name?: string; parentId?: number | null; description?: string | null }) =>
      api.patch<Folder>(`${T}/folders/${id}`, body),
    deleteFolder: (id: number) => api.delete(`${T}/folders/${id}`),
    folderAssignments: (id: number) => api.get<{ items: FolderAssignment[] }>(`${T}/folders/${id}/assignments`),
    setFolderAssignments: (id: number, userId: number, roleIds: number[]) =>
      api.put<void>(`${T}/folders/${id}/assignments/${userId}`, { roleIds }),

    roles: () => api.get<{ items: Role[]; catalogue: RoleCatalogue }>(`${T}/roles`),
    createRole: (body: { name: string; kind: Role["kind"]; permissions: string[] }) =>
      api.post<Role>(`${T}/roles`, body),
    updateRole: (id: number, body: { name?: string; permissions?: string[] }) =>
      api.patch<Role>(`${T}/roles/${id}`, body),
    deleteRole: (id: number) => api.delete(`${T}/roles/${id}`),
    tenantAssignments: () => api.get<{ items: TenantAssignment[] }>(`${T}/role-assignments`),
    setTenantAssignments: (userId: number, roleIds: number[]) =>
      api.put<void>(`${T}/role-assignments/${userId}`, { roleIds }),

    machines: () => api.get<{ items: Machine[] }>(`${T}/machines`),
    createMachine: (body: { name: string; description?: string | null; slots: number; folderIds: number[] }) =>
      api.post<MachineWithKey>(`${T}/machines`, body),
    updateMachine: (
      id: number,
      body: { name?: string; description?: string | null; slots?: number; folderIds?: number[] },
    ) => api.patch<Machine>(`${T}/machines/${id}`, body),
    deleteMachine: (id: number) => api.delete(`${T}/machines/${id}`),
    regenerateMachineKey: (id: number) => api.post<MachineWithKey>(`${T}/machines/${id}/key`),

    packages: () => api.get<{ items: PackageSummary[] }>(`${T}/packages`),
    /** The archive's URL (a plain link: the browser downloads it with the session cookie). */
    packageDownloadUrl: (name: string, version: string) =>
      `${API_BASE}${T}/packages/${seg(name)}/${seg(version)}/download`,
    packageUploadUrl: () => `${API_BASE}${T}/packages`,
    deletePackageVersion: (name: string, version: string) => api.delete(`${T}/packages/${seg(name)}/${seg(version)}`),

    processes: (folderId?: number | null) =>
      api.get<{ items: Process[] }>(folderId ? `${T}/folders/${folderId}/processes` : `${T}/processes`),
    createProcess: (folderId: number, body: ProcessInput) =>
      api.post<Process>(`${T}/folders/${folderId}/processes`, body),
    updateProcess: (id: number, body: ProcessInput) => api.patch<Process>(`${T}/processes/${id}`, body),
    deleteProcess: (id: number) => api.delete(`${T}/processes/${id}`),

    jobs: (filters: JobFilters & { cursor?: string; limit?: number; q?: string; sort?: string; total?: boolean }) =>
      api.get<Page<Job>>(withQuery(`${T}/jobs`, filters as Record<string, QueryValue>)),
    job: (id: string | number) => api.get<JobDetail>(`${T}/jobs/${seg(String(id))}`),
    startJobs: (folderId: number, body: JobStartInput) =>
      api.post<{ items: Job[] }>(`${T}/folders/${folderId}/jobs`, body),
    stopJob: (id: number, mode: "stop" | "kill") => api.post<Job>(`${T}/jobs/${id}/stop`, { mode }),
    restartJob: (id: number) => api.post<Job>(`${T}/jobs/${id}/restart`),
    jobLogs: (id: number, params: { level?: LogLevel; q?: string; after?: number }) =>
      api.get<{ items: LogLine[] }>(withQuery(`${T}/jobs/${id}/logs`, params)),
    jobLogsCsvUrl: (id: number, params: { level?: LogLevel; q?: string }) =>
      `${API_BASE}${withQuery(`${T}/jobs/${id}/logs.csv`, params)}`,
    jobLogStreamUrl: (id: number) => `${API_BASE}${T}/jobs/${id}/logs/stream`,

    alerts: () => api.get<{ items: Alert[] }>(withQuery(`${T}/alerts`, { limit: 30 })),
  };
}

export type TenantApi = ReturnType<typeof tenantApi>;
