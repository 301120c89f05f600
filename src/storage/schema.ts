import type {
  AlertDigestTable,
  AlertPreferenceDefaultTable,
  AlertPreferenceTable,
  AlertReadMarkTable,
  AlertReadTable,
  AlertTable,
} from "./schema/alerts.js";
import type {
  ClusterNodeTable,
  FolderTable,
  JobEventTable,
  JobLogTable,
  JobTable,
  MachineFolderTable,
  MachineTable,
  PackageBlobTable,
  PackageTable,
  ProcessTable,
  RobotSessionTable,
  RoleAssignmentTable,
  RoleTable,
} from "./schema/automation.js";
import type {
  AccountTokenTable,
  AnnouncementTable,
  EmailDeliveryHealthTable,
  EmailOutboxTable,
  EmailSettingsTable,
  TenantLicenseTable,
} from "./schema/email.js";
import type {
  AuditLogTable,
  AuthTokenTable,
  HostSettingTable,
  MaintenanceEventTable,
  MaintenanceWindowTable,
  OrganizationTable,
  SystemAdminTable,
  TenantTable,
  UserTable,
} from "./schema/identity.js";
import type {
  EmailRollupTable,
  JobLastFaultTable,
  JobRollupTable,
  MachineRollupTable,
  QueueRollupTable,
} from "./schema/monitoring.js";
import type {
  AssetMachineValueTable,
  AssetTable,
  BucketTable,
  CalendarTable,
  QueueItemEventTable,
  QueueItemTable,
  QueueTable,
  TriggerFiringTable,
  TriggerTable,
} from "./schema/resources.js";
import type { WebhookAttemptTable, WebhookDeliveryTable, WebhookTable } from "./schema/webhooks.js";

export type * from "./schema/alerts.js";
export type * from "./schema/automation.js";
export type * from "./schema/email.js";
export type * from "./schema/identity.js";
export type * from "./schema/monitoring.js";
export type * from "./schema/resources.js";
export type * from "./schema/webhooks.js";

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
  email_delivery_health: EmailDeliveryHealthTable;
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
