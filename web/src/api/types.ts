import type { AccountStatus, Locale, OrgRole, Principal } from "../../../src/shared/identity";
import type { MaintenancePhase } from "../../../src/shared/maintenance";

export type { AccountStatus, Locale, MaintenancePhase, OrgRole, Principal };

export type UserPrincipal = Extract<Principal, { kind: "user" }>;
export type AdminPrincipal = Extract<Principal, { kind: "admin" }>;

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface SessionResponse {
  principal: Principal;
  csrfToken: string;
}

export type LoginRequest =
  | { username: string; password: string }
  | { organization: string; email: string; password: string };

export interface AccessToken {
  id: number;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedAccessToken extends AccessToken {
  token: string;
}

export interface HostDashboard {
  organizations: { total: number; active: number; disabled: number };
  tenants: { total: number };
  users: { total: number };
  administrators: { total: number; active: number };
  maintenance: { phase: MaintenancePhase };
}

export interface Administrator {
  id: number;
  username: string;
  name: string;
  email: string | null;
  status: AccountStatus;
  locale: Locale;
  createdAt: string;
  lastLoginAt: string | null;
}

export interface Organization {
  id: number;
  name: string;
  slug: string;
  status: AccountStatus;
  tenantCount?: number;
  userCount?: number;
  createdAt: string;
  updatedAt?: string;
}

export interface Tenant {
  id: number;
  orgId: number;
  name: string;
  status: AccountStatus;
  createdAt: string;
  updatedAt: string;
}

export interface OrgUser {
  id: number;
  email: string;
  name: string;
  role: OrgRole;
  status: AccountStatus;
  locale: Locale;
  hasPassword: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export interface AuditEntry {
  id: number | string;
  time: string;
  actor: { kind: string; id: number | string | null; name: string | null } | null;
  component: string;
  action: string;
  target: { type: string; id: number | string | null; name: string | null } | null;
  before: unknown;
  after: unknown;
  clientIp: string | null;
  userAgent: string | null;
}

export interface MaintenanceWindow {
  id: number;
  phase: MaintenancePhase;
  tenantId: number | null;
  killJobs: boolean;
  startedAt: string;
  startedBy: string | number | null;
  jobStopsAttempted: number;
  jobKillsAttempted: number;
  triggersSkipped: number;
}

export interface TenantMaintenance {
  tenantId: number;
  tenantName: string;
  orgId: number;
  orgSlug: string;
  orgName: string;
  phase: MaintenancePhase;
  window: MaintenanceWindow | null;
}

export interface MaintenanceLogEntry {
  phase: MaintenancePhase;
  actorName: string | null;
  createdAt: string;
  tenantId: number | null;
}

export interface MaintenanceState {
  phase: MaintenancePhase;
  current: MaintenanceWindow | null;
  tenants: TenantMaintenance[];
  log: MaintenanceLogEntry[];
}

export interface SecuritySettings {
  passwordMinLength: number;
  passwordRequireUppercase: boolean;
  passwordRequireLowercase: boolean;
  passwordRequireDigit: boolean;
  passwordRequireSymbol: boolean;
  lockoutThreshold: number;
  lockoutMinutes: number;
}
