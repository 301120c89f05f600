/**
 * Why a trigger turned itself off, as a code plus the values its sentence is made of (like job
 * reasons, see job-reasons.ts): the trigger stores both, every reader sees the sentence in their
 * language, and the English sentence stays in `disabledReason` for API clients.
 */
export type TriggerReasonParams = Record<string, string | number | null>;

export interface TriggerReason {
  code: TriggerReasonCode;
  params: TriggerReasonParams;
}

type Locale = "en" | "de";
const n = (p: TriggerReasonParams, key: string) => Number(p[key] ?? 0);

const sentences = {
  "end-date-passed": { en: () => "Its end date has passed.", de: () => "Sein Enddatum ist überschritten." },
  "no-further-fire-time": {
    en: () => "Its schedule has no further fire time.",
    de: () => "Sein Zeitplan hat keinen weiteren Auslösezeitpunkt.",
  },
  "jobs-failed": {
    en: (p: TriggerReasonParams) => {
      const days = n(p, "days") === 1 ? "1 day" : `${n(p, "days")} days`;
      return n(p, "count") === 1
        ? `Its last job failed within ${days}.`
        : `Its last ${n(p, "count")} jobs failed within ${days}.`;
    },
    de: (p: TriggerReasonParams) => {
      const within = n(p, "days") === 1 ? "innerhalb eines Tages" : `innerhalb von ${n(p, "days")} Tagen`;
      return n(p, "count") === 1
        ? `Sein letzter Job ist ${within} fehlgeschlagen.`
        : `Seine letzten ${n(p, "count")} Jobs sind ${within} fehlgeschlagen.`;
    },
  },
} satisfies Record<string, Record<Locale, (p: TriggerReasonParams) => string>>;

export type TriggerReasonCode = keyof typeof sentences;

/** Builds a reason (the parameters are the values its sentence shows). */
export function triggerReason(code: TriggerReasonCode, params: TriggerReasonParams = {}): TriggerReason {
  return { code, params };
}

/** A reason's sentence in a language, or null for a code this version does not know. */
export function triggerReasonText(code: string, params: TriggerReasonParams | null, locale: Locale): string | null {
  const sentence = (sentences as Record<string, Record<Locale, (p: TriggerReasonParams) => string>>)[code]?.[locale];
  return sentence ? sentence(params ?? {}) : null;
}

/** The three columns a trigger stores its reason in: the English sentence, the code and the parameters. */
export function disabledReasonColumns(reason: TriggerReason | null) {
  return {
    disabled_reason: reason ? triggerReasonText(reason.code, reason.params, "en") : null,
    disabled_reason_code: reason?.code ?? null,
    disabled_reason_params: reason ? JSON.stringify(reason.params) : null,
  };
}

/** Every code, for tests that check each has both languages. */
export const triggerReasonCodes = Object.keys(sentences) as TriggerReasonCode[];
