import type { AlertComponent, AlertDetails, AlertEmailSubscription, AlertSeverity } from "../../../src/shared/alerts";
import type { AccountStatus, Locale, OrgRole, Principal } from "../../../src/shared/identity";
import type { MaintenancePhase } from "../../../src/shared/maintenance";

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

/** The caller's alert e-mail opt-ins (`GET|PUT /me/alert-emails`). */
export interface AlertEmails {
  subscriptions: AlertEmailSubscription[];
}

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
  /** Days job logs are kept (1–3650). */
  logRetentionDays: number;
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
  /** Set while the account is locked after failed sign-ins. */
  lockedUntil?: string | null;
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

// ── System e-mail (docs/email.md) ────────────────────────────────────────────

export type TlsMode = "auto" | "starttls" | "implicit";
export type EmailAuthMethod = "password" | "oauth2";
export type EmailProvider = "custom" | "gmail" | "microsoft365" | "ses" | "sendgrid" | "mailgun";

/** The settings object of `GET|PUT …/settings/email`: the seed's fields in its order, then the extras. */
export interface EmailSettings {
  enabled: boolean;
  smtpHost: string;
  smtpDomain: string | null;
  smtpPort: number;
  smtpUsername: string | null;
  fromAddress: string;
  fromDisplayName: string | null;
  secureConnection: boolean;
  tlsMode: TlsMode;
  caCertificatePem: string | null;
  tlsServername: string | null;
  allowInvalidCertificates: boolean;
  replyTo: string | null;
  envelopeSender: string | null;
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  socketTimeoutMs: number;
  rateLimitPerMinute: number | null;
  authMethod: EmailAuthMethod;
  oauthTokenUrl: string | null;
  oauthClientId: string | null;
  oauthScope: string | null;
  provider: EmailProvider;
}

/** What a read returns: the settings and, for the write-only secrets, only whether one is stored. */
export interface EmailSettingsView extends EmailSettings {
  hasSmtpPassword: boolean;
  hasOauthClientSecret: boolean;
}

/** Write-only secrets: omitted = keep the stored one, null = clear it. */
export interface EmailSettingsInput extends Partial<EmailSettings> {
  smtpPassword?: string | null;
  oauthClientSecret?: string | null;
}

export interface EmailWarning {
  code: string;
  field: string;
  message: string;
}

export interface HostEmailSettings extends EmailSettingsView {
  warnings: EmailWarning[];
  updatedAt: string | null;
  updatedBy: string | null;
}

export type EmailSettingsMode = "inherit" | "custom";

export interface OrgEmailSettings extends HostEmailSettings {
  mode: EmailSettingsMode;
  source: "host" | "organization";
  effective: EmailSettingsView | null;
}

export const emailTestStages = ["resolve", "connect", "tls", "greeting", "auth", "mail-from", "rcpt", "data"] as const;
export type EmailTestStage = (typeof emailTestStages)[number];

export interface EmailTestResult {
  ok: boolean;
  stage: EmailTestStage;
  smtpCode?: number;
  response?: string;
  message: string;
  hint?: string;
}

export interface EmailPreset {
  id: EmailProvider;
  smtpHost: string;
  smtpPort: number;
  tlsMode: TlsMode;
  authMethod: EmailAuthMethod;
  oauthTokenUrl?: string;
  oauthScope?: string;
  notes: string[];
}

export type OutboxStatus = "queued" | "sending" | "sent" | "failed" | "held";
export const outboxStatusList: readonly OutboxStatus[] = ["queued", "sending", "sent", "failed", "held"];

export interface OutboxMessage {
  id: number;
  orgId: number | null;
  template: string;
  locale: string;
  to: string;
  toName: string | null;
  subject: string | null;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  lastSmtpCode: number | null;
  messageId: string | null;
  settingsSource: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface OutboxMessageDetail extends OutboxMessage {
  preview: RenderedEmail;
}

export interface EmailStatus {
  configured: boolean;
  queued: number;
  held: number;
  failed: number;
  sent: number;
  failing: boolean;
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface TenantLicense {
  tenantId: number;
  tenantName: string;
  tenantStatus: string;
  orgId: number;
  orgSlug: string;
  orgName: string;
  robotSlots: number | null;
  expiresAt: string | null;
  daysLeft: number | null;
  updatedAt: string | null;
}

export type AnnouncementKind = "product-update" | "planned-maintenance";

export interface AnnouncementInput {
  kind: AnnouncementKind;
  subjectEn: string;
  bodyEn: string;
  subjectDe: string;
  bodyDe: string;
  /** null = every organization. */
  orgIds: number[] | null;
}

export interface Announcement extends AnnouncementInput {
  id: number;
  createdBy: string;
  createdAt: string;
  sentAt: string | null;
  recipientCount: number | null;
}

export interface PasswordRecoveryResponse {
  emailDelivery: "available" | "unavailable";
}

export interface InvitationInfo {
  email: string;
  name: string;
  organization: { name: string; slug: string };
  expiresAt: string;
}

export interface PublicStatus {
  maintenance: { phase: MaintenancePhase };
}

// ── Automation (one tenant: folders, roles, machines, packages, processes, jobs, alerts) ──

export type JobState = "pending" | "running" | "stopping" | "terminating" | "successful" | "faulted" | "stopped";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
export type RobotState = "available" | "busy" | "unresponsive" | "disconnected";

export interface Folder {
  id: number;
  name: string;
  description: string | null;
  parentId: number | null;
  path: string;
  depth: number;
  createdAt: string;
  updatedAt: string;
}

export interface TenantPermissions {
  everything: boolean;
  tenant: string[];
  folders: { folderId: number; permissions: string[] }[];
}

export interface Role {
  id: number;
  name: string;
  kind: "tenant" | "folder";
  predefined: boolean;
  permissions: string[];
  createdAt: string;
  updatedAt: string;
}

export interface RoleCatalogue {
  actions: string[];
  tenantResources: string[];
  folderResources: string[];
}

export interface TenantAssignment {
  user: { id: number; email: string; name: string };
  role: { id: number; name: string };
}

export interface FolderAssignment {
  user: { id: number; email: string; name: string };
  role: { id: number; name: string };
  origin: "assigned" | "inherited";
  fromFolderId: number;
}

export interface RobotSession {
  id: number;
  state: RobotState;
  hostName: string;
  os: string;
  agentVersion: string;
  connectedAt: string;
  lastHeartbeatAt: string;
  disconnectedAt: string | null;
  disconnectReason: string | null;
}

export interface Machine {
  id: number;
  name: string;
  description: string | null;
  slots: number;
  folderIds: number[];
  keyHint: string;
  state: RobotState;
  sessions: RobotSession[];
  createdAt: string;
  updatedAt: string;
}

export interface MachineWithKey extends Machine {
  key: string;
  connectCommand: string;
}

export interface EntryPoint {
  name: string;
  command: string[];
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

export interface PackageVersion {
  id: number;
  name: string;
  version: string;
  description: string | null;
  entryPoints: EntryPoint[];
  format: "zip" | "tgz";
  size: number;
  sha256: string;
  uploadedBy: string;
  createdAt: string;
}

export interface PackageSummary {
  name: string;
  latestVersion: string;
  description: string | null;
  versions: PackageVersion[];
}

export interface Process {
  id: number;
  folderId: number;
  name: string;
  description: string | null;
  packageName: string;
  packageVersion: string | null;
  entryPoint: string;
  inputArguments: Record<string, unknown>;
  priority: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProcessInput {
  name?: string;
  description?: string | null;
  packageName?: string;
  packageVersion?: string | null;
  entryPoint?: string;
  inputArguments?: Record<string, unknown>;
  priority?: number;
}

export interface Job {
  id: number;
  key: string;
  state: JobState;
  folderId: number;
  processId: number | null;
  processName: string;
  entryPoint: string;
  priority: number;
  targetMachineId: number | null;
  machineId: number | null;
  inputArguments: Record<string, unknown>;
  outputArguments: Record<string, unknown> | null;
  error?: string;
  source: string;
  createdBy: string;
  stopAfterSeconds: number | null;
  killAfterSeconds: number | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface JobDetail extends Job {
  /** `actor` as stored ("machine 7" for a robot); `actorName` for display (the machine's current name). */
  timeline: {
    state: string;
    actor: string;
    actorName: string;
    reason: string | null;
    reasonCode: string | null;
    reasonParams: Record<string, string | number | null> | null;
    at: string;
  }[];
  /** Why a pending job has not started (the dispatcher's rules); null otherwise. */
  waitingFor?: { code: string; params: Record<string, string | number>; message: string } | null;
}

export interface JobStartInput {
  processId: number;
  inputArguments?: Record<string, unknown>;
  count?: number;
  machineId?: number;
  priority?: number;
  stopAfterSeconds?: number;
  killAfterSeconds?: number;
}

export interface JobFilters {
  state?: JobState | null;
  processId?: number | null;
  machineId?: number | null;
  folderId?: number | null;
  from?: string;
  to?: string;
}

export interface LogLine {
  id: number;
  timestamp: string;
  level: LogLevel;
  message: string;
}

export interface Alert {
  id: number;
  folderId: number | null;
  severity: AlertSeverity;
  component: AlertComponent;
  kind: string;
  message: string;
  details: AlertDetails | null;
  link: string | null;
  createdAt: string;
}
