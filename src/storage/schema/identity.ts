import type { ColumnType, Insertable, Selectable, Updateable } from "kysely";
import type { AccountStatus, Locale, OrgRole } from "../../shared/identity.js";
import type { MaintenancePhase } from "../../shared/maintenance.js";
import type { Id, Timestamp } from "./columns.js";

/** Accounts, organizations and tenants, sessions and tokens, the audit log, maintenance and host settings. */

export interface SystemAdminTable {
  id: Id;
  username: string;
  name: string;
  email: string | null;
  password_hash: string;
  status: AccountStatus;
  locale: Locale;
  failed_logins: ColumnType<number, number | undefined, number>;
  locked_until: Timestamp | null;
  last_login_at: Timestamp | null;
  /** 1 while the account must choose a new password (the bootstrap administrator's generated one; migration 0026). */
  must_change_password: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OrganizationTable {
  id: Id;
  name: string;
  slug: string;
  status: AccountStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TenantTable {
  id: Id;
  org_id: number;
  name: string;
  status: AccountStatus;
  /** Days job logs are kept (a sweeper deletes older lines). */
  log_retention_days: ColumnType<number, number | undefined, number>;
  /** Hours an item may stay in progress before the sweeper marks it abandoned. */
  queue_abandon_hours: ColumnType<number, number | undefined, number>;
  /** Largest single upload to a bucket, in MiB. */
  bucket_upload_max_mib: ColumnType<number, number | undefined, number>;
  /** IANA zone: the default of new triggers and of tenant times in the UI. */
  time_zone: ColumnType<string, string | undefined, string>;
  /** Fire times missed while no node ran get one catch-up firing when noticed within this many seconds. */
  trigger_catch_up_seconds: ColumnType<number, number | undefined, number>;
  /** A trigger is disabled after this many consecutive faulted jobs (0 = never)… */
  trigger_disable_failed_count: ColumnType<number, number | undefined, number>;
  /** …that all ended within this many days. */
  trigger_disable_failing_days: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UserTable {
  id: Id;
  org_id: number;
  email: string;
  name: string;
  /** Null while the user has not set a password yet (invited). */
  password_hash: string | null;
  role: OrgRole;
  status: AccountStatus;
  locale: Locale;
  failed_logins: ColumnType<number, number | undefined, number>;
  locked_until: Timestamp | null;
  last_login_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type PrincipalKind = "admin" | "user";
export type AuthTokenKind = "session" | "bearer" | "personal";

export interface AuthTokenTable {
  id: Id;
  /** SHA-256 of the token; the token itself is never stored. */
  token_hash: string;
  kind: AuthTokenKind;
  principal_kind: PrincipalKind;
  principal_id: number;
  /** The organization of a user principal, so disabling or deleting an org cuts its tokens at once. */
  org_id: number | null;
  name: string | null;
  /** CSRF token bound to a UI session (null for bearer and personal tokens). */
  csrf_token: string | null;
  /** The tenant a compatibility login (`POST /api/Account/Authenticate`) was for; else null. */
  tenant_id: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export type AuditScope = "host" | "org";

export interface AuditLogTable {
  id: Id;
  scope: AuditScope;
  org_id: number | null;
  actor_kind: PrincipalKind | "system" | "robot";
  actor_id: number | null;
  actor_name: string;
  component: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  target_name: string | null;
  /** JSON of the values before and after, secrets already masked. */
  before_json: string | null;
  after_json: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
}

export interface MaintenanceWindowTable {
  id: Id;
  /** Null = the whole installation. */
  tenant_id: number | null;
  phase: Exclude<MaintenancePhase, "none">;
  kill_jobs: ColumnType<number, number | undefined, number>;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  started_by: string;
  ended_by: string | null;
  job_stops_attempted: ColumnType<number, number | undefined, number>;
  job_kills_attempted: ColumnType<number, number | undefined, number>;
  triggers_skipped: ColumnType<number, number | undefined, number>;
  /** The end the administrator announced (migration 0026); null = none announced. */
  expected_end_at: ColumnType<Timestamp | null, Timestamp | null | undefined, Timestamp | null>;
}

export interface MaintenanceEventTable {
  id: Id;
  window_id: number;
  phase: MaintenancePhase;
  actor_name: string;
  created_at: Timestamp;
}

export interface HostSettingTable {
  key: string;
  value_json: string;
  updated_at: Timestamp;
}

export type SystemAdminRow = Selectable<SystemAdminTable>;
export type OrganizationRow = Selectable<OrganizationTable>;
export type TenantRow = Selectable<TenantTable>;
export type UserRow = Selectable<UserTable>;
export type AuthTokenRow = Selectable<AuthTokenTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type NewAuditLog = Insertable<AuditLogTable>;
export type MaintenanceWindowRow = Selectable<MaintenanceWindowTable>;
export type UserUpdate = Updateable<UserTable>;
