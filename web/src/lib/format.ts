import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { useDisplayTimeZone } from "./timeZone";

/**
 * Locale-aware date formatting for the current UI language, in the zone of the page (the
 * tenant's on its pages, the viewer's elsewhere; see timeZone.ts), with the zone named: a time
 * without its zone is ambiguous as soon as the robots, the tenant and the reader are not in one.
 */
export function useFormat() {
  const { i18n, t } = useTranslation();
  const language = i18n.resolvedLanguage === "de" ? "de-DE" : "en-US";
  const zone = useDisplayTimeZone();
  return useMemo(() => {
    const timeZone = zone ?? undefined;
    const dateTimeSeconds = new Intl.DateTimeFormat(language, {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "short",
      timeZone,
    });
    const withZone = new Intl.DateTimeFormat(language, {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
      timeZone,
    });
    const viewer = new Intl.DateTimeFormat(language, {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "long",
    });
    const date = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone });
    const time = new Intl.DateTimeFormat(language, {
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
      timeZone,
    });
    const number = new Intl.NumberFormat(language);
    const parse = (value: string | null | undefined): Date | null => {
      if (!value) return null;
      const d = new Date(value);
      return Number.isNaN(d.getTime()) ? null : d;
    };
    return {
      /** The page's zone (null: the viewer's). */
      zone,
      dateTime: (value: string | null | undefined, fallback = "—") => {
        const d = parse(value);
        return d ? withZone.format(d) : fallback;
      },
      /** The same instant on the viewer's own clock, with the zone's full name (for a hover). */
      viewerTime: (value: string | null | undefined) => {
        const d = parse(value);
        return d ? viewer.format(d) : "";
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
  }, [language, t, zone]);
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
