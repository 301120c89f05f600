import type { Webhook, WebhookAttempt, WebhookDelivery } from "../../shared/api/webhooks.js";
import { WebhookDeliveryStatus, type WebhookEvent, webhookEvents } from "../../shared/webhooks.js";
import type { WebhookDeliveryRow, WebhookRow } from "../../storage/schema.js";

export type { Webhook, WebhookAttempt, WebhookDelivery };

export function present(row: WebhookRow): Webhook {
  const events = (JSON.parse(row.events_json) as string[]).filter((e): e is WebhookEvent =>
    (webhookEvents as readonly string[]).includes(e),
  );
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events,
    enabled: row.enabled === 1,
    hasSecret: row.secret_enc !== null,
    pausedUntil: row.paused_until,
    pausedReason: row.paused_reason,
    consecutiveFailures: row.consecutive_failures,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function presentDelivery(row: WebhookDeliveryRow, attempts: WebhookAttempt[]): WebhookDelivery {
  return {
    id: row.id,
    key: row.key,
    webhookId: row.webhook_id,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === WebhookDeliveryStatus.pending ? row.next_attempt_at : null,
    lastResponseCode: row.last_response_code,
    lastReason: row.last_reason,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    payload: JSON.parse(row.payload_json),
    attemptLog: attempts,
  };
}
