import type { ColumnType, Generated, Selectable } from "kysely";
import type { JobState, LogLevel } from "../../shared/jobs.js";
import type { StoredRobotState } from "../../shared/robot.js";
import type { Id, Timestamp } from "./columns.js";

/** A tenant's folders and roles, machines and their sessions, packages, processes and jobs. */

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
