import { api, withQuery } from "../../api/client";
import type { Job, Page } from "../../api/types";

/** The API's shapes of triggers, calendars and tenant settings (see src/http/routes/tenant/triggers.ts). */
export interface Trigger {
  id: number;
  key: string;
  type: string;
  folderId: number;
  name: string;
  description: string | null;
  slug: string | null;
  method: string | null;
  callMode: string | null;
  /** Queue triggers (null for other kinds). */
  queueId: number | null;
  minItems: number | null;
  maxConcurrentJobs: number | null;
  itemsPerJob: number | null;
  processId: number;
  inputArguments: Record<string, unknown>;
  priority: number | null;
  machineId: number | null;
  jobCount: number;
  cron: string | null;
  timeZone: string | null;
  calendarId: number | null;
  stopAfterSeconds: number | null;
  killAfterSeconds: number | null;
  alertPendingSeconds: number | null;
  alertRunningSeconds: number | null;
  endDate: string | null;
  enabled: boolean;
  disabledReason: string | null;
  nextFireTime: string | null;
  summary: string | null;
  lastFiredAt: string | null;
  lastResult: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TriggerInput {
  name: string;
  processId: number;
  cron: string;
  timeZone?: string;
  calendarId?: number | null;
  inputArguments?: Record<string, unknown>;
  priority?: number | null;
  machineId?: number | null;
  jobCount?: number;
  stopAfterSeconds?: number | null;
  killAfterSeconds?: number | null;
  alertPendingSeconds?: number | null;
  alertRunningSeconds?: number | null;
  endDate?: string | null;
  enabled?: boolean;
}

/** A queue trigger as created (`type: "queue"`); an existing one changes only the three numbers and enabled. */
export interface QueueTriggerInput {
  name: string;
  processId: number;
  queueId: number;
  minItems: number;
  maxConcurrentJobs: number;
  itemsPerJob: number;
  inputArguments?: Record<string, unknown>;
  priority?: number | null;
  machineId?: number | null;
  stopAfterSeconds?: number | null;
  killAfterSeconds?: number | null;
  enabled?: boolean;
}

/** An existing queue trigger changes everything but its queue. */
export type QueueTriggerChanges = Omit<QueueTriggerInput, "queueId">;

export const httpMethods = ["GET", "POST", "PUT", "DELETE"] as const;
export const callModes = ["fireAndForget", "asyncRequestReply", "longPolling"] as const;
export type CallMode = (typeof callModes)[number];

/** An HTTP trigger as created (`type: "http"`) or changed. */
export interface HttpTriggerInput {
  name: string;
  processId: number;
  slug: string;
  method: string;
  callMode: CallMode;
  inputArguments?: Record<string, unknown>;
  priority?: number | null;
  machineId?: number | null;
  stopAfterSeconds?: number | null;
  killAfterSeconds?: number | null;
  enabled?: boolean;
}

export interface Firing {
  id: number;
  fireTime: string;
  outcome: "fired" | "skipped" | "failed";
  reason: string | null;
  jobIds: number[];
  createdAt: string;
}

export interface Calendar {
  id: number;
  name: string;
  timeZone: string;
  excludedDates: string[];
}

export interface TenantSettings {
  timeZone: string;
  triggerCatchUpSeconds: number;
  triggerDisableFailedCount: number;
  triggerDisableFailingDays: number;
  logRetentionDays: number;
  queueAbandonHours: number;
}

export interface Preview {
  times: string[];
  summary: string;
  timeZone: string;
}

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
    createCalendar: (body: Omit<Calendar, "id">) => api.post<Calendar>(`${T}/calendars`, body),
    updateCalendar: (id: number, body: Omit<Calendar, "id">) => api.put<Calendar>(`${T}/calendars/${id}`, body),
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
