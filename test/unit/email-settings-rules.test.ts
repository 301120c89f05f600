import { describe, expect, it } from "vitest";
import {
  crossFieldErrors,
  defaultEmailSettings,
  type EmailSettings,
  emailSettingsSchema,
  loginName,
  providerPresets,
  settingsWarnings,
  usesImplicitTls,
} from "../../src/domain/email-settings.js";

const clean: EmailSettings = {
  ...defaultEmailSettings,
  enabled: true,
  smtpHost: "relay.example.test",
  smtpPort: 587,
  fromAddress: "noreply@example.test",
};
const codes = (s: Partial<EmailSettings>, hasSmtpPassword = false) =>
  settingsWarnings({ ...clean, ...s }, { hasSmtpPassword }).map((w) => w.code);

describe("settingsWarnings", () => {
  it("has nothing to say about a clean configuration", () => {
    expect(codes({})).toEqual([]);
    expect(codes({ smtpUsername: "mailer" }, true)).toEqual([]);
  });

  it("warns when Gmail's From differs from the username (by host or by provider), ignoring case", () => {
    const gmail = { smtpUsername: "me@gmail.com", fromAddress: "other@example.test" };
    expect(codes({ ...gmail, smtpHost: "smtp.gmail.com" })).toEqual(["gmail-from-differs"]);
    expect(codes({ ...gmail, smtpHost: "smtp.googlemail.com" })).toEqual(["gmail-from-differs"]);
    expect(codes({ ...gmail, provider: "gmail" })).toEqual(["gmail-from-differs"]);
    expect(codes({ ...gmail, smtpHost: "smtp.notgmail.com" })).toEqual([]);
    expect(codes({ smtpHost: "smtp.gmail.com", smtpUsername: "Me@Gmail.com", fromAddress: "me@gmail.com" })).toEqual(
      [],
    );
    const warning = settingsWarnings({ ...clean, ...gmail, provider: "gmail" }, { hasSmtpPassword: true })[0];
    expect(warning?.field).toBe("fromAddress");
  });

  it("warns about port 465 with STARTTLS and 587 with implicit TLS, only with secure connection on", () => {
    expect(codes({ smtpPort: 465, tlsMode: "starttls" })).toEqual(["port-465-starttls"]);
    expect(codes({ smtpPort: 587, tlsMode: "implicit" })).toEqual(["port-587-implicit"]);
    expect(codes({ smtpPort: 465, tlsMode: "auto" })).toEqual([]);
    expect(codes({ smtpPort: 465, tlsMode: "starttls", secureConnection: false })).toEqual([]);
  });

  it("warns about credentials without a secure connection (username or stored password)", () => {
    expect(codes({ secureConnection: false, smtpUsername: "mailer" })).toEqual(["credentials-without-tls"]);
    expect(codes({ secureConnection: false }, true)).toEqual(["credentials-without-tls"]);
    expect(codes({ secureConnection: false })).toEqual([]);
  });

  it("warns about port 25 and about accepting any certificate", () => {
    expect(codes({ smtpPort: 25 })).toEqual(["port-25"]);
    expect(codes({ allowInvalidCertificates: true })).toEqual(["invalid-certificates-allowed"]);
    expect(codes({ smtpPort: 25, secureConnection: false, smtpUsername: "u" })).toEqual([
      "credentials-without-tls",
      "port-25",
    ]);
  });
});

describe("crossFieldErrors", () => {
  const paths = (s: Partial<EmailSettings>, hasOauthClientSecret = false) =>
    crossFieldErrors({ ...clean, ...s }, { hasOauthClientSecret }).map((e) => e.path);

  it("requires host and From only when enabled", () => {
    expect(paths({ smtpHost: "", fromAddress: "" })).toEqual(["smtpHost", "fromAddress"]);
    expect(paths({ enabled: false, smtpHost: "", fromAddress: "" })).toEqual([]);
  });

  it("requires mailbox, token URL, client id and secret for OAuth2", () => {
    expect(paths({ authMethod: "oauth2" })).toEqual([
      "smtpUsername",
      "oauthTokenUrl",
      "oauthClientId",
      "oauthClientSecret",
    ]);
    expect(
      paths(
        {
          authMethod: "oauth2",
          smtpUsername: "box",
          oauthTokenUrl: "https://login.example/token",
          oauthClientId: "id",
        },
        true,
      ),
    ).toEqual([]);
  });
});

describe("settings schema", () => {
  const parse = (s: Record<string, unknown>) => emailSettingsSchema.safeParse({ ...clean, ...s });
  const errorPaths = (s: Record<string, unknown>) => {
    const r = parse(s);
    return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
  };

  it("accepts host names and IPv4/IPv6 addresses, and refuses anything else", () => {
    for (const host of [
      "smtp.example.com",
      "localhost",
      "mail-1.eu.example.org",
      "192.0.2.1",
      "2001:db8::1",
      "[2001:db8::1]",
    ]) {
      expect(parse({ smtpHost: host }).success, host).toBe(true);
    }
    for (const host of [
      "bad host",
      "-bad.example.com",
      "mail..example.com",
      "smtp://x",
      "x/y",
      "a_b.example.com",
      "a".repeat(254),
    ]) {
      expect(errorPaths({ smtpHost: host }), host).toEqual(["smtpHost"]);
    }
  });

  it("refuses line breaks in every header field (header injection)", () => {
    expect(errorPaths({ fromDisplayName: "A\r\nBcc: x@y.z" })).toEqual(["fromDisplayName"]);
    expect(errorPaths({ smtpUsername: "u\nx" })).toEqual(["smtpUsername"]);
    expect(errorPaths({ smtpDomain: "D\rX" })).toEqual(["smtpDomain"]);
    expect(errorPaths({ replyTo: "a@b.c\r\nBcc: x@y.z" })).toEqual(["replyTo"]);
    expect(errorPaths({ envelopeSender: "a@b.c\nX: y" })).toEqual(["envelopeSender"]);
    expect(errorPaths({ fromAddress: "a@b.c\nBcc: x@y.z" })).toEqual(["fromAddress"]);
    expect(errorPaths({ oauthScope: "s\n" })).toEqual(["oauthScope"]);
  });

  it("bounds ports, timeouts and lengths, and refuses unknown fields", () => {
    expect(errorPaths({ smtpPort: 0 })).toEqual(["smtpPort"]);
    expect(errorPaths({ smtpPort: 65_536 })).toEqual(["smtpPort"]);
    expect(parse({ smtpPort: 65_535 }).success).toBe(true);
    expect(parse({ smtpPort: 1 }).success).toBe(true);
    expect(errorPaths({ connectionTimeoutMs: 999 })).toEqual(["connectionTimeoutMs"]);
    expect(errorPaths({ fromDisplayName: "x".repeat(257) })).toEqual(["fromDisplayName"]);
    expect(parse({ fromDisplayName: "x".repeat(256) }).success).toBe(true);
    expect(errorPaths({ smtpPassword: "no" })).toEqual([""]);
  });

  it("keeps the defaults valid and the presets sensible", () => {
    expect(emailSettingsSchema.safeParse(defaultEmailSettings).success).toBe(true);
    for (const p of providerPresets) {
      expect(parse({ smtpHost: p.smtpHost, smtpPort: p.smtpPort, tlsMode: p.tlsMode }).success, p.id).toBe(true);
      expect(p.notes.length).toBeGreaterThan(0);
    }
    expect(providerPresets.find((p) => p.id === "microsoft365")?.authMethod).toBe("oauth2");
  });
});

describe("usesImplicitTls and loginName", () => {
  it("uses implicit TLS for port 465 in auto mode or when asked for", () => {
    expect(usesImplicitTls({ tlsMode: "auto", smtpPort: 465 })).toBe(true);
    expect(usesImplicitTls({ tlsMode: "auto", smtpPort: 587 })).toBe(false);
    expect(usesImplicitTls({ tlsMode: "implicit", smtpPort: 2465 })).toBe(true);
    expect(usesImplicitTls({ tlsMode: "starttls", smtpPort: 465 })).toBe(false);
  });

  it("logs in as DOMAIN\\username when a domain is set", () => {
    expect(loginName({ smtpDomain: "CORP", smtpUsername: "svc" })).toBe("CORP\\svc");
    expect(loginName({ smtpDomain: null, smtpUsername: "svc" })).toBe("svc");
    expect(loginName({ smtpDomain: "CORP", smtpUsername: null })).toBeNull();
  });
});
