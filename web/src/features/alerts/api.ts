import type {
  AlertChannel,
  AlertComponent,
  AlertKind,
  AlertPreference,
  AlertSeverity,
} from "../../../../src/shared/alerts";
import type { AlertPreferences, ListedAlert } from "../../../../src/shared/api/alerts";
import { api, withQuery } from "../../api/client";

/** The API's shapes of the alerts page and alert preferences (see src/http/routes/tenant/alerts.ts). */

export interface AlertFilters {
  severity?: AlertSeverity;
  component?: AlertComponent;
  state?: "read" | "unread";
  from?: string;
  to?: string;
  before?: number;
  limit?: number;
}

export type { ListedAlert };
export type Preferences = AlertPreferences;

const seg = encodeURIComponent;

export function alertsApi(org: string, tenant: string) {
  const T = `/orgs/${seg(org)}/tenants/${seg(tenant)}`;
  return {
    list: (filters: AlertFilters) =>
      api.get<{ items: ListedAlert[]; unread: number }>(withQuery(`${T}/alerts`, { limit: 50, ...filters })),
    markRead: (ids: number[]) => api.post<void>(`${T}/alerts/read`, { ids }),
    markAllRead: () => api.post<void>(`${T}/alerts/read-all`, {}),
    catalogue: () => api.get<{ items: AlertKind[]; channels: AlertChannel[] }>(`${T}/alerts/catalogue`),
    preferences: () => api.get<Preferences>(`${T}/alerts/preferences`),
    savePreferences: (items: AlertPreference[]) => api.put<Preferences>(`${T}/alerts/preferences`, { items }),
    defaults: () => api.get<{ items: AlertPreference[] }>(`${T}/alerts/preference-defaults`),
    saveDefaults: (items: AlertPreference[]) =>
      api.put<{ items: AlertPreference[] }>(`${T}/alerts/preference-defaults`, { items }),
  };
}
