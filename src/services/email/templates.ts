import { type AlertDetails, alertMessage } from "../../shared/alerts.js";
import type { Locale } from "../../shared/identity.js";

/**
 * The e-mails Dirigent sends, in English and German, each rendered as subject + plain text +
 * HTML (multipart/alternative). Rendering happens at send time with the recipient's locale.
 * Links that carry a one-time token get the token only when `secret` is given: previews for
 * administrators show a masked link instead, so nobody can take over an account from the outbox.
 */
export const templateNames = [
  "test-email",
  "password-reset",
  "password-changed",
  "invitation",
  "license-expiring",
  "license-expired",
  "announcement",
  "maintenance-started",
  "maintenance-ended",
  "alert",
  "alert-digest",
  "alert-summary",
] as const;
export type TemplateName = (typeof templateNames)[number];

export interface RenderContext {
  publicUrl: string;
  /** The one-time token for links, or null to render a masked preview. */
  secret: string | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** Extra message headers (List-Unsubscribe for alert e-mails). */
  headers?: Record<string, string>;
}

type Data = Record<string, unknown>;
interface Content {
  subject: string;
  /** Paragraphs of the body; a paragraph may carry one call-to-action link. */
  paragraphs: string[];
  action?: { label: string; url: string };
  /** A link after the action, in small print (e.g. how to stop these e-mails). */
  smallPrint?: { text: string; label: string; url: string };
  footer?: string;
  headers?: Record<string, string>;
}

const str = (d: Data, k: string) => String(d[k] ?? "");

// Building an Intl formatter costs far more than using one: one per locale, made once.
const dateFormats = new Map<Locale, Intl.DateTimeFormat>();

function formatDate(iso: string, locale: Locale): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === "de" ? "de-DE" : "en-GB", {
      dateStyle: "long",
      timeStyle: "short",
      timeZone: "UTC",
    });
    dateFormats.set(locale, format);
  }
  return `${format.format(date)} UTC`;
}

function link(ctx: RenderContext, path: string): string {
  return `${ctx.publicUrl}${path}${ctx.secret === null ? "••••••••" : encodeURIComponent(ctx.secret)}`;
}

const templates: Record<TemplateName, (d: Data, l: Locale, ctx: RenderContext) => Content> = {
  "test-email": (d, l) =>
    l === "de"
      ? {
          subject: "Dirigent: Test-E-Mail",
          paragraphs: [
            "Dies ist eine Test-E-Mail von Dirigent.",
            `Wenn Sie diese Nachricht lesen, funktionieren die SMTP-Einstellungen (${str(d, "source")}).`,
          ],
        }
      : {
          subject: "Dirigent: test e-mail",
          paragraphs: [
            "This is a test e-mail from Dirigent.",
            `If you can read this, the SMTP settings work (${str(d, "source")}).`,
          ],
        },
  "password-reset": (d, l, ctx) =>
    l === "de"
      ? {
          subject: "Dirigent: Passwort zurücksetzen",
          paragraphs: [
            `Hallo ${str(d, "name")},`,
            "jemand (hoffentlich Sie) hat angefordert, Ihr Dirigent-Passwort zurückzusetzen. Der Link ist 60 Minuten gültig und kann nur einmal verwendet werden.",
            "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Ihr Passwort bleibt unverändert.",
          ],
          action: { label: "Passwort zurücksetzen", url: link(ctx, "/reset-password?token=") },
        }
      : {
          subject: "Dirigent: reset your password",
          paragraphs: [
            `Hello ${str(d, "name")},`,
            "someone (hopefully you) asked to reset your Dirigent password. The link is valid for 60 minutes and works once.",
            "If you did not ask for this, ignore this e-mail; your password stays as it is.",
          ],
          action: { label: "Reset password", url: link(ctx, "/reset-password?token=") },
        },
  "password-changed": (d, l) =>
    l === "de"
      ? {
          subject: "Dirigent: Ihr Passwort wurde geändert",
          paragraphs: [
            `Hallo ${str(d, "name")},`,
            `Ihr Dirigent-Passwort wurde am ${formatDate(str(d, "changedAt"), l)} geändert.`,
            "Wenn Sie das nicht waren, wenden Sie sich sofort an Ihren Administrator.",
          ],
        }
      : {
          subject: "Dirigent: your password was changed",
          paragraphs: [
            `Hello ${str(d, "name")},`,
            `your Dirigent password was changed on ${formatDate(str(d, "changedAt"), l)}.`,
            "If this was not you, contact your administrator at once.",
          ],
        },
  invitation: (d, l, ctx) =>
    l === "de"
      ? {
          subject: `Einladung zu ${str(d, "orgName")} in Dirigent`,
          paragraphs: [
            `Hallo ${str(d, "name")},`,
            `Sie wurden zur Organisation „${str(d, "orgName")}“ in Dirigent eingeladen. Legen Sie über den Link Ihr Passwort fest; er ist 7 Tage gültig.`,
            `Zum Anmelden: Organisation „${str(d, "orgSlug")}“, E-Mail ${str(d, "email")}.`,
          ],
          action: { label: "Passwort festlegen", url: link(ctx, "/accept-invitation?token=") },
        }
      : {
          subject: `You are invited to ${str(d, "orgName")} on Dirigent`,
          paragraphs: [
            `Hello ${str(d, "name")},`,
            `you have been invited to the organization "${str(d, "orgName")}" on Dirigent. Set your password with the link below; it is valid for 7 days.`,
            `To sign in: organization "${str(d, "orgSlug")}", e-mail ${str(d, "email")}.`,
          ],
          action: { label: "Set your password", url: link(ctx, "/accept-invitation?token=") },
        },
  "license-expiring": (d, l, ctx) =>
    l === "de"
      ? {
          subject: `Dirigent: Lizenz des Mandanten ${str(d, "tenantName")} läuft in ${str(d, "days")} ${d.days === 1 ? "Tag" : "Tagen"} ab`,
          paragraphs: [
            `Die Lizenz des Mandanten „${str(d, "tenantName")}“ der Organisation „${str(d, "orgName")}“ läuft am ${formatDate(str(d, "expiresAt"), l)} ab.`,
            `Danach können Roboter dieses Mandanten keine Aufträge mehr ausführen. Zugewiesene Roboter-Slots: ${str(d, "robotSlots")}.`,
            "Bitte wenden Sie sich an den Betreiber dieser Installation, um die Lizenz zu verlängern.",
          ],
          action: { label: "Dirigent öffnen", url: `${ctx.publicUrl}/org` },
        }
      : {
          subject: `Dirigent: the license of tenant ${str(d, "tenantName")} expires in ${str(d, "days")} ${d.days === 1 ? "day" : "days"}`,
          paragraphs: [
            `The license of tenant "${str(d, "tenantName")}" of the organization "${str(d, "orgName")}" expires on ${formatDate(str(d, "expiresAt"), l)}.`,
            `After that, this tenant's robots can no longer run jobs. Allocated robot slots: ${str(d, "robotSlots")}.`,
            "Please contact the operator of this installation to renew it.",
          ],
          action: { label: "Open Dirigent", url: `${ctx.publicUrl}/org` },
        },
  "license-expired": (d, l, ctx) =>
    l === "de"
      ? {
          subject: `Dirigent: Lizenz des Mandanten ${str(d, "tenantName")} ist abgelaufen`,
          paragraphs: [
            `Die Lizenz des Mandanten „${str(d, "tenantName")}“ der Organisation „${str(d, "orgName")}“ ist am ${formatDate(str(d, "expiresAt"), l)} abgelaufen.`,
            "Roboter dieses Mandanten können keine Aufträge mehr ausführen, bis die Lizenz verlängert wird.",
          ],
          action: { label: "Dirigent öffnen", url: `${ctx.publicUrl}/org` },
        }
      : {
          subject: `Dirigent: the license of tenant ${str(d, "tenantName")} has expired`,
          paragraphs: [
            `The license of tenant "${str(d, "tenantName")}" of the organization "${str(d, "orgName")}" expired on ${formatDate(str(d, "expiresAt"), l)}.`,
            "This tenant's robots cannot run jobs until the license is renewed.",
          ],
          action: { label: "Open Dirigent", url: `${ctx.publicUrl}/org` },
        },
  announcement: (d, l) => {
    const subject = str(d, l === "de" ? "subjectDe" : "subjectEn");
    const body = str(d, l === "de" ? "bodyDe" : "bodyEn");
    return {
      subject,
      paragraphs: body
        .split(/\n{2,}/)
        .map((p) => p.trim())
        .filter(Boolean),
      footer:
        l === "de"
          ? "Sie erhalten diese Nachricht als Administrator einer Organisation in dieser Dirigent-Installation."
          : "You receive this message as an administrator of an organization on this Dirigent installation.",
    };
  },
  "maintenance-started": (d, l) => {
    const tenant = d.tenantName ? String(d.tenantName) : null;
    return l === "de"
      ? {
          subject: tenant ? `Dirigent: Wartung des Mandanten ${tenant} hat begonnen` : "Dirigent: Wartung hat begonnen",
          paragraphs: [
            `${tenant ? `Der Mandant „${tenant}“` : "Diese Dirigent-Installation"} ist seit ${formatDate(str(d, "startedAt"), l)} im Wartungsmodus (${d.phase === "suspended" ? "ausgesetzt" : "Auslaufen"}).`,
            "Während der Wartung starten keine neuen Aufträge und die Weboberfläche ist für Benutzer nicht verfügbar. Sie erhalten eine weitere Nachricht, sobald die Wartung beendet ist.",
          ],
        }
      : {
          subject: tenant
            ? `Dirigent: maintenance of tenant ${tenant} has started`
            : "Dirigent: maintenance has started",
          paragraphs: [
            `${tenant ? `Tenant "${tenant}"` : "This Dirigent installation"} has been in maintenance mode (${d.phase === "suspended" ? "suspended" : "draining"}) since ${formatDate(str(d, "startedAt"), l)}.`,
            "During maintenance no new jobs start and the web UI is unavailable to users. You will get another message when maintenance has ended.",
          ],
        };
  },
  "maintenance-ended": (d, l, ctx) => {
    const tenant = d.tenantName ? String(d.tenantName) : null;
    return l === "de"
      ? {
          subject: tenant ? `Dirigent: Wartung des Mandanten ${tenant} ist beendet` : "Dirigent: Wartung ist beendet",
          paragraphs: [
            `Die Wartung ${tenant ? `des Mandanten „${tenant}“` : "dieser Dirigent-Installation"} wurde am ${formatDate(str(d, "endedAt"), l)} beendet. Alles läuft wieder normal.`,
          ],
          action: { label: "Dirigent öffnen", url: `${ctx.publicUrl}/` },
        }
      : {
          subject: tenant ? `Dirigent: maintenance of tenant ${tenant} has ended` : "Dirigent: maintenance has ended",
          paragraphs: [
            `Maintenance of ${tenant ? `tenant "${tenant}"` : "this Dirigent installation"} ended on ${formatDate(str(d, "endedAt"), l)}. Everything is back to normal.`,
          ],
          action: { label: "Open Dirigent", url: `${ctx.publicUrl}/` },
        };
  },
  alert: alertEmail,
  "alert-digest": alertDigestEmail,
  "alert-summary": alertSummaryEmail,
};

const severityNames: Record<Locale, Record<string, string>> = {
  en: { info: "Info", warn: "Warning", error: "Error", fatal: "Fatal" },
  de: { info: "Info", warn: "Warnung", error: "Fehler", fatal: "Schwerwiegend" },
};
/** What a user subscribed to, as the profile page names it. */
const subscriptionNames: Record<Locale, Record<string, string>> = {
  en: {
    jobs: "job alerts",
    robots: "robot alerts",
    queues: "queue alerts",
    triggers: "trigger alerts",
    system: "system alerts",
  },
  de: {
    jobs: "Job-Warnungen",
    robots: "Roboter-Warnungen",
    queues: "Warteschlangen-Warnungen",
    triggers: "Trigger-Warnungen",
    system: "System-Warnungen",
  },
};
const componentNames: Record<Locale, Record<string, string>> = {
  en: { jobs: "Jobs", robots: "Robots", queues: "Queues", triggers: "Triggers", system: "System" },
  de: { jobs: "Jobs", robots: "Roboter", queues: "Warteschlangen", triggers: "Trigger", system: "System" },
};

/** A time in the tenant's zone, with the zone named (digests list alerts in tenant time, orchestrator-spec §1.5). */
function formatZoned(iso: string, locale: Locale, timeZone: string, style: "time" | "dateTime" = "dateTime"): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    const f = new Intl.DateTimeFormat(locale === "de" ? "de-DE" : "en-GB", {
      ...(style === "dateTime" ? { dateStyle: "medium" } : {}),
      timeStyle: "short",
      timeZone,
    });
    return `${f.format(date)}`;
  } catch {
    return formatDate(iso, locale);
  }
}

interface DigestAlert {
  severity: string;
  component: string;
  kind: string;
  message: string;
  details: AlertDetails | null;
  folderName?: string | null;
  path: string;
  createdAt?: string;
  count?: number;
}

function preferencesSmallPrint(d: Data, l: Locale, ctx: RenderContext, what: "digest" | "summary") {
  const unsubscribe = link(ctx, "/unsubscribe?token=");
  const prefs = `${ctx.publicUrl}${str(d, "preferencesPath")}`;
  return l === "de"
    ? {
        text: `Sie erhalten diese E-Mail, weil Sie ${what === "digest" ? "die Sammel-E-Mail alle 10 Minuten" : "die tägliche Zusammenfassung"} gewählt haben. Einstellungen ändern: ${prefs}`,
        label: what === "digest" ? "Sammel-E-Mails abbestellen" : "Tägliche Zusammenfassung abbestellen",
        url: unsubscribe,
      }
    : {
        text: `You get this e-mail because you chose the ${what === "digest" ? "10-minute alert digest" : "daily alert summary"}. Change your preferences: ${prefs}`,
        label: what === "digest" ? "Unsubscribe from alert digests" : "Unsubscribe from the daily summary",
        url: unsubscribe,
      };
}

function oneClickHeaders(ctx: RenderContext): Record<string, string> | undefined {
  if (ctx.secret === null) return undefined;
  const oneClick = link(ctx, "/api/v1/alert-emails/unsubscribe?token=");
  return { "List-Unsubscribe": `<${oneClick}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

/** Every 10 minutes: the Error and Fatal alerts of the window, one line each with its link. */
function alertDigestEmail(d: Data, l: Locale, ctx: RenderContext): Content {
  const alerts = (d.alerts as DigestAlert[] | undefined) ?? [];
  const tz = str(d, "timeZone") || "UTC";
  const window = `${formatZoned(str(d, "from"), l, tz)} – ${formatZoned(str(d, "to"), l, tz, "time")} (${tz})`;
  const lines = alerts.map((a) => {
    const severity = severityNames[l][a.severity] ?? a.severity;
    const component = componentNames[l][a.component] ?? a.component;
    const message = alertMessage(a.kind, a.details, l) ?? a.message;
    return `${a.createdAt ? formatZoned(a.createdAt, l, tz, "time") : ""} · ${severity} · ${component}${a.folderName ? ` · ${a.folderName}` : ""}\n${message}\n${ctx.publicUrl}${a.path}`;
  });
  const headers = oneClickHeaders(ctx);
  return l === "de"
    ? {
        subject: `Dirigent: ${alerts.length} neue ${alerts.length === 1 ? "Warnung" : "Warnungen"} (Fehler/Schwerwiegend) in ${str(d, "tenantName")}`,
        paragraphs: [
          `${alerts.length} neue ${alerts.length === 1 ? "Warnung" : "Warnungen"} der Schwere Fehler oder Schwerwiegend im Mandanten „${str(d, "tenantName")}“, ${window}:`,
          ...lines,
        ],
        action: { label: "Alle Warnungen ansehen", url: `${ctx.publicUrl}${str(d, "alertsPath")}` },
        smallPrint: preferencesSmallPrint(d, l, ctx, "digest"),
        ...(headers && { headers }),
      }
    : {
        subject: `Dirigent: ${alerts.length} new ${alerts.length === 1 ? "alert" : "alerts"} (Error/Fatal) in ${str(d, "tenantName")}`,
        paragraphs: [
          `${alerts.length} new Error or Fatal ${alerts.length === 1 ? "alert" : "alerts"} in tenant "${str(d, "tenantName")}", ${window}:`,
          ...lines,
        ],
        action: { label: "View all alerts", url: `${ctx.publicUrl}${str(d, "alertsPath")}` },
        smallPrint: preferencesSmallPrint(d, l, ctx, "digest"),
        ...(headers && { headers }),
      };
}

/** At 07:00 tenant time: the last 24 hours, counted per component, with the top faults and links. */
function alertSummaryEmail(d: Data, l: Locale, ctx: RenderContext): Content {
  const tz = str(d, "timeZone") || "UTC";
  const counts = (d.counts as { component: string; total: number; bySeverity: Record<string, number> }[]) ?? [];
  const top = (d.top as DigestAlert[] | undefined) ?? [];
  const period = `${formatZoned(str(d, "from"), l, tz)} – ${formatZoned(str(d, "to"), l, tz)} (${tz})`;
  const countLines = counts.map((c) => {
    const parts = ["fatal", "error", "warn", "info"]
      .filter((s) => (c.bySeverity[s] ?? 0) > 0)
      .map((s) => `${c.bySeverity[s]} ${severityNames[l][s]}`);
    return `${componentNames[l][c.component] ?? c.component}: ${c.total}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
  });
  const topLines = top.map(
    (a) => `${a.count}× ${alertMessage(a.kind, a.details, l) ?? a.message}\n${ctx.publicUrl}${a.path}`,
  );
  const headers = oneClickHeaders(ctx);
  const total = Number(d.total ?? 0);
  return l === "de"
    ? {
        subject: `Dirigent: Tägliche Zusammenfassung für ${str(d, "tenantName")} – ${total} ${total === 1 ? "Warnung" : "Warnungen"}`,
        paragraphs: [
          `Warnungen im Mandanten „${str(d, "tenantName")}“ in den letzten 24 Stunden, ${period}:`,
          countLines.join("\n"),
          ...(topLines.length > 0 ? ["Häufigste Fehler:", ...topLines] : ["Keine Fehler in diesem Zeitraum."]),
        ],
        action: { label: "Warnungen ansehen", url: `${ctx.publicUrl}${str(d, "alertsPath")}` },
        smallPrint: preferencesSmallPrint(d, l, ctx, "summary"),
        ...(headers && { headers }),
      }
    : {
        subject: `Dirigent: daily summary for ${str(d, "tenantName")} – ${total} ${total === 1 ? "alert" : "alerts"}`,
        paragraphs: [
          `Alerts of tenant "${str(d, "tenantName")}" in the last 24 hours, ${period}:`,
          countLines.join("\n"),
          ...(topLines.length > 0 ? ["Top faults:", ...topLines] : ["No faults in this period."]),
        ],
        action: { label: "View alerts", url: `${ctx.publicUrl}${str(d, "alertsPath")}` },
        smallPrint: preferencesSmallPrint(d, l, ctx, "summary"),
        ...(headers && { headers }),
      };
}

/** An alert e-mail: what happened, where, a link to it, and a one-click unsubscribe (RFC 8058). */
function alertEmail(d: Data, l: Locale, ctx: RenderContext): Content {
  const severity = severityNames[l][str(d, "severity")] ?? str(d, "severity");
  const message = alertMessage(str(d, "kind"), (d.details as AlertDetails | null) ?? null, l) ?? str(d, "message");
  const component = componentNames[l][str(d, "component")] ?? str(d, "component");
  const subscription = subscriptionNames[l][str(d, "component")] ?? component;
  const where = d.folderName
    ? l === "de"
      ? `Mandant „${str(d, "tenantName")}“, Ordner „${str(d, "folderName")}“`
      : `tenant "${str(d, "tenantName")}", folder "${str(d, "folderName")}"`
    : l === "de"
      ? `Mandant „${str(d, "tenantName")}“`
      : `tenant "${str(d, "tenantName")}"`;
  const unsubscribe = link(ctx, "/unsubscribe?token=");
  const oneClick = link(ctx, "/api/v1/alert-emails/unsubscribe?token=");
  const headers =
    ctx.secret === null
      ? undefined
      : { "List-Unsubscribe": `<${oneClick}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
  return l === "de"
    ? {
        subject: `Dirigent-Warnung (${severity}): ${message}`.slice(0, 200),
        paragraphs: [message, `${severity} · ${component} · ${where} · ${formatDate(str(d, "createdAt"), l)}`],
        action: { label: "In Dirigent öffnen", url: `${ctx.publicUrl}${str(d, "path")}` },
        smallPrint: {
          text: `Sie erhalten diese E-Mail, weil Sie E-Mails zu ${subscription} abonniert haben. Einstellungen ändern: ${ctx.publicUrl}${str(d, "preferencesPath") || "/profile"}`,
          label: "Diese Warnungen abbestellen",
          url: unsubscribe,
        },
        ...(headers && { headers }),
      }
    : {
        subject: `Dirigent alert (${severity}): ${message}`.slice(0, 200),
        paragraphs: [message, `${severity} · ${component} · ${where} · ${formatDate(str(d, "createdAt"), l)}`],
        action: { label: "Open in Dirigent", url: `${ctx.publicUrl}${str(d, "path")}` },
        smallPrint: {
          text: `You get this e-mail because you opted in to e-mails about ${subscription}. Change your preferences: ${ctx.publicUrl}${str(d, "preferencesPath") || "/profile"}`,
          label: "Unsubscribe from these alerts",
          url: unsubscribe,
        },
        ...(headers && { headers }),
      };
}

export function renderEmail(template: TemplateName, locale: Locale, data: Data, ctx: RenderContext): RenderedEmail {
  const c = templates[template](data, locale, ctx);
  const textParts = [...c.paragraphs];
  if (c.action) textParts.push(`${c.action.label}: ${c.action.url}`);
  if (c.smallPrint) textParts.push(c.smallPrint.text, `${c.smallPrint.label}: ${c.smallPrint.url}`);
  textParts.push(
    "—",
    c.footer ??
      (locale === "de" ? "Diese Nachricht wurde von Dirigent gesendet." : "This message was sent by Dirigent."),
  );
  return {
    subject: c.subject,
    text: `${textParts.join("\n\n")}\n`,
    html: layout(c, locale),
    ...(c.headers && { headers: c.headers }),
  };
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );
}

function layout(c: Content, locale: Locale): string {
  const footer =
    c.footer ??
    (locale === "de" ? "Diese Nachricht wurde von Dirigent gesendet." : "This message was sent by Dirigent.");
  const paragraphs = c.paragraphs
    .map((p) => `<p style="margin:0 0 16px">${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("");
  const action = c.action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(c.action.url)}" style="background:#1c7ed6;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(c.action.label)}</a></p><p style="margin:0 0 16px;font-size:12px;color:#868e96;word-break:break-all">${escapeHtml(c.action.url)}</p>`
    : "";
  const smallPrint = c.smallPrint
    ? `<p style="margin:16px 0 0;font-size:12px;color:#868e96">${escapeHtml(c.smallPrint.text)}<br><a href="${escapeHtml(c.smallPrint.url)}" style="color:#868e96">${escapeHtml(c.smallPrint.label)}</a></p>`
    : "";
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(c.subject)}</title></head>
<body style="margin:0;background:#f1f3f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#212529">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px">
<tr><td style="padding:20px 28px;border-bottom:1px solid #e9ecef;font-weight:700;font-size:18px;color:#1c7ed6">Dirigent</td></tr>
<tr><td style="padding:24px 28px;font-size:15px;line-height:1.5">${paragraphs}${action}${smallPrint}</td></tr>
<tr><td style="padding:16px 28px;border-top:1px solid #e9ecef;font-size:12px;color:#868e96">${escapeHtml(footer)}</td></tr>
</table></td></tr></table></body></html>`;
}
