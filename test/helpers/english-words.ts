import fs from "node:fs";
import { alertMessage } from "../../src/shared/alerts.js";
import { jobReasonCodes, jobReasonText } from "../../src/shared/job-reasons.js";

const i18nDir = new URL("../../web/src/i18n/", import.meta.url);
const en = JSON.parse(fs.readFileSync(new URL("en.json", i18nDir), "utf8")) as Resource;
const de = JSON.parse(fs.readFileSync(new URL("de.json", i18nDir), "utf8")) as Resource;

type Resource = { [key: string]: string | Resource };

function leaves(resource: Resource, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(resource)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

/** The words of a text: letters only, interpolations (`{{name}}`) and markup removed. */
export function wordsOf(text: string): string[] {
  return (
    text
      .replace(/\{\{[^}]*\}\}/g, " ")
      .replace(/<[^>]*>/g, " ")
      .match(/[A-Za-zÄÖÜäöüß]+/g) ?? []
  );
}

/** Sample values for the parameters of server sentences; their words are data and ignored. */
const sampleParams = {
  trigger: "",
  actor: "",
  session: "",
  code: "",
  seconds: "",
  method: "",
  slug: "",
  waiting: "",
  open: "",
};
const alertKinds = [
  "job-faulted",
  "trigger-disabled",
  "trigger-job-overdue",
  "robot-disconnected",
  "robot-unresponsive",
  "queue-item-failed",
  "queue-items-abandoned",
  "queue-sla-at-risk",
  "queue-sla-breached",
];

/** The sentences the server stores as codes (job reasons, alerts), as [English, German] pairs. */
function serverSentences(): [string, string][] {
  const pairs: [string, string][] = [];
  for (const code of jobReasonCodes)
    pairs.push([jobReasonText(code, sampleParams, "en") ?? "", jobReasonText(code, sampleParams, "de") ?? ""]);
  for (const kind of alertKinds) pairs.push([alertMessage(kind, {}, "en") ?? "", alertMessage(kind, {}, "de") ?? ""]);
  return pairs;
}

/**
 * Words that give English away on a German page: every word of an English UI string (and of the
 * server's coded sentences, src/shared) whose German counterpart differs, minus every word that German strings use too ("Job", "Trigger", "SMTP") and
 * minus words of two letters or less ("an", "in" are German as well).
 */
export function englishOnlyWords(): Set<string> {
  const english = leaves(en);
  const german = leaves(de);
  const germanWords = new Set<string>();
  const pairs: [string, string][] = [...english].map(([key, value]) => [value, german.get(key) ?? ""]);
  pairs.push(...serverSentences());
  for (const [, value] of pairs) for (const w of wordsOf(value)) germanWords.add(w.toLowerCase());
  const out = new Set<string>();
  for (const [en, de] of pairs) {
    if (en === de) continue;
    for (const w of wordsOf(en)) {
      const lower = w.toLowerCase();
      if (lower.length > 2 && !germanWords.has(lower)) out.add(lower);
    }
  }
  return out;
}

/**
 * The English words in a German page's text. Addresses, URLs and identifiers the test made
 * (`keep`) are removed first: they are data, not UI.
 */
export function englishWordsIn(text: string, english: Set<string>, keep: string[] = []): string[] {
  let cleaned = text.replace(/\S+@\S+/g, " ").replace(/https?:\/\/\S+/g, " ");
  for (const k of keep) cleaned = cleaned.split(k).join(" ");
  const found = new Set<string>();
  for (const w of wordsOf(cleaned)) if (english.has(w.toLowerCase())) found.add(w);
  return [...found];
}
