import type { ColumnType, Insertable, Selectable } from "kysely";
import type { AssetType } from "../../shared/assets.js";
import type { BucketProviderKind } from "../../shared/buckets.js";
import type { QueueItemStatus, ReviewStatus } from "../../shared/queues.js";
import type { Flag, Id, Timestamp } from "./columns.js";

/** Folder resources: assets, buckets, triggers and calendars, queues and their items. */

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
  disabled_reason_code: ColumnType<string | null, string | null | undefined, string | null>;
  disabled_reason_params: ColumnType<string | null, string | null | undefined, string | null>;
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
