import { z } from "zod";
import { WebhookDeliveryStatus, webhookEvents } from "../webhooks.js";
import { text } from "./fields.js";

/** The API's shapes of webhooks: subscriptions, deliveries and their attempts, the host's allowed targets. */

/** What the API shows of a subscription (the secret never: `hasSecret`). */
export const webhookSchema = z.object({
  id: z.number(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.enum(webhookEvents)),
  enabled: z.boolean(),
  hasSecret: z.boolean(),
  /** Circuit breaker: no deliveries are attempted before this time. */
  pausedUntil: z.string().nullable(),
  pausedReason: z.string().nullable(),
  consecutiveFailures: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const attemptSchema = z.object({
  id: z.number(),
  attemptedAt: z.string(),
  status: z.enum(["succeeded", "failed"]),
  responseCode: z.number().nullable(),
  responseBody: z.string().nullable(),
  durationMs: z.number(),
  reason: z.string().nullable(),
});
export const deliveryStatus = z.enum([
  WebhookDeliveryStatus.pending,
  WebhookDeliveryStatus.succeeded,
  WebhookDeliveryStatus.failed,
]);
export const deliverySchema = z.object({
  id: z.number(),
  /** What receivers see as `id` and X-Dirigent-Delivery. */
  key: z.string(),
  webhookId: z.number(),
  event: z.string(),
  status: deliveryStatus,
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastResponseCode: z.number().nullable(),
  lastReason: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  payload: z.unknown(),
  attemptLog: z.array(attemptSchema),
});
export const webhookFields = {
  url: z.string().trim().min(1, "must not be empty").max(2000, "must be at most 2000 characters"),
  events: z
    .array(z.enum(webhookEvents))
    .min(1, "must name at least one event")
    .max(webhookEvents.length * 2),
  description: text(256).nullable().optional(),
  // Write-only; null removes it. No control characters (it is a key, not text to show).
  secret: z
    .string()
    .min(8, "must be at least 8 characters")
    .max(200, "must be at most 200 characters")
    .regex(/^[^\p{Cc}]*$/u, "must not contain control characters")
    .nullable()
    .optional(),
  enabled: z.boolean().optional(),
};
export const webhookInputSchema = z.object(webhookFields).strict();

/** Webhook targets allowed although not public (plus DIRIGENT_WEBHOOK_ALLOWED_HOSTS, read-only). */
export const webhookHostSettingsSchema = z.object({
  allowedHosts: z.array(z.string()),
  environmentAllowedHosts: z.array(z.string()),
});

export type Webhook = z.infer<typeof webhookSchema>;
export type WebhookAttempt = z.infer<typeof attemptSchema>;
export type WebhookDelivery = z.infer<typeof deliverySchema>;
export type WebhookInput = z.infer<typeof webhookInputSchema>;
export type WebhookHostSettings = z.infer<typeof webhookHostSettingsSchema>;
