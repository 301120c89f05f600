import type { AlertComponent, AlertEmailSubscription, AlertSeverity } from "../../../src/shared/alerts";
import type { AccountStatus, Locale, OrgRole, Principal } from "../../../src/shared/identity";
import type { MaintenancePhase } from "../../../src/shared/maintenance";

export type { AlertEmails } from "../../../src/shared/api/alerts";
export type {
  InvitationInfo,
  LoginRequest,
  PasswordRecoveryResponse,
  PublicStatus,
  SecuritySettings,
  SessionResponse,
} from "../../../src/shared/api/auth";
export type {
  Announcement,
  AnnouncementInput,
  AnnouncementKind,
  AuditEntry,
  HostCounts as HostDashboard,
  MaintenanceLogEntry,
  MaintenanceState,
  MaintenanceWindow,
  TenantLicense,
  TenantMaintenance,
} from "../../../src/shared/api/host";
export type {
  AccessToken,
  Administrator,
  CreatedAccessToken,
  Organization,
  OrgUser,
  Tenant,
} from "../../../src/shared/api/identity";
export * from "./automation-types";
export * from "./email-types";

export type {
  AccountStatus,
  AlertComponent,
  AlertEmailSubscription,
  AlertSeverity,
  Locale,
  MaintenancePhase,
  OrgRole,
  Principal,
};

export type UserPrincipal = Extract<Principal, { kind: "user" }>;
export type AdminPrincipal = Extract<Principal, { kind: "admin" }>;

export type { Page } from "../../../src/shared/api/page";
