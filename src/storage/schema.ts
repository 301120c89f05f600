import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";
import type { AlertComponent, AlertSeverity } from "../shared/alerts.js";
import type { AssetType } from "../shared/assets.js";
import type { BucketProviderKind } from "../shared/buckets.js";
import type { AccountStatus, Locale, OrgRole } from "../shared/identity.js";
import type { JobState, LogLevel } from "../shared/jobs.js";
import type { MaintenancePhase } from "../shared/maintenance.js";
import type { OutboxStatus } from "../shared/outbox.js";
import type { QueueItemStatus, ReviewStatus } from "../shared/queues.js";
import type { StoredRobotState } from "../shared/robot.js";

/**
 * The database schema as Kysely sees it, for SQLite and PostgreSQL alike.
 * Timestamps are ISO-8601 UTC text in both (see dialect.ts for why); JSON is text.
 */
export interface Database {
  system_admins: SystemAdminTable;
  organizations: OrganizationTable;
  tenants: TenantTable;
  users: UserTable;
  auth_tokens: AuthTokenTable;
  audit_logs: AuditLogTable;
  maintenance_windows: MaintenanceWindowTable;
  maintenance_events: MaintenanceEventTable;
  host_settings: HostSettingTable;
  email_settings: EmailSettingsTable;
  email_outbox: EmailOutboxTable;
  account_tokens: AccountTokenTable;
  tenant_licenses: TenantLicenseTable;
  announcements: AnnouncementTable;
  folders: FolderTable;
  roles: RoleTable;
  role_assignments: RoleAssignmentTable;
  machines: MachineTable;
  machine_folders: MachineFolderTable;
  robot_sessions: RobotSessionTable;
  cluster_nodes: ClusterNodeTable;
  packages: PackageTable;
  package_blobs: PackageBlobTable;
  processes: ProcessTable;
  jobs: JobTable;
  job_events: JobEventTable;
  job_logs: JobLogTable;
  alerts: AlertTable;
  alert_preferences: AlertPreferenceTable;
  alert_preference_defaults: AlertPreferenceDefaultTable;
  alert_reads: AlertReadTable;
  alert_read_marks: AlertReadMarkTable;
  alert_digests: AlertDigestTable;
  assets: AssetTable;
  asset_machine_values: AssetMachineValueTable;
  buckets: BucketTable;
  triggers: TriggerTable;
  trigger_firings: TriggerFiringTable;
  calendars: CalendarTable;
  queues: QueueTable;
  queue_items: QueueItemTable;
  queue_item_events: QueueItemEventTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  job_rollups_minute: JobRollupTable & { minute: number };
  job_rollups_hour: JobRollupTable & { hour: number };
  machine_rollups_minute: MachineRollupTable & { minute: number };
  machine_rollups_hour: MachineRollupTable & { hour: number };
  queue_rollups_minute: QueueRollupTable & { minute: number };
  queue_rollups_hour: QueueRollupTable & { hour: number };
  email_rollups_hour: EmailRollupTable;
  job_last_faults: JobLastFaultTable;
}

type Id = Generated<number>;
type Timestamp = string;

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

export interface EmailSettingsTable {
  id: Id;
  org_id: number | null;
  /** `custom` for the host row; `inherit` or `custom` for an organization. */
  mode: "inherit" | "custom";
  /** The non-secret fields as JSON (see services/email/settings.ts). */
  settings_json: string;
  /** Secrets, encrypted under the master key. */
  smtp_password_enc: string | null;
  oauth_client_secret_enc: string | null;
  updated_at: Timestamp;
  updated_by: string;
}

export interface EmailOutboxTable {
  id: Id;
  /** The organization whose effective settings send this mail; null = host settings. */
  org_id: number | null;
  template: string;
  locale: Locale;
  to_address: string;
  to_name: string | null;
  data_json: string;
  /** The rendered subject, kept for lists. */
  subject: string | null;
  status: OutboxStatus;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  retry_until: Timestamp;
  locked_by: string | null;
  locked_until: Timestamp | null;
  last_error: string | null;
  last_smtp_code: number | null;
  message_id: string | null;
  settings_source: string | null;
  sent_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AccountTokenTable {
  id: Id;
  token_hash: string;
  purpose: "password-reset" | "invitation";
  principal_kind: PrincipalKind;
  principal_id: number;
  org_id: number | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Timestamp;
}

export interface TenantLicenseTable {
  tenant_id: number;
  robot_slots: number;
  expires_at: Timestamp | null;
  notified_stage: string | null;
  updated_at: Timestamp;
}

export interface AnnouncementTable {
  id: Id;
  kind: "product-update" | "planned-maintenance";
  subject_en: string;
  body_en: string;
  subject_de: string;
  body_de: string;
  /** JSON array of organization ids; null = every organization. */
  org_ids_json: string | null;
  created_by: string;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  recipient_count: number | null;
}

export type EmailOutboxRow = Selectable<EmailOutboxTable>;
export type EmailSettingsRow = Selectable<EmailSettingsTable>;

export interface FolderTable {
  id: Id;
  /** GUID for the original product's clients (FolderKey, ReleaseKey, robot key; migration 0021). */
  key: string;
  tenant_id: number;
  parent_id: number | null;
  name: string;
  description: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoleTable {
  id: Id;
  tenant_id: number;
  predefined_key: string | null;
  name: string;
  kind: "tenant" | "folder";
  /** JSON array of `resource.action` permissions (custom roles; predefined roles use the code's list). */
  permissions_json: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoleAssignmentTable {
  id: Id;
  tenant_id: number;
  user_id: number;
  role_id: number;
  folder_id: number | null;
  created_at: Timestamp;
}

export type FolderRow = Selectable<FolderTable>;
export type RoleRow = Selectable<RoleTable>;

export interface MachineTable {
  id: Id;
  /** GUID for the original product's clients (FolderKey, ReleaseKey, robot key; migration 0021). */
  key: string;
  tenant_id: number;
  name: string;
  description: string | null;
  /** Runtime slots: how many jobs the machine runs at once. */
  slots: number;
  key_hash: string;
  /** The key's last characters, to tell keys apart in the UI. */
  key_hint: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MachineFolderTable {
  machine_id: number;
  folder_id: number;
}

export interface RobotSessionTable {
  id: Id;
  tenant_id: number;
  machine_id: number;
  node_id: string;
  host_name: string;
  os: string;
  agent_version: string;
  state: StoredRobotState;
  connected_at: Timestamp;
  last_heartbeat_at: Timestamp;
  disconnected_at: Timestamp | null;
  disconnect_reason: string | null;
  unresponsive_alerted_at: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A running node and when it last said so (migration 0020). */
export interface ClusterNodeTable {
  node_id: string;
  started_at: string;
  last_seen_at: string;
}

export type MachineRow = Selectable<MachineTable>;
export type RobotSessionRow = Selectable<RobotSessionTable>;

export interface PackageTable {
  id: Id;
  tenant_id: number;
  name: string;
  version: string;
  description: string | null;
  /** The validated dirigent.json. */
  manifest_json: string;
  format: "zip" | "tgz";
  size: number;
  sha256: string;
  uploaded_by: string;
  created_at: Timestamp;
}

export interface PackageBlobTable {
  package_id: number;
  content: Buffer;
}

export interface ProcessTable {
  id: Id;
  /** GUID for the original product's clients (FolderKey, ReleaseKey, robot key; migration 0021). */
  key: string;
  tenant_id: number;
  folder_id: number;
  name: string;
  description: string | null;
  package_name: string;
  package_version: string | null;
  entry_point: string;
  input_json: string;
  /** 1–100, higher runs first (Low 25, Normal 50, High 75). */
  priority: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type PackageRow = Selectable<PackageTable>;
export type ProcessRow = Selectable<ProcessTable>;

export interface JobTable {
  id: Id;
  /** UUID used by robots and outside references. */
  key: string;
  tenant_id: number;
  folder_id: number;
  process_id: number | null;
  process_name: string;
  package_id: number | null;
  entry_point: string;
  /** The entry point's command, fixed when the job was created. */
  command_json: string;
  state: JobState;
  priority: number;
  target_machine_id: number | null;
  machine_id: number | null;
  session_id: number | null;
  input_json: string;
  output_json: string | null;
  error: string | null;
  source: "manual" | "api" | "restart" | "trigger";
  created_by: string;
  stop_after_seconds: number | null;
  kill_after_seconds: number | null;
  /** SHA-256 of the job token the running automation gets. */
  token_hash: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  stop_requested_at: Timestamp | null;
  updated_at: Timestamp;
  /** Sequence number of the last log batch stored (robots send unacknowledged batches again). */
  log_seq: Generated<number>;
  /** The trigger that created the job (source `trigger`). */
  trigger_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The trigger alerts this job raised already ("pending", "running", comma-separated). */
  trigger_alerted: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the robot first showed it has the job (a heartbeat or hello listing it); null until then. */
  acknowledged_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface JobEventTable {
  id: Id;
  job_id: number;
  state: JobState;
  actor: string;
  reason: string | null;
  /** The reason as a code of src/shared/job-reasons.ts (null: `reason` is raw text, e.g. a robot's error). */
  reason_code: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON object of the reason's parameters. */
  reason_params: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export interface JobLogTable {
  id: Id;
  job_id: number;
  tenant_id: number;
  folder_id: number;
  process_id: number | null;
  machine_id: number | null;
  timestamp: Timestamp;
  level: LogLevel;
  message: string;
}

export type JobRow = Selectable<JobTable>;

export interface AlertTable {
  id: Id;
  tenant_id: number;
  folder_id: number | null;
  severity: AlertSeverity;
  component: AlertComponent;
  kind: string;
  message: string;
  /** Path in the UI or API of the item the alert is about. */
  link: string | null;
  /** The values of the alert's sentence (AlertDetails), to tell it in the reader's language. */
  details_json: string | null;
  created_at: Timestamp;
}

/** Per channel the minimum severity a user gets alerts of a component at, or null = off. */
interface AlertChannelColumns {
  component: AlertComponent;
  in_app: AlertSeverity | null;
  email: AlertSeverity | null;
  digest: AlertSeverity | null;
  summary: AlertSeverity | null;
  updated_at: Timestamp;
}

export interface AlertPreferenceTable extends AlertChannelColumns {
  user_id: number;
}

export interface AlertPreferenceDefaultTable extends AlertChannelColumns {
  tenant_id: number;
}

export interface AlertReadTable {
  user_id: number;
  alert_id: number;
  read_at: Timestamp;
}

export interface AlertReadMarkTable {
  user_id: number;
  tenant_id: number;
  up_to_id: number;
}

/** The claim of one digest: (user, tenant, kind "batch" | "daily", period) is sent once. */
export interface AlertDigestTable {
  user_id: number;
  tenant_id: number;
  kind: "batch" | "daily";
  period: string;
  alert_count: number;
  created_at: Timestamp;
}

export interface AssetTable {
  id: Id;
  /** UUID for outside references. */
  key: string;
  tenant_id: number;
  folder_id: number;
  name: string;
  description: string | null;
  type: AssetType;
  /** The global value as sealed JSON (master key); null = no global value. */
  value_enc: string | null;
  created_by: string;
  updated_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AssetMachineValueTable {
  asset_id: number;
  machine_id: number;
  /** The machine's value as sealed JSON (master key). */
  value_enc: string;
  updated_by: string;
  updated_at: Timestamp;
}

export type AssetRow = Selectable<AssetTable>;

export interface BucketTable {
  id: Id;
  /** UUID: names the bucket's folder under <data dir>/buckets and its signed links. */
  key: string;
  tenant_id: number;
  folder_id: number;
  name: string;
  description: string | null;
  provider: BucketProviderKind;
  /** 0/1 (better-sqlite3 cannot bind booleans). */
  read_only: number;
  s3_endpoint: string | null;
  s3_region: string | null;
  s3_bucket: string | null;
  s3_access_key_id: string | null;
  /** Encrypted under the master key; never leaves the server. */
  s3_secret_key_enc: string | null;
  s3_path_style: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type BucketRow = Selectable<BucketTable>;

export interface TriggerTable {
  id: Id;
  key: string;
  tenant_id: number;
  folder_id: number;
  /** `time` (queue and http triggers keep their settings in config_json). */
  kind: string;
  name: string;
  description: string | null;
  /** HTTP triggers: the path segment they are called at (unique per tenant). */
  slug: ColumnType<string | null, string | null | undefined, string | null>;
  process_id: number;
  input_json: string;
  priority: number | null;
  machine_id: number | null;
  job_count: number;
  cron: string | null;
  time_zone: string | null;
  calendar_id: number | null;
  stop_after_seconds: number | null;
  kill_after_seconds: number | null;
  alert_pending_seconds: number | null;
  alert_running_seconds: number | null;
  end_at: Timestamp | null;
  config_json: ColumnType<string, string | undefined, string>;
  enabled: number;
  disabled_reason: string | null;
  next_fire_at: Timestamp | null;
  last_fired_at: Timestamp | null;
  last_result: string | null;
  created_by: string;
  updated_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type TriggerRow = Selectable<TriggerTable>;

export interface TriggerFiringTable {
  id: Id;
  trigger_id: number;
  tenant_id: number;
  /** The scheduled fire time this row is about. */
  fire_time: Timestamp;
  outcome: "fired" | "skipped" | "failed";
  reason: string | null;
  job_ids_json: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
}

export interface CalendarTable {
  id: Id;
  tenant_id: number;
  name: string;
  time_zone: string;
  excluded_dates_json: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type CalendarRow = Selectable<CalendarTable>;

/** Booleans are integers 0/1 in both databases. */
type Flag = number;

export interface QueueTable {
  id: Id;
  key: string;
  tenant_id: number;
  folder_id: number;
  name: string;
  /** lower(name): names are unique per folder, case-insensitively. */
  name_key: string;
  description: string;
  unique_reference: Flag;
  auto_retry: Flag;
  max_retries: number;
  retry_abandoned: Flag;
  sla_minutes: number | null;
  risk_sla_minutes: number | null;
  specific_schema_json: string | null;
  output_schema_json: string | null;
  analytics_schema_json: string | null;
  process_id: number | null;
  /** Bumped on each change (compiled JSON Schemas are cached per version). */
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface QueueItemTable {
  id: Id;
  /** UUID shared by the items of one retry chain. */
  key: string;
  tenant_id: number;
  folder_id: number;
  queue_id: number;
  status: QueueItemStatus;
  review_status: ReviewStatus;
  reviewer_user_id: number | null;
  /** 0 high, 1 normal, 2 low (priorityRank). */
  priority: number;
  reference: string | null;
  unique_reference: Flag;
  specific_json: string;
  output_json: string | null;
  analytics_json: string | null;
  progress: string | null;
  defer_date: Timestamp | null;
  due_date: Timestamp | null;
  /** due_date, or "9999-12-31T23:59:59.999Z" without one: the claim's sort key. */
  due_order: string;
  risk_sla_date: Timestamp | null;
  exception_type: "business" | "application" | null;
  exception_reason: string | null;
  exception_details: string | null;
  processing_ms: number | null;
  sla_alert_level: ColumnType<number, number | undefined, number>;
  retry_number: number;
  ancestor_id: number | null;
  manual_retry_number: number;
  creator_job_id: number | null;
  executor_job_id: number | null;
  machine_id: number | null;
  created_by: string;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Optimistic concurrency: +1 on every change. */
  row_version: number;
}

export interface QueueItemEventTable {
  id: Id;
  item_id: number;
  action: string;
  status: QueueItemStatus;
  actor_kind: string;
  actor_name: string;
  detail: string | null;
  created_at: Timestamp;
}

export type QueueRow = Selectable<QueueTable>;
export type QueueItemRow = Selectable<QueueItemTable>;
export type NewQueueItem = Insertable<QueueItemTable>;

export interface WebhookTable {
  id: Id;
  tenant_id: number;
  url: string;
  description: string | null;
  /** JSON array of event names. */
  events_json: string;
  /** Sealed by the master key (context `webhook.secret`); null = unsigned. */
  secret_enc: string | null;
  enabled: number;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  paused_until: Timestamp | null;
  paused_reason: string | null;
  locked_by: string | null;
  locked_until: Timestamp | null;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed";

export interface WebhookDeliveryTable {
  id: Id;
  key: string;
  webhook_id: number;
  tenant_id: number;
  event: string;
  payload_json: string;
  status: WebhookDeliveryStatus;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  retry_until: Timestamp;
  last_attempt_at: Timestamp | null;
  last_response_code: number | null;
  last_reason: string | null;
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface WebhookAttemptTable {
  id: Id;
  delivery_id: number;
  attempted_at: Timestamp;
  status: "succeeded" | "failed";
  response_code: number | null;
  response_body: string | null;
  duration_ms: number;
  reason: string | null;
}

export type WebhookRow = Selectable<WebhookTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;

/** Job counters per tenant, folder, process and minute or hour (migration 0016). */
export interface JobRollupTable {
  tenant_id: number;
  folder_id: number;
  process_id: number;
  created: number;
  started: number;
  successful: number;
  faulted: number;
  stopped: number;
  /** bigint: pg returns it as a string. */
  duration_ms_sum: ColumnType<string | number, number, number>;
  duration_count: number;
  d0: number;
  d1: number;
  d2: number;
  d3: number;
  d4: number;
  d5: number;
  d6: number;
  d7: number;
  d8: number;
  d9: number;
  d10: number;
  d11: number;
}

/** Slot use sampled per machine. */
export interface MachineRollupTable {
  tenant_id: number;
  machine_id: number;
  samples: number;
  busy_slots: number;
  total_slots: number;
}

/** Queue item counts sampled per queue. */
export interface QueueRollupTable {
  tenant_id: number;
  folder_id: number;
  queue_id: number;
  new_items: number;
  in_progress: number;
  successful: number;
  failed: number;
  abandoned: number;
  processing_ms_sum: ColumnType<string | number, number, number>;
  processing_count: number;
}

/** E-mail outbox health of the whole installation per hour. */
export interface EmailRollupTable {
  hour: number;
  sent: number;
  failed: number;
  held: number;
}

/** The newest faulted job of each process (monitoring's "most faulted processes"). */
export interface JobLastFaultTable {
  tenant_id: number;
  process_id: number;
  job_id: number;
  error: string | null;
  ended_at: string;
}
