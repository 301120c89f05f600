import { useMemo } from "react";
import { useTranslation } from "react-i18next";

/** Locale-aware date formatting for the current UI language. */
export function useFormat() {
  const { i18n, t } = useTranslation();
  const language = i18n.resolvedLanguage === "de" ? "de-DE" : "en-US";
  return useMemo(() => {
    const dateTime = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
    const dateTimeSeconds = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "medium" });
    const date = new Intl.DateTimeFormat(language, { dateStyle: "medium" });
    const time = new Intl.DateTimeFormat(language, { timeStyle: "short" });
    const number = new Intl.NumberFormat(language);
    const parse = (value: string | null | undefined): Date | null => {
      if (!value) return null;
      const d = new Date(value);
      return Number.isNaN(d.getTime()) ? null : d;
    };
    return {
      dateTime: (value: string | null | undefined, fallback = "—") => {
        const d = parse(value);
        return d ? dateTime.format(d) : fallback;
      },
      dateTimeSeconds: (value: string | null | undefined, fallback = "—") => {
        const d = parse(value);
        return d ? dateTimeSeconds.format(d) : fallback;
      },
      date: (value: string | null | undefined, fallback = "—") => {
        const d = parse(value);
        return d ? date.format(d) : fallback;
      },
      time: (value: string | null | undefined, fallback = "—") => {
        const d = parse(value);
        return d ? time.format(d) : fallback;
      },
      number: (value: number | null | undefined) => (typeof value === "number" ? number.format(value) : "—"),
      never: t("common.never"),
    };
  }, [language, t]);
}

/** A URL-safe slug suggestion: German umlauts spelled out, everything else reduced to a-z, 0-9 and dashes. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/ä/g, "ae")
    .replace(/ö/g, "oe")
    .replace(/ü/g, "ue")
    .replace(/ß/g, "ss")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/g, "");
}

/** `2024-05-01T12:30` (a datetime-local input's value) ⇄ ISO-8601 UTC. */
export function localInputToIso(value: string): string {
  if (!value) return "";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

export function isoToLocalInput(value: string | null): string {
  if (!value) return "";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
