import type { AlertComponent, AlertSeverity } from "../../shared/alerts.js";
import type { Id, Timestamp } from "./columns.js";

/** Alerts, who read them, and each user's (or the tenant's default) alert channels. */

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
