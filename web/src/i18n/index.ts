import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { setApiLanguage } from "../api/client";
import type { Locale } from "../api/types";
import de from "./de.json";
import en from "./en.json";

/** Both resource files must carry the same keys; these two assignments fail to compile otherwise. */
const _deHasEveryKey: typeof en = de;
const _enHasEveryKey: typeof de = en;
void _deHasEveryKey;
void _enHasEveryKey;

export const LOCALE_STORAGE_KEY = "dirigent.locale";
export const supportedLocales: readonly Locale[] = ["en", "de"];

export function isLocale(value: unknown): value is Locale {
  return value === "en" || value === "de";
}

function initialLocale(): Locale {
  try {
    const stored = window.localStorage.getItem(LOCALE_STORAGE_KEY);
    if (isLocale(stored)) return stored;
  } catch {
    // Storage may be unavailable (privacy mode); fall back to the browser's language.
  }
  return navigator.language.toLowerCase().startsWith("de") ? "de" : "en";
}

function applyLocale(locale: string): void {
  document.documentElement.lang = locale;
  setApiLanguage(locale);
}

/** Switches the UI language and remembers the choice in this browser. */
export async function changeLocale(locale: Locale): Promise<void> {
  try {
    window.localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Not remembered; the language still changes for this page view.
  }
  await i18n.changeLanguage(locale);
}

export function currentLocale(): Locale {
  return isLocale(i18n.resolvedLanguage) ? i18n.resolvedLanguage : "en";
}

i18n.on("languageChanged", applyLocale);

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, de: { translation: de } },
  lng: initialLocale(),
  fallbackLng: "en",
  supportedLngs: ["en", "de"],
  interpolation: { escapeValue: false },
  returnNull: false,
});
applyLocale(i18n.language);

export default i18n;
