import { describe, expect, it } from "vitest";
import { renderEmail, type TemplateName, templateNames } from "../../src/services/email/templates.js";
import { de } from "../../src/services/email/texts/de.js";
import { en } from "../../src/services/email/texts/en.js";

const ctx = { publicUrl: "https://dirigent.example.com", secret: "dgl_Secret-Token_123" };
const masked = { ...ctx, secret: null };

/** Data every template reads, so no placeholder stays empty. */
const data: Record<string, unknown> = {
  source: "host",
  name: "Alex",
  changedAt: "2025-03-04T05:06:00.000Z",
  orgName: "Acme",
  orgSlug: "acme",
  email: "alex@acme.test",
  tenantName: "Default",
  days: 7,
  expiresAt: "2025-03-11T00:00:00.000Z",
  robotSlots: 4,
  subjectEn: "News",
  bodyEn: "First paragraph.\n\nSecond paragraph.",
  subjectDe: "Neuigkeiten",
  bodyDe: "Erster Absatz.\n\nZweiter Absatz.",
  phase: "draining",
  startedAt: "2025-03-04T05:06:00.000Z",
  endedAt: "2025-03-04T07:00:00.000Z",
  severity: "error",
  component: "jobs",
  message: "Job 5 of Invoices faulted: boom",
  folderName: "Finance",
  path: "/org/t/1/jobs/5",
  createdAt: "2025-03-04T05:06:00.000Z",
};

describe("renderEmail", () => {
  it.each(templateNames.flatMap((t) => [[t, "en"] as const, [t, "de"] as const]))(
    "renders %s in %s as subject, text and HTML without gaps",
    (template, locale) => {
      const mail = renderEmail(template, locale, data, ctx);
      expect(mail.subject.length).toBeGreaterThan(2);
      expect(mail.subject).not.toMatch(/[\r\n]/);
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part).not.toMatch(/undefined|null|\[object Object\]|NaN/);
      }
      expect(mail.text.endsWith("\n")).toBe(true);
      expect(mail.html).toMatch(new RegExp(`^<!doctype html><html lang="${locale}">`));
      expect(mail.html).toContain(`<title>`);
      // One word for password in German, the one the UI uses (issue #12).
      if (locale === "de") expect(`${mail.subject} ${mail.text}`).not.toMatch(/Kennwort/);
    },
  );

  it.each(templateNames)("starts every English paragraph with a capital letter (%s)", (template) => {
    // "Hello Bob Builder,\nyou have been invited" is German letter style; English starts anew (issue #12).
    const mail = renderEmail(template, "en", data, ctx);
    const paragraphs = mail.text
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    for (const p of paragraphs) expect(p, p).toMatch(/^[^a-z]/);
  });

  it("writes English and German", () => {
    const pairs: [TemplateName, string, string][] = [
      ["test-email", "Dirigent: test e-mail", "Dirigent: Test-E-Mail"],
      ["password-reset", "Dirigent: reset your password", "Dirigent: Passwort zurücksetzen"],
      ["password-changed", "Dirigent: your password was changed", "Dirigent: Ihr Passwort wurde geändert"],
      ["invitation", "You are invited to Acme on Dirigent", "Einladung zu Acme in Dirigent"],
      [
        "license-expiring",
        "Dirigent: the license of tenant Default expires in 7 days",
        "Dirigent: Lizenz des Mandanten Default läuft in 7 Tagen ab",
      ],
      [
        "license-expired",
        "Dirigent: the license of tenant Default has expired",
        "Dirigent: Lizenz des Mandanten Default ist abgelaufen",
      ],
      ["announcement", "News", "Neuigkeiten"],
      [
        "maintenance-started",
        "Dirigent: maintenance of tenant Default has started",
        "Dirigent: Wartung des Mandanten Default hat begonnen",
      ],
      [
        "maintenance-ended",
        "Dirigent: maintenance of tenant Default has ended",
        "Dirigent: Wartung des Mandanten Default ist beendet",
      ],
      [
        "alert",
        "Dirigent alert (Error): Job 5 of Invoices faulted: boom",
        "Dirigent-Warnung (Fehler): Job 5 of Invoices faulted: boom",
      ],
    ];
    for (const [template, en, de] of pairs) {
      expect(renderEmail(template, "en", data, ctx).subject).toBe(en);
      expect(renderEmail(template, "de", data, ctx).subject).toBe(de);
    }
    expect(renderEmail("password-reset", "de", data, ctx).text).toContain("Hallo Alex,");
    expect(renderEmail("password-reset", "en", data, ctx).text).toContain("Hello Alex,");
    expect(renderEmail("password-reset", "de", data, ctx).text).toContain(
      "Diese Nachricht wurde von Dirigent gesendet.",
    );
  });

  it("formats dates per language, in UTC", () => {
    expect(renderEmail("password-changed", "en", data, ctx).text).toContain("changed on 4 March 2025 at 05:06 UTC.");
    expect(renderEmail("password-changed", "de", data, ctx).text).toContain("am 4. März 2025 um 05:06 UTC geändert.");
  });

  it("says 1 day / 1 Tag in the singular", () => {
    expect(renderEmail("license-expiring", "en", { ...data, days: 1 }, ctx).subject).toMatch(/expires in 1 day$/);
    expect(renderEmail("license-expiring", "de", { ...data, days: 1 }, ctx).subject).toMatch(/läuft in 1 Tag ab$/);
  });

  it("puts the one-time token into links on the public URL, in text and HTML", () => {
    const reset = renderEmail("password-reset", "en", data, ctx);
    const url = "https://dirigent.example.com/reset-password?token=dgl_Secret-Token_123";
    expect(reset.text).toContain(`Reset password: ${url}`);
    expect(reset.html).toContain(`href="${url}"`);
    const invitation = renderEmail("invitation", "de", data, ctx);
    expect(invitation.text).toContain(
      "Passwort festlegen: https://dirigent.example.com/accept-invitation?token=dgl_Secret-Token_123",
    );
    const odd = renderEmail("password-reset", "en", data, { ...ctx, secret: "a b&c/d" });
    expect(odd.text).toContain("token=a%20b%26c%2Fd");
  });

  it("links an alert to its item and unsubscribes with one click (RFC 8058), masked in previews", () => {
    const mail = renderEmail("alert", "en", { ...data, message: "<b>boom</b>" }, { ...ctx, secret: "dgu_Token" });
    expect(mail.text).toContain('Error · Jobs · tenant "Default", folder "Finance" · 4 March 2025 at 05:06 UTC');
    expect(mail.text).toContain("Open in Dirigent: https://dirigent.example.com/org/t/1/jobs/5");
    expect(mail.text).toContain(
      "Unsubscribe from these alerts: https://dirigent.example.com/unsubscribe?token=dgu_Token",
    );
    expect(mail.html).toContain('href="https://dirigent.example.com/unsubscribe?token=dgu_Token"');
    expect(mail.html).toContain("&lt;b&gt;boom&lt;/b&gt;");
    expect(mail.headers).toEqual({
      "List-Unsubscribe": "<https://dirigent.example.com/api/v1/alert-emails/unsubscribe?token=dgu_Token>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    const tenantWide = renderEmail(
      "alert",
      "de",
      { ...data, folderName: null, severity: "warn", component: "robots" },
      ctx,
    );
    expect(tenantWide.text).toContain("Warnung · Roboter · Mandant „Default“ · 4. März 2025 um 05:06 UTC");
    // With its details, the alert is told in the recipient's language.
    const details = { jobId: 5, processName: "Invoices", error: "Exited with code 3" };
    expect(renderEmail("alert", "de", { ...data, kind: "job-faulted", details }, ctx).subject).toBe(
      "Dirigent-Warnung (Fehler): Job 5 von Invoices ist fehlgeschlagen: Exited with code 3",
    );
    const robot = { machineName: "laptop", hostName: "pc-7", reason: null };
    expect(
      renderEmail("alert", "de", { ...data, kind: "robot-unresponsive", details: robot }, ctx).text.split("\n")[0],
    ).toBe("Roboter laptop auf pc-7 antwortet nicht (seit 120 s kein Heartbeat).");
    expect(mail.text).toContain("because you opted in to e-mails about job alerts.");
    expect(tenantWide.text).toContain("weil Sie E-Mails zu Roboter-Warnungen abonniert haben.");
    const preview = renderEmail("alert", "en", data, masked);
    expect(preview.text).toContain("/unsubscribe?token=••••••••");
    expect(preview.headers).toBeUndefined();
  });

  it("masks one-time links when no secret is given (previews)", () => {
    for (const template of ["password-reset", "invitation"] as const) {
      for (const locale of ["en", "de"] as const) {
        const preview = renderEmail(template, locale, data, masked);
        expect(preview.text).toMatch(/\?token=••••••••/);
        expect(preview.html).toContain("••••••••");
        expect(preview.text + preview.html).not.toContain("dgl_");
      }
    }
  });

  it("escapes user data in HTML and keeps it as typed in the text", () => {
    const evil = {
      ...data,
      name: `<script>alert("x")</script>`,
      orgName: `Tom & Jerry's "Org"`,
      bodyEn: `<img src=x onerror=alert(1)>\n\nline one\nline two`,
    };
    const reset = renderEmail("password-reset", "en", evil, ctx);
    expect(reset.html).not.toContain("<script>");
    expect(reset.html).toContain("Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,");
    expect(reset.text).toContain(`Hello <script>alert("x")</script>,`);
    const invitation = renderEmail("invitation", "en", evil, ctx);
    expect(invitation.html).toContain("Tom &amp; Jerry&#39;s &quot;Org&quot;");
    expect(invitation.html).toContain(
      "<title>You are invited to Tom &amp; Jerry&#39;s &quot;Org&quot; on Dirigent</title>",
    );
    const announcement = renderEmail("announcement", "en", evil, ctx);
    expect(announcement.html).not.toContain("<img");
    expect(announcement.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(announcement.html).toContain("line one<br>line two");
  });

  it("splits announcements into paragraphs and adds the administrators' footer", () => {
    const en = renderEmail("announcement", "en", data, ctx);
    expect(en.text).toBe(
      "First paragraph.\n\nSecond paragraph.\n\n—\n\nYou receive this message as an administrator of an organization on this Dirigent installation.\n",
    );
    expect((en.html.match(/<p style="margin:0 0 16px">/g) ?? []).length).toBe(2);
    expect(renderEmail("announcement", "de", data, ctx).text).toContain("Zweiter Absatz.");
  });

  it("describes host-wide maintenance and the suspended phase", () => {
    const host = { ...data, tenantName: null, phase: "suspended" };
    expect(renderEmail("maintenance-started", "en", host, ctx).subject).toBe("Dirigent: maintenance has started");
    expect(renderEmail("maintenance-started", "en", host, ctx).text).toContain("(suspended)");
    expect(renderEmail("maintenance-started", "de", host, ctx).text).toContain("(ausgesetzt)");
    expect(renderEmail("maintenance-ended", "de", host, ctx).subject).toBe("Dirigent: Wartung ist beendet");
    expect(renderEmail("maintenance-ended", "en", host, ctx).text).toContain("https://dirigent.example.com/");
  });

  it("has every English text in German, with the same placeholders", () => {
    const leaves = (node: unknown, path = ""): [string, string][] =>
      typeof node === "string"
        ? [[path, node]]
        : Object.entries(node as object).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
    const placeholders = (text: string) => [...text.matchAll(/{{(\w+)}}/g)].map((m) => m[1]).sort();
    const german = new Map(leaves(de));
    expect([...german.keys()].sort()).toEqual(
      leaves(en)
        .map(([k]) => k)
        .sort(),
    );
    for (const [key, text] of leaves(en)) expect(placeholders(german.get(key) ?? ""), key).toEqual(placeholders(text));
  });

  it("inserts names as typed, never reading them as placeholders or nested texts", () => {
    const odd = { ...data, name: "{{email}} $t(footer) {{name}}", orgName: "$t(openDirigent)" };
    const reset = renderEmail("password-reset", "en", odd, ctx);
    expect(reset.text).toContain("Hello {{email}} $t(footer) {{name}},");
    expect(renderEmail("invitation", "de", odd, ctx).subject).toBe("Einladung zu $t(openDirigent) in Dirigent");
  });

  it("counts digests and summaries in the singular and the plural", () => {
    const alert = { severity: "error", component: "jobs", kind: "x", message: "boom", details: null, path: "/a" };
    const digest = (alerts: unknown[], locale: "en" | "de") =>
      renderEmail("alert-digest", locale, { ...data, alerts, from: data.createdAt, to: data.createdAt }, ctx).subject;
    expect(digest([alert], "en")).toBe("Dirigent: 1 new alert (Error/Fatal) in Default");
    expect(digest([alert, alert], "en")).toBe("Dirigent: 2 new alerts (Error/Fatal) in Default");
    expect(digest([alert], "de")).toBe("Dirigent: 1 neue Warnung (Fehler/Schwerwiegend) in Default");
    expect(digest([alert, alert], "de")).toBe("Dirigent: 2 neue Warnungen (Fehler/Schwerwiegend) in Default");
    const summary = (total: number) => renderEmail("alert-summary", "de", { ...data, total }, ctx).subject;
    expect(summary(1)).toBe("Dirigent: Tägliche Zusammenfassung für Default – 1 Warnung");
    expect(summary(0)).toBe("Dirigent: Tägliche Zusammenfassung für Default – 0 Warnungen");
  });
});
