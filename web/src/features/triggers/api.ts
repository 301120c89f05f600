import type {
  Calendar,
  CalendarInput,
  Firing,
  HttpTriggerInput,
  Preview,
  QueueTriggerInput,
  TenantSettings,
  Trigger,
  TriggerInput,
} from "../../../../src/shared/api/triggers";
import { api, withQuery } from "../../api/client";
import type { Job, Page } from "../../api/types";

export type {
  Calendar,
  CalendarInput,
  Firing,
  HttpTriggerInput,
  Preview,
  QueueTriggerInput,
  TenantSettings,
  Trigger,
  TriggerInput,
} from "../../../../src/shared/api/triggers";

/** An existing queue trigger changes everything but its queue. */
export type QueueTriggerChanges = Omit<QueueTriggerInput, "queueId">;

export { type CallMode, callModes, type HttpMethod, httpMethods } from "../../../../src/shared/triggers";

const seg = encodeURIComponent;

export function triggersApi(org: string, tenant: string) {
  const T = `/orgs/${seg(org)}/tenants/${seg(tenant)}`;
  return {
    list: (folderId: number) => api.get<{ items: Trigger[] }>(`${T}/folders/${folderId}/triggers`),
    get: (id: number) => api.get<Trigger>(`${T}/triggers/${id}`),
    create: (folderId: number, body: TriggerInput) =>
      api.post<Trigger>(`${T}/folders/${folderId}/triggers`, { type: "time", ...body }),
    createQueue: (folderId: number, body: QueueTriggerInput) =>
      api.post<Trigger>(`${T}/folders/${folderId}/triggers`, { type: "queue", ...body }),
    createHttp: (folderId: number, body: HttpTriggerInput) =>
      api.post<Trigger>(`${T}/folders/${folderId}/triggers`, { type: "http", ...body }),
    update: (id: number, body: Partial<TriggerInput> | Partial<QueueTriggerChanges> | Partial<HttpTriggerInput>) =>
      api.patch<Trigger>(`${T}/triggers/${id}`, body),
    setEnabled: (id: number, enabled: boolean) =>
      api.post<Trigger>(`${T}/triggers/${id}/${enabled ? "enable" : "disable"}`),
    remove: (id: number) => api.delete(`${T}/triggers/${id}`),
    bulkEnabled: (enabled: boolean, folderId?: number) =>
      api.post<{ count: number }>(`${T}/triggers/bulk-enabled`, { enabled, ...(folderId ? { folderId } : {}) }),
    runNow: (id: number) => api.post<{ items: Job[] }>(`${T}/triggers/${id}/run-now`),
    history: (id: number) => api.get<Page<Firing>>(withQuery(`${T}/triggers/${id}/history`, { limit: 100 })),
    jobs: (id: number) => api.get<Page<Job>>(withQuery(`${T}/triggers/${id}/jobs`, { limit: 100 })),
    preview: (body: { cron: string; timeZone?: string; calendarId?: number }, signal?: AbortSignal) =>
      api.post<Preview>(`${T}/triggers/preview`, body, { signal }),
    calendars: () => api.get<{ items: Calendar[] }>(`${T}/calendars`),
    createCalendar: (body: CalendarInput) => api.post<Calendar>(`${T}/calendars`, body),
    updateCalendar: (id: number, body: CalendarInput) => api.put<Calendar>(`${T}/calendars/${id}`, body),
    removeCalendar: (id: number) => api.delete(`${T}/calendars/${id}`),
    settings: () => api.get<TenantSettings>(`${T}/settings`),
    saveSettings: (body: Partial<TenantSettings>) => api.put<TenantSettings>(`${T}/settings`, body),
  };
}

/** Every IANA zone this browser knows, UTC first. */
export function timeZones(): string[] {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...all.filter((z) => z !== "UTC")];
}

/** An instant as date and time in a zone, in the UI's language (with the zone's abbreviation). */
export function formatInZone(iso: string | null, zone: string, language: string): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(language === "de" ? "de-DE" : "en-US", {
    timeZone: zone,
    weekday: "short",
    dateStyle: undefined,
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
  }).format(new Date(iso));
}
