import type { WebhookEvent } from "../../../../src/shared/webhooks";
import { api, withQuery } from "../../api/client";

export { webhookEvents } from "../../../../src/shared/webhooks";

/** The API's shapes of webhooks (see src/http/routes/tenant/webhooks.ts). */
export interface Webhook {
  id: number;
  url: string;
  description: string | null;
  events: WebhookEvent[];
  enabled: boolean;
  hasSecret: boolean;
  pausedUntil: string | null;
  pausedReason: string | null;
  consecutiveFailures: number;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookInput {
  url: string;
  events: WebhookEvent[];
  description?: string | null;
  secret?: string | null;
  enabled?: boolean;
}

export interface WebhookAttempt {
  id: number;
  attemptedAt: string;
  status: "succeeded" | "failed";
  responseCode: number | null;
  responseBody: string | null;
  durationMs: number;
  reason: string | null;
}

export interface WebhookDelivery {
  id: number;
  key: string;
  webhookId: number;
  event: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  nextAttemptAt: string | null;
  lastResponseCode: number | null;
  lastReason: string | null;
  createdAt: string;
  completedAt: string | null;
  payload: unknown;
  attemptLog: WebhookAttempt[];
}

export interface WebhookHostSettings {
  allowedHosts: string[];
  environmentAllowedHosts: string[];
}

const seg = encodeURIComponent;

export function webhooksApi(org: string, tenant: string) {
  const T = `/orgs/${seg(org)}/tenants/${seg(tenant)}`;
  return {
    list: () => api.get<{ items: Webhook[] }>(`${T}/webhooks`),
    get: (id: number) => api.get<Webhook>(`${T}/webhooks/${id}`),
    create: (body: WebhookInput) => api.post<Webhook>(`${T}/webhooks`, body),
    update: (id: number, body: Partial<WebhookInput>) => api.patch<Webhook>(`${T}/webhooks/${id}`, body),
    remove: (id: number) => api.delete(`${T}/webhooks/${id}`),
    ping: (id: number) => api.post<WebhookDelivery>(`${T}/webhooks/${id}/ping`),
    deliveries: (id: number) =>
      api.get<{ items: WebhookDelivery[]; nextCursor: string | null }>(
        withQuery(`${T}/webhooks/${id}/deliveries`, { limit: 100 }),
      ),
    redeliver: (deliveryId: number) => api.post<WebhookDelivery>(`${T}/webhooks/deliveries/${deliveryId}/redeliver`),
  };
}

export const webhookHostApi = {
  settings: () => api.get<WebhookHostSettings>("/host/settings/webhooks"),
  update: (body: { allowedHosts: string[] }) => api.put<WebhookHostSettings>("/host/settings/webhooks", body),
};
