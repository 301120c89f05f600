import type { ColumnType, Selectable } from "kysely";
import type { Id, Timestamp } from "./columns.js";

/** Outgoing webhooks: subscriptions, deliveries and their attempts. */

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
