/** Alert severities, lowest first (orchestrator-spec §1.6; Success is not used yet). */
export const alertSeverities = ["info", "warn", "error", "fatal"] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

/** The components that raise alerts so far. */
export const alertComponents = ["jobs", "robots", "queues"] as const;
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

/** What an alert is about, beyond its kind: the values its sentence is made of. */
export type AlertDetails = Record<string, string | number | null>;

type Locale = "en" | "de";
const text = (d: AlertDetails, key: string) => String(d[key] ?? "");

const sentences: Record<string, Record<Locale, (d: AlertDetails) => string>> = {
  "job-faulted": {
    en: (d) => `Job ${text(d, "jobId")} of ${text(d, "processName")} faulted: ${text(d, "error")}`,
    de: (d) => `Job ${text(d, "jobId")} von ${text(d, "processName")} ist fehlgeschlagen: ${text(d, "error")}`,
  },
  "trigger-disabled": {
    en: (d) => `Trigger ${text(d, "triggerName")} was disabled: ${text(d, "reason")}`,
    de: (d) => `Trigger ${text(d, "triggerName")} wurde deaktiviert: ${text(d, "reason")}`,
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
    en: (d) => `${text(d, "count")} item(s) of queue ${text(d, "queueName")} were abandoned (in progress too long).`,
    de: (d) =>
      `${text(d, "count")} Element(e) der Warteschlange ${text(d, "queueName")} wurden aufgegeben (zu lange in Bearbeitung).`,
  },
  "queue-sla-at-risk": {
    en: (d) => `${text(d, "count")} item(s) of queue ${text(d, "queueName")} are at risk of missing their SLA.`,
    de: (d) => `${text(d, "count")} Element(e) der Warteschlange ${text(d, "queueName")} drohen ihr SLA zu verfehlen.`,
  },
  "queue-sla-breached": {
    en: (d) => `${text(d, "count")} item(s) of queue ${text(d, "queueName")} missed their SLA deadline.`,
    de: (d) =>
      `${text(d, "count")} Element(e) der Warteschlange ${text(d, "queueName")} haben ihre SLA-Frist verfehlt.`,
  },
};

/** The alert's sentence in a language, or null for a kind without one (then its stored message is shown). */
export function alertMessage(kind: string, details: AlertDetails | null, locale: Locale): string | null {
  const sentence = sentences[kind]?.[locale];
  return sentence && details ? sentence(details) : null;
}
