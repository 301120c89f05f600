import type { EmailTexts } from "./en.js";

/** The German texts of Dirigent's e-mails: the same keys as `en.ts`. */
export const de: EmailTexts = {
  footer: "Diese Nachricht wurde von Dirigent gesendet.",
  openDirigent: "Dirigent öffnen",
  severity: { info: "Info", warn: "Warnung", error: "Fehler", fatal: "Schwerwiegend" },
  component: { jobs: "Jobs", robots: "Roboter", queues: "Warteschlangen", triggers: "Trigger", system: "System" },
  subscription: {
    jobs: "Job-Warnungen",
    robots: "Roboter-Warnungen",
    queues: "Warteschlangen-Warnungen",
    triggers: "Trigger-Warnungen",
    system: "System-Warnungen",
  },
  testEmail: {
    subject: "Dirigent: Test-E-Mail",
    body: [
      "Dies ist eine Test-E-Mail von Dirigent.",
      "Wenn Sie diese Nachricht lesen, funktionieren die SMTP-Einstellungen ({{source}}).",
    ],
  },
  passwordReset: {
    subject: "Dirigent: Passwort zurücksetzen",
    body: [
      "Hallo {{name}},",
      "jemand (hoffentlich Sie) hat angefordert, Ihr Dirigent-Passwort zurückzusetzen. Der Link ist 60 Minuten gültig und kann nur einmal verwendet werden.",
      "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Ihr Passwort bleibt unverändert.",
    ],
    action: "Passwort zurücksetzen",
  },
  passwordChanged: {
    subject: "Dirigent: Ihr Passwort wurde geändert",
    body: [
      "Hallo {{name}},",
      "Ihr Dirigent-Passwort wurde am {{changedAt}} geändert.",
      "Wenn Sie das nicht waren, wenden Sie sich sofort an Ihren Administrator.",
    ],
  },
  invitation: {
    subject: "Einladung zu {{orgName}} in Dirigent",
    body: [
      "Hallo {{name}},",
      "Sie wurden zur Organisation „{{orgName}}“ in Dirigent eingeladen. Legen Sie über den Link Ihr Passwort fest; er ist 7 Tage gültig.",
      "Zum Anmelden: Organisation „{{orgSlug}}“, E-Mail {{email}}.",
    ],
    action: "Passwort festlegen",
  },
  licenseExpiring: {
    subject_one: "Dirigent: Lizenz des Mandanten {{tenantName}} läuft in {{count}} Tag ab",
    subject_other: "Dirigent: Lizenz des Mandanten {{tenantName}} läuft in {{count}} Tagen ab",
    body: [
      "Die Lizenz des Mandanten „{{tenantName}}“ der Organisation „{{orgName}}“ läuft am {{expiresAt}} ab.",
      "Danach können Roboter dieses Mandanten keine Aufträge mehr ausführen. Zugewiesene Roboter-Slots: {{robotSlots}}.",
      "Bitte wenden Sie sich an den Betreiber dieser Installation, um die Lizenz zu verlängern.",
    ],
  },
  licenseExpired: {
    subject: "Dirigent: Lizenz des Mandanten {{tenantName}} ist abgelaufen",
    body: [
      "Die Lizenz des Mandanten „{{tenantName}}“ der Organisation „{{orgName}}“ ist am {{expiresAt}} abgelaufen.",
      "Roboter dieses Mandanten können keine Aufträge mehr ausführen, bis die Lizenz verlängert wird.",
    ],
  },
  announcement: {
    footer: "Sie erhalten diese Nachricht als Administrator einer Organisation in dieser Dirigent-Installation.",
  },
  maintenanceStarted: {
    subject: "Dirigent: Wartung hat begonnen",
    subject_tenant: "Dirigent: Wartung des Mandanten {{tenant}} hat begonnen",
    since: "Diese Dirigent-Installation ist seit {{startedAt}} im Wartungsmodus ({{phase}}).",
    since_tenant: "Der Mandant „{{tenant}}“ ist seit {{startedAt}} im Wartungsmodus ({{phase}}).",
    phase: { draining: "Auslaufen", suspended: "ausgesetzt" },
    expectedEnd: "Voraussichtliches Ende: {{expectedEndAt}}.",
    during:
      "Während der Wartung starten keine neuen Aufträge und die Weboberfläche ist für Benutzer nicht verfügbar. Sie erhalten eine weitere Nachricht, sobald die Wartung beendet ist.",
  },
  maintenanceEnded: {
    subject: "Dirigent: Wartung ist beendet",
    subject_tenant: "Dirigent: Wartung des Mandanten {{tenant}} ist beendet",
    body: "Die Wartung dieser Dirigent-Installation wurde am {{endedAt}} beendet. Alles läuft wieder normal.",
    body_tenant: "Die Wartung des Mandanten „{{tenant}}“ wurde am {{endedAt}} beendet. Alles läuft wieder normal.",
  },
  alert: {
    subject: "Dirigent-Warnung ({{severity}}): {{message}}",
    where: "Mandant „{{tenantName}}“",
    where_folder: "Mandant „{{tenantName}}“, Ordner „{{folderName}}“",
    action: "In Dirigent öffnen",
    why: "Sie erhalten diese E-Mail, weil Sie E-Mails zu {{subscription}} abonniert haben. Einstellungen ändern: {{preferences}}",
    unsubscribe: "Diese Warnungen abbestellen",
  },
  alertDigest: {
    subject_one: "Dirigent: {{count}} neue Warnung (Fehler/Schwerwiegend) in {{tenantName}}",
    subject_other: "Dirigent: {{count}} neue Warnungen (Fehler/Schwerwiegend) in {{tenantName}}",
    intro_one:
      "{{count}} neue Warnung der Schwere Fehler oder Schwerwiegend im Mandanten „{{tenantName}}“, {{window}}:",
    intro_other:
      "{{count}} neue Warnungen der Schwere Fehler oder Schwerwiegend im Mandanten „{{tenantName}}“, {{window}}:",
    action: "Alle Warnungen ansehen",
    why: "Sie erhalten diese E-Mail, weil Sie die Sammel-E-Mail alle 10 Minuten gewählt haben. Einstellungen ändern: {{preferences}}",
    unsubscribe: "Sammel-E-Mails abbestellen",
  },
  alertSummary: {
    subject_one: "Dirigent: Tägliche Zusammenfassung für {{tenantName}} – {{count}} Warnung",
    subject_other: "Dirigent: Tägliche Zusammenfassung für {{tenantName}} – {{count}} Warnungen",
    intro: "Warnungen im Mandanten „{{tenantName}}“ in den letzten 24 Stunden, {{period}}:",
    topFaults: "Häufigste Fehler:",
    noFaults: "Keine Fehler in diesem Zeitraum.",
    action: "Warnungen ansehen",
    why: "Sie erhalten diese E-Mail, weil Sie die tägliche Zusammenfassung gewählt haben. Einstellungen ändern: {{preferences}}",
    unsubscribe: "Tägliche Zusammenfassung abbestellen",
  },
};
