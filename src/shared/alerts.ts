import { isSingular } from "./plural.js";
import { triggerReasonText } from "./trigger-reasons.js";
/** Alert severities, lowest first (orchestrator-spec §1.6; Success is not used yet). */
export const alertSeverities = ["info", "warn", "error", "fatal"] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

/** The components that raise alerts (orchestrator-spec §1.6; "system" = licenses and e-mail delivery). */
export const alertComponents = ["jobs", "robots", "queues", "triggers", "webhooks", "system"] as const;
export type AlertComponent = (typeof alertComponents)[number];

/** Whether `severity` is at or above `minimum`. */
export function severityAtLeast(severity: AlertSeverity, minimum: AlertSeverity): boolean {
  return alertSeverities.indexOf(severity) >= alertSeverities.indexOf(minimum);
}

/** One alert e-mail opt-in of a user: alerts of `component` at or above `minSeverity`. */
export interface AlertEmailSubscription {
  component: AlertComponent;
  minSeverity: AlertSeverity;
}

/** The channels an alert reaches a user by (docs/alerts.md). */
export const alertChannels = ["inApp", "email", "digest", "summary"] as const;
export type AlertChannel = (typeof alertChannels)[number];
/** The batched digest (every 10 minutes) carries only Error and Fatal alerts (orchestrator-spec §1.5). */
export const digestSeverities = ["error", "fatal"] as const satisfies readonly AlertSeverity[];

/** One user's (or a tenant's default) choice for a component: per channel the minimum severity, or null = off. */
export interface AlertPreference {
  component: AlertComponent;
  inApp: AlertSeverity | null;
  email: AlertSeverity | null;
  digest: (typeof digestSeverities)[number] | null;
  summary: AlertSeverity | null;
}

/** What a user gets without own preferences and without tenant defaults: everything in-app, no mail. */
export function builtInPreference(component: AlertComponent): AlertPreference {
  return { component, inApp: "info", email: null, digest: null, summary: null };
}

/** One kind of alert: its component, severity, and whether Dirigent raises it yet. */
export interface AlertKind {
  kind: string;
  component: AlertComponent;
  severity: AlertSeverity;
  /** false: catalogued (the original has it), but its source does not raise it in Dirigent yet. */
  raised: boolean;
}

/** Every alert kind of the original that Dirigent raises or will raise (orchestrator-spec §1.6, EMAIL.md §3). */
export const alertCatalogue: readonly AlertKind[] = [
  { kind: "job-faulted", component: "jobs", severity: "error", raised: true },
  { kind: "job-stopped", component: "jobs", severity: "warn", raised: true },
  { kind: "trigger-job-overdue", component: "jobs", severity: "warn", raised: true },
  { kind: "job-pending-too-long", component: "jobs", severity: "warn", raised: true },
  { kind: "robot-disconnected", component: "robots", severity: "warn", raised: true },
  { kind: "robot-unresponsive", component: "robots", severity: "error", raised: true },
  { kind: "trigger-disabled", component: "triggers", severity: "error", raised: true },
  { kind: "trigger-failed", component: "triggers", severity: "error", raised: true },
  { kind: "queue-item-failed", component: "queues", severity: "error", raised: true },
  { kind: "queue-items-abandoned", component: "queues", severity: "warn", raised: true },
  { kind: "queue-sla-at-risk", component: "queues", severity: "warn", raised: true },
  { kind: "queue-sla-breached", component: "queues", severity: "error", raised: true },
  { kind: "license-expiring", component: "system", severity: "warn", raised: true },
  { kind: "license-expired", component: "system", severity: "error", raised: true },
  { kind: "webhook-paused", component: "webhooks", severity: "error", raised: true },
  { kind: "email-delivery-failing", component: "system", severity: "error", raised: true },
];

/**
 * The severity a channel of `component` starts at when a user turns it on: the lowest severity
 * its alerts have, so "Robot alerts" on includes a disconnect (a warning; issue #12, defect 6).
 */
export function defaultMinSeverity(component: AlertComponent): AlertSeverity {
  const kinds = alertCatalogue.filter((k) => k.component === component);
  let lowest: AlertSeverity = "fatal";
  for (const k of kinds) if (!severityAtLeast(k.severity, lowest)) lowest = k.severity;
  return lowest;
}

/**
 * Where an alert's link (`/jobs/5`, `/machines/3`) leads in the web UI of the tenant, or null for
 * a link the UI has no page for. Used by the alerts bell and by alert e-mails.
 */
export function alertPagePath(tenant: string | number, link: string | null): string | null {
  const base = `/org/t/${encodeURIComponent(String(tenant))}`;
  const job = /^\/jobs\/(\d+)$/.exec(link ?? "");
  if (job) return `${base}/jobs/${job[1]}`;
  if (link?.startsWith("/machines/")) return `${base}/machines`;
  const queue = /^\/queues\/(\d+)$/.exec(link ?? "");
  if (queue) return `${base}/queues/${queue[1]}`;
  const item = /^\/queue-items\/(\d+)$/.exec(link ?? "");
  if (item) return `${base}/queue-items/${item[1]}`;
  return null;
}

/** The alert preferences page of a tenant in the web UI (linked from every alert mail). */
export function alertPreferencesPath(tenant: string | number): string {
  return `/org/t/${encodeURIComponent(String(tenant))}/alerts/preferences`;
}

/** The alerts page of a tenant in the web UI. */
export function alertsPagePath(tenant: string | number): string {
  return `/org/t/${encodeURIComponent(String(tenant))}/alerts`;
}

/** What an alert is about, beyond its kind: the values its sentence is made of. */
export type AlertDetails = Record<string, string | number | null>;

type Locale = "en" | "de";
const text = (d: AlertDetails, key: string) => String(d[key] ?? "");
/** A trigger's reason: from its code in the reader's language, or the English text of older alerts. */
const coded = (d: AlertDetails, locale: Locale) =>
  (typeof d.reasonCode === "string" ? triggerReasonText(d.reasonCode, d, locale) : null) ?? text(d, "reason");

const sentences: Record<string, Record<Locale, (d: AlertDetails) => string>> = {
  "job-faulted": {
    en: (d) => `Job ${text(d, "jobId")} of ${text(d, "processName")} faulted: ${text(d, "error")}`,
    de: (d) => `Job ${text(d, "jobId")} von ${text(d, "processName")} ist fehlgeschlagen: ${text(d, "error")}`,
  },
  "trigger-disabled": {
    en: (d) => `Trigger ${text(d, "triggerName")} was disabled: ${coded(d, "en")}`,
    de: (d) => `Trigger ${text(d, "triggerName")} wurde deaktiviert: ${coded(d, "de")}`,
  },
  "trigger-failed": {
    en: (d) => `Trigger ${text(d, "triggerName")} could not start its job: ${text(d, "reason")}`,
    de: (d) => `Trigger ${text(d, "triggerName")} konnte seinen Job nicht starten: ${text(d, "reason")}`,
  },
  "email-delivery-failing": {
    en: (d) =>
      `E-mail delivery of ${text(d, "orgName")} is failing: ${text(d, "failures")} sends in a row failed. Last error: ${text(d, "error")}`,
    de: (d) =>
      `Die E-Mail-Zustellung von ${text(d, "orgName")} schlägt fehl: ${text(d, "failures")} Sendungen in Folge sind fehlgeschlagen. Letzter Fehler: ${text(d, "error")}`,
  },
  "trigger-job-overdue": {
    en: (d) =>
      `Job ${text(d, "jobId")} of trigger ${text(d, "triggerName")} has been ${text(d, "state")} for more than ${text(d, "seconds")} s.`,
    de: (d) =>
      `Job ${text(d, "jobId")} des Triggers ${text(d, "triggerName")} ist seit mehr als ${text(d, "seconds")} s ${text(d, "state") === "pending" ? "wartend" : "laufend"}.`,
  },
  "job-pending-too-long": {
    en: (d) =>
      `Job ${text(d, "jobId")} of ${text(d, "processName")} has been pending for more than ${text(d, "seconds")} s.`,
    de: (d) => `Job ${text(d, "jobId")} von ${text(d, "processName")} wartet seit mehr als ${text(d, "seconds")} s.`,
  },
  "robot-disconnected": {
    en: (d) => `Robot ${text(d, "machineName")} on ${text(d, "hostName")} disconnected (${text(d, "reason")}).`,
    de: (d) =>
      `Roboter ${text(d, "machineName")} auf ${text(d, "hostName")} hat die Verbindung verloren (${text(d, "reason")}).`,
  },
  "webhook-paused": {
    en: (d) =>
      `Webhook ${text(d, "url")} was paused after ${text(d, "failures")} failed deliveries in a row: ${text(d, "reason")}`,
    de: (d) =>
      `Webhook ${text(d, "url")} wurde nach ${text(d, "failures")} fehlgeschlagenen Zustellungen in Folge pausiert: ${text(d, "reason")}`,
  },
  "robot-unresponsive": {
    en: (d) => `Robot ${text(d, "machineName")} on ${text(d, "hostName")} is unresponsive (no heartbeat for 120 s).`,
    de: (d) =>
      `Roboter ${text(d, "machineName")} auf ${text(d, "hostName")} antwortet nicht (seit 120 s kein Heartbeat).`,
  },
  "queue-item-failed": {
    en: (d) =>
      `Item ${text(d, "itemId")} of queue ${text(d, "queueName")} failed after its last retry: ${text(d, "reason")}`,
    de: (d) =>
      `Element ${text(d, "itemId")} der Warteschlange ${text(d, "queueName")} ist nach dem letzten Versuch fehlgeschlagen: ${text(d, "reason")}`,
  },
  "queue-items-abandoned": {
    en: (d) =>
      isSingular("en", d.count)
        ? `${text(d, "count")} item of queue ${text(d, "queueName")} was abandoned (in progress too long).`
        : `${text(d, "count")} items of queue ${text(d, "queueName")} were abandoned (in progress too long).`,
    de: (d) =>
      isSingular("de", d.count)
        ? `${text(d, "count")} Element der Warteschlange ${text(d, "queueName")} wurde aufgegeben (zu lange in Bearbeitung).`
        : `${text(d, "count")} Elemente der Warteschlange ${text(d, "queueName")} wurden aufgegeben (zu lange in Bearbeitung).`,
  },
  "queue-sla-at-risk": {
    en: (d) =>
      isSingular("en", d.count)
        ? `${text(d, "count")} item of queue ${text(d, "queueName")} is at risk of missing its SLA.`
        : `${text(d, "count")} items of queue ${text(d, "queueName")} are at risk of missing their SLA.`,
    de: (d) =>
      isSingular("de", d.count)
        ? `${text(d, "count")} Element der Warteschlange ${text(d, "queueName")} droht sein SLA zu verfehlen.`
        : `${text(d, "count")} Elemente der Warteschlange ${text(d, "queueName")} drohen ihr SLA zu verfehlen.`,
  },
  "job-stopped": {
    en: (d) => `Job ${text(d, "jobId")} of ${text(d, "processName")} was stopped.`,
    de: (d) => `Job ${text(d, "jobId")} von ${text(d, "processName")} wurde gestoppt.`,
  },
  "license-expiring": {
    en: (d) =>
      `The license of tenant ${text(d, "tenantName")} expires in ${text(d, "days")} ${isSingular("en", d.days) ? "day" : "days"}.`,
    de: (d) =>
      `Die Lizenz des Mandanten ${text(d, "tenantName")} läuft in ${text(d, "days")} ${isSingular("de", d.days) ? "Tag" : "Tagen"} ab.`,
  },
  "license-expired": {
    en: (d) => `The license of tenant ${text(d, "tenantName")} has expired.`,
    de: (d) => `Die Lizenz des Mandanten ${text(d, "tenantName")} ist abgelaufen.`,
  },
  "queue-sla-breached": {
    en: (d) =>
      isSingular("en", d.count)
        ? `${text(d, "count")} item of queue ${text(d, "queueName")} missed its SLA deadline.`
        : `${text(d, "count")} items of queue ${text(d, "queueName")} missed their SLA deadline.`,
    de: (d) =>
      isSingular("de", d.count)
        ? `${text(d, "count")} Element der Warteschlange ${text(d, "queueName")} hat seine SLA-Frist verfehlt.`
        : `${text(d, "count")} Elemente der Warteschlange ${text(d, "queueName")} haben ihre SLA-Frist verfehlt.`,
  },
};

/** The alert's sentence in a language, or null for a kind without one (then its stored message is shown). */
export function alertMessage(kind: string, details: AlertDetails | null, locale: Locale): string | null {
  const sentence = sentences[kind]?.[locale];
  return sentence && details ? sentence(details) : null;
}
