import { isSingular } from "./plural.js";

/**
 * Why a job moved to a state, as a code plus the values its sentence is made of (like alerts, see
 * alerts.ts): the timeline stores both, and every reader sees the sentence in their language.
 * The English sentence is also stored as the entry's `reason` text, which API clients read.
 */
export type JobReasonParams = Record<string, string | number | null>;

export interface JobReason {
  code: JobReasonCode;
  params: JobReasonParams;
}

type Locale = "en" | "de";
const v = (p: JobReasonParams, key: string) => String(p[key] ?? "");

const sentences = {
  "started-manually": { en: () => "Started by hand", de: () => "Von Hand gestartet" },
  "started-api": { en: () => "Started through the API", de: () => "Über die API gestartet" },
  "started-trigger": {
    en: (p: JobReasonParams) => `Started by trigger "${v(p, "trigger")}"`,
    de: (p: JobReasonParams) => `Vom Trigger „${v(p, "trigger")}“ gestartet`,
  },
  "trigger-run-now": {
    en: (p: JobReasonParams) => `Trigger "${v(p, "trigger")}" run now by ${v(p, "actor")}`,
    de: (p: JobReasonParams) => `Trigger „${v(p, "trigger")}“ von ${v(p, "actor")} sofort ausgeführt`,
  },
  "started-queue-trigger": {
    en: (p: JobReasonParams) =>
      `Started by queue trigger "${v(p, "trigger")}" (${v(p, "waiting")} ${isSingular("en", p.waiting) ? "item" : "items"} waiting, ${v(p, "open")} ${isSingular("en", p.open) ? "job" : "jobs"} open)`,
    de: (p: JobReasonParams) =>
      `Vom Warteschlangen-Trigger „${v(p, "trigger")}“ gestartet (${v(p, "waiting")} ${isSingular("de", p.waiting) ? "Element" : "Elemente"} wartend, ${v(p, "open")} ${isSingular("de", p.open) ? "Job" : "Jobs"} offen)`,
  },
  "started-http-trigger": {
    en: (p: JobReasonParams) => `Called at ${v(p, "method")} triggers/http/${v(p, "slug")} by ${v(p, "actor")}`,
    de: (p: JobReasonParams) => `Von ${v(p, "actor")} über ${v(p, "method")} triggers/http/${v(p, "slug")} aufgerufen`,
  },
  "cancelled-before-start": { en: () => "Cancelled before it started", de: () => "Vor dem Start abgebrochen" },
  "stop-requested": { en: () => "Stop requested", de: () => "Anhalten angefordert" },
  "kill-requested": { en: () => "Kill requested", de: () => "Beenden erzwungen" },
  "assigned-to-session": {
    en: (p: JobReasonParams) => `Assigned to session ${v(p, "session")}`,
    de: (p: JobReasonParams) => `Der Sitzung ${v(p, "session")} zugewiesen`,
  },
  "resumed-on-session": {
    en: (p: JobReasonParams) => `Resumed on session ${v(p, "session")}`,
    de: (p: JobReasonParams) => `In Sitzung ${v(p, "session")} fortgesetzt`,
  },
  "stopped-before-start": { en: () => "Stopped before it started", de: () => "Vor dem Start angehalten" },
  "killed-before-start": { en: () => "Killed before it started", de: () => "Vor dem Start beendet" },
  "exited-with-code": {
    en: (p: JobReasonParams) => `Exited with code ${v(p, "code")}`,
    de: (p: JobReasonParams) => `Mit Code ${v(p, "code")} beendet`,
  },
  "ended-by-signal": {
    en: () => "The process was ended by a signal",
    de: () => "Der Prozess wurde durch ein Signal beendet",
  },
  "exited-unknown": {
    en: (p: JobReasonParams) => `The automation exited with code ${v(p, "code")}.`,
    de: (p: JobReasonParams) => `Die Automation wurde mit Code ${v(p, "code")} beendet.`,
  },
  "robot-lost": {
    en: () => "The robot disconnected and did not come back in time.",
    de: () => "Der Roboter hat die Verbindung verloren und sich nicht rechtzeitig zurückgemeldet.",
  },
  "killed-after": {
    en: (p: JobReasonParams) => `Killed after ${v(p, "seconds")} s`,
    de: (p: JobReasonParams) => `Nach ${v(p, "seconds")} s beendet`,
  },
  "stopped-after": {
    en: (p: JobReasonParams) => `Stopped after ${v(p, "seconds")} s`,
    de: (p: JobReasonParams) => `Nach ${v(p, "seconds")} s angehalten`,
  },
  "never-received-requeued": {
    en: () => "The robot never received the job; it waits for a robot again",
    de: () => "Der Roboter hat den Job nie erhalten; er wartet wieder auf einen Roboter",
  },
  "never-received-stopped": {
    en: () => "The robot never received the job; stopped",
    de: () => "Der Roboter hat den Job nie erhalten; angehalten",
  },
  "lost-before-received-requeued": {
    en: () => "The robot disconnected before it received the job; it waits for a robot again",
    de: () => "Der Roboter hat die Verbindung verloren, bevor er den Job erhielt; er wartet wieder auf einen Roboter",
  },
  "lost-before-received-stopped": {
    en: () => "The robot disconnected before it received the job; stopped",
    de: () => "Der Roboter hat die Verbindung verloren, bevor er den Job erhielt; angehalten",
  },
  "maintenance-started": { en: () => "Maintenance mode started", de: () => "Wartungsmodus gestartet" },
} satisfies Record<string, Record<Locale, (p: JobReasonParams) => string>>;

export type JobReasonCode = keyof typeof sentences;

/** Builds a reason (the parameters are the values its sentence shows). */
export function jobReason(code: JobReasonCode, params: JobReasonParams = {}): JobReason {
  return { code, params };
}

/** A reason's sentence in a language, or null for a code this version does not know. */
export function jobReasonText(code: string, params: JobReasonParams | null, locale: Locale): string | null {
  const sentence = (sentences as Record<string, Record<Locale, (p: JobReasonParams) => string>>)[code]?.[locale];
  return sentence ? sentence(params ?? {}) : null;
}

/** Every code, for tests that check each has both languages. */
export const jobReasonCodes = Object.keys(sentences) as JobReasonCode[];
