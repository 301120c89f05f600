/**
 * Outgoing webhook events (orchestrator-spec §4.10, names as the original sends them where it has
 * them). `job.finished` is sent for every final state; `job.faulted` and `job.stopped` in addition
 * for those states, so a receiver may subscribe to just the ones it cares about.
 */
export const webhookEvents = [
  "job.created",
  "job.started",
  "job.finished",
  "job.faulted",
  "job.stopped",
  "robot.connected",
  "robot.disconnected",
  "queueItem.added",
  "queueItem.completed",
  "queueItem.failed",
  "trigger.failed",
  "alert.raised",
] as const;
export type WebhookEvent = (typeof webhookEvents)[number];

/** The event the "ping" button sends; no subscription needs to name it. */
export const pingEvent = "ping";

export const WebhookDeliveryStatus = {
  pending: "pending",
  succeeded: "succeeded",
  failed: "failed",
} as const;
export type WebhookDeliveryStatus = (typeof WebhookDeliveryStatus)[keyof typeof WebhookDeliveryStatus];

/**
 * Seconds before the next attempt after `attempts` failed ones: immediately, 45 s, 2 min 30 s,
 * 5 min, 15 min, 1 h, then every hour (until the delivery's 24 h are over).
 */
export function webhookRetryDelaySeconds(attempts: number): number {
  const schedule = [0, 45, 150, 300, 900, 3600];
  return schedule[attempts] ?? 3600;
}

/** How long a delivery is retried after the event happened. */
export const webhookRetryWindowSeconds = 24 * 3600;
