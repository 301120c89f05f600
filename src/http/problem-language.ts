import type { FieldError, Problem } from "../shared/problem-types.js";
import { ProblemType } from "../shared/problem-types.js";

/** The languages problem `title`, `detail` and field messages are written in. */
export type ProblemLocale = "en" | "de";

/**
 * The language a client asked for in `Accept-Language` (highest weight first, `de-DE` counts as
 * `de`); English when it names none we have. Scripts that send nothing get English, as before.
 */
export function problemLocale(header: string | string[] | undefined): ProblemLocale {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  const ranked = value
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
      return { lang: tag.trim().toLowerCase().split("-")[0] ?? "", q: q === undefined ? 1 : Number(q), index };
    })
    .filter((e) => e.lang !== "" && e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const e of ranked) {
    if (e.lang === "de" || e.lang === "en") return e.lang;
  }
  return "en";
}

/** German titles by problem type: the type is the code, the title its name. */
const germanTitles: Record<ProblemType, string> = {
  [ProblemType.validationFailed]: "Ungültige Eingabe",
  [ProblemType.invalidCredentials]: "Anmeldedaten ungültig",
  [ProblemType.authenticationRequired]: "Anmeldung erforderlich",
  [ProblemType.forbidden]: "Nicht erlaubt",
  [ProblemType.csrfFailed]: "Sicherheitsprüfung fehlgeschlagen",
  [ProblemType.setupRequired]: "Einrichtung erforderlich",
  [ProblemType.notFound]: "Nicht gefunden",
  [ProblemType.conflict]: "Konflikt",
  [ProblemType.alreadyExists]: "Existiert bereits",
  [ProblemType.lastAdministrator]: "Letzter Administrator",
  [ProblemType.invalidStateTransition]: "Zustandswechsel nicht möglich",
  [ProblemType.invalidLink]: "Ungültiger Link",
  [ProblemType.folderNotEmpty]: "Ordner nicht leer",
  [ProblemType.roleInUse]: "Rolle wird verwendet",
  [ProblemType.tenantDisabled]: "Mandant deaktiviert",
  [ProblemType.licenseExceeded]: "Lizenz ausgeschöpft",
  [ProblemType.invalidPackage]: "Ungültiges Paket",
  [ProblemType.packageInUse]: "Paket wird verwendet",
  [ProblemType.duplicateReference]: "Referenz doppelt",
  [ProblemType.calendarInUse]: "Kalender wird verwendet",
  [ProblemType.maintenance]: "Wartungsmodus",
  [ProblemType.databaseUnavailable]: "Datenbank nicht erreichbar",
  [ProblemType.rateLimited]: "Zu viele Anfragen",
  [ProblemType.payloadTooLarge]: "Anfrage zu groß",
  [ProblemType.unsupportedMediaType]: "Nicht unterstützter Inhaltstyp",
  [ProblemType.invalidPath]: "Ungültiger Pfad",
  [ProblemType.bucketReadOnly]: "Bucket schreibgeschützt",
  [ProblemType.rangeNotSatisfiable]: "Bereich nicht erfüllbar",
  [ProblemType.invalidSignature]: "Ungültige Signatur",
  [ProblemType.linkExpired]: "Link abgelaufen",
  [ProblemType.storageUnavailable]: "Speicher nicht erreichbar",
  [ProblemType.internal]: "Interner Fehler",
  [ProblemType.assetTypeImmutable]: "Asset-Typ unveränderlich",
  [ProblemType.assetNotFound]: "Asset nicht gefunden",
  [ProblemType.assetValueMissing]: "Asset-Wert fehlt",
  [ProblemType.accountLocked]: "Konto gesperrt",
  [ProblemType.notImplemented]: "Nicht unterstützt",
};

/** German for the details the HTTP edge and the error classes write themselves. */
const germanDetails: Record<string, string> = {
  "The request body is invalid.": "Der Inhalt der Anfrage ist ungültig.",
  "The path parameters are invalid.": "Die Pfadparameter sind ungültig.",
  "The query string is invalid.": "Die Abfrageparameter sind ungültig.",
  "The request headers are invalid.": "Die Kopfzeilen der Anfrage sind ungültig.",
  "The request body is too large.": "Der Inhalt der Anfrage ist zu groß.",
  "Send the request body as application/json.": "Senden Sie den Inhalt der Anfrage als application/json.",
  "Too many attempts. Wait a minute and try again.":
    "Zu viele Versuche. Warten Sie eine Minute und versuchen Sie es erneut.",
  "The request body is empty.": "Der Inhalt der Anfrage ist leer.",
  "The request body is not valid JSON.": "Der Inhalt der Anfrage ist kein gültiges JSON.",
  "The database does not answer right now. Try again in a few seconds.":
    "Die Datenbank antwortet gerade nicht. Versuchen Sie es in einigen Sekunden erneut.",
  "A value in the request cannot be stored (out of range or not valid text).":
    "Ein Wert der Anfrage kann nicht gespeichert werden (außerhalb des Bereichs oder kein gültiger Text).",
  "Something went wrong on our side. The error was logged.":
    "Bei uns ist etwas schiefgegangen. Der Fehler wurde protokolliert.",
  "A path segment is too long.": "Ein Pfadabschnitt ist zu lang.",
  "The URL is not valid (malformed percent-encoding).": "Die URL ist ungültig (fehlerhafte Prozentkodierung).",
  "One or more fields are invalid.": "Ein oder mehrere Felder sind ungültig.",
  "Sign in to continue.": "Melden Sie sich an, um fortzufahren.",
  "The credentials are not valid.": "Die Anmeldedaten sind ungültig.",
  "You are not allowed to do this.": "Dazu sind Sie nicht berechtigt.",
  "Dirigent is under maintenance. Please try again later.":
    "Dirigent wird gerade gewartet. Bitte versuchen Sie es später erneut.",
  "This tenant is under maintenance. Please try again later.":
    "Dieser Mandant wird gerade gewartet. Bitte versuchen Sie es später erneut.",
  "This tenant is disabled.": "Dieser Mandant ist deaktiviert.",
  "Reload the page and try again.": "Laden Sie die Seite neu und versuchen Sie es erneut.",
  "Choose a new password and give an e-mail address first.":
    "Wählen Sie zuerst ein neues Passwort und geben Sie eine E-Mail-Adresse an.",
  "This link is not valid.": "Dieser Link ist ungültig.",
  "This link has expired; ask for a new one.": "Dieser Link ist abgelaufen; fordern Sie einen neuen an.",
  "The job changed meanwhile; reload it.": "Der Job wurde inzwischen geändert; laden Sie ihn neu.",
};

/** The things a `NotFoundError` names ("The job was not found."), in German with their article. */
const germanThings: Record<string, string> = {
  "The folder": "Der Ordner",
  "The parent folder": "Der übergeordnete Ordner",
  "The tenant": "Der Mandant",
  "The user": "Der Benutzer",
  "The organization": "Die Organisation",
  "The bucket": "Der Bucket",
  "The machine": "Die Maschine",
  "The job": "Der Job",
  "The trigger": "Der Trigger",
  "The token": "Das Token",
  "The role": "Die Rolle",
  "The queue": "Die Warteschlange",
  "The queue item": "Das Warteschlangenelement",
  "The process": "Der Prozess",
  "The package": "Das Paket",
  "The message": "Die Nachricht",
  "The calendar": "Der Kalender",
  "The asset": "Das Asset",
  "The announcement": "Die Ankündigung",
  "The administrator": "Der Administrator",
};

const germanTypes: Record<string, string> = {
  string: "Text",
  number: "Zahl",
  boolean: "Wahrheitswert (true/false)",
  object: "Objekt",
  array: "Liste",
  int: "ganze Zahl",
};

/** Field messages of the HTTP edge and of zod, in German; null for a message without a translation. */
function germanFieldMessage(message: string): string | null {
  if (message === "is required") return "ist erforderlich";
  if (message === "is not a known field") return "ist kein bekanntes Feld";
  if (message === "is invalid") return "ist ungültig";
  if (message === "holds a value the database cannot store")
    return "enthält einen Wert, den die Datenbank nicht speichern kann";
  if (message === "is not a valid URL path") return "ist kein gültiger URL-Pfad";
  if (message === "has a segment that is too long") return "hat einen zu langen Abschnitt";
  if (message === "is not a valid cursor") return "ist kein gültiger Cursor";
  if (message === "is not a known IANA time zone") return "ist keine bekannte IANA-Zeitzone";
  if (message === "is not your current password") return "ist nicht Ihr aktuelles Passwort";
  if (message === "is in the past") return "liegt in der Vergangenheit";
  const type = /^must be an? (\w+)$/.exec(message);
  if (type) return `muss vom Typ ${germanTypes[type[1] ?? ""] ?? type[1]} sein`;
  const tooBig = /^Too big: expected (\w+) to have <=\s?(\d+) (characters|items)$/.exec(message);
  if (tooBig) return `darf höchstens ${tooBig[2]} ${tooBig[3] === "items" ? "Einträge" : "Zeichen"} haben`;
  const tooSmall = /^Too small: expected (\w+) to have >=\s?(\d+) (characters|items)$/.exec(message);
  if (tooSmall) return `muss mindestens ${tooSmall[2]} ${tooSmall[3] === "items" ? "Einträge" : "Zeichen"} haben`;
  const below = /^Too small: expected number to be >=\s?(-?[\d.]+)$/.exec(message);
  if (below) return `muss mindestens ${below[1]} sein`;
  const above = /^Too big: expected number to be <=\s?(-?[\d.]+)$/.exec(message);
  if (above) return `darf höchstens ${above[1]} sein`;
  const option = /^Invalid option: expected one of (.+)$/.exec(message);
  if (option) return `muss einer dieser Werte sein: ${option[1]}`;
  if (/^Invalid (email address|email)$/.test(message)) return "ist keine gültige E-Mail-Adresse";
  if (/^Invalid (ISO datetime|datetime)$/.test(message)) return "ist kein gültiger Zeitpunkt (ISO 8601)";
  if (message === "Invalid input") return "ist ungültig";
  return null;
}

function germanDetail(detail: string): string | null {
  const exact = germanDetails[detail];
  if (exact) return exact;
  const notFound = /^(.+) was not found\.$/.exec(detail);
  const thing = notFound ? germanThings[notFound[1] ?? ""] : undefined;
  if (thing) return `${thing} wurde nicht gefunden.`;
  const endpoint = /^No endpoint (\S+ \S+)\.$/.exec(detail);
  if (endpoint) return `Keinen Endpunkt ${endpoint[1]}.`;
  return null;
}

/**
 * The problem in the reader's language: `title` by its type, `detail` and field messages where a
 * translation is known (others stay English). Every other field — `type`, `status`, paths,
 * extensions — is unchanged, so scripts branch on the same values in any language.
 */
export function localizeProblem(problem: Problem, locale: ProblemLocale): Problem {
  if (locale === "en") return problem;
  const errors = problem.errors?.map(
    (e): FieldError => ({ ...e, message: germanFieldMessage(e.message) ?? e.message }),
  );
  return {
    ...problem,
    title: germanTitles[problem.type] ?? problem.title,
    ...(problem.detail !== undefined && { detail: germanDetail(problem.detail) ?? problem.detail }),
    ...(errors && { errors }),
  };
}
