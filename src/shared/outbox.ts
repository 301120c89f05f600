/**
 * States of an outbox e-mail (docs/email.md):
 *
 *   queued ──claim──▶ sending ──accepted──▶ sent
 *     ▲                  │ ├──4xx / network, within 48 h──▶ queued (backoff)
 *     │                  │ ├──5xx or after 48 h──▶ failed
 *     │                  │ └──no settings──▶ held
 *     └──lease expired───┘   held ──settings saved──▶ queued;  sent/failed/held ──Resend──▶ queued
 */
export const OutboxStatus = {
  queued: "queued",
  sending: "sending",
  sent: "sent",
  failed: "failed",
  held: "held",
} as const;
export type OutboxStatus = (typeof OutboxStatus)[keyof typeof OutboxStatus];

export const outboxTransitions: Readonly<Record<OutboxStatus, readonly OutboxStatus[]>> = {
  queued: ["sending"],
  sending: ["sent", "queued", "failed", "held"],
  sent: ["queued"],
  failed: ["queued"],
  held: ["queued"],
};

export const outboxStatuses = Object.values(OutboxStatus);
