import type { Webhook, WebhookDelivery, WebhookHostSettings, WebhookInput } from "../../../../src/shared/api/webhooks";
import { api, withQuery } from "../../api/client";

/** The API's shapes of webhooks: src/shared/api/webhooks.ts. */
export type {
  Webhook,
  WebhookAttempt,
  WebhookDelivery,
  WebhookHostSettings,
  WebhookInput,
} from "../../../../src/shared/api/webhooks";
export { webhookEvents } from "../../../../src/shared/webhooks";

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
