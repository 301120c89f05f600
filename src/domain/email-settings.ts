import { type EmailSettings, type Provider, TlsMode } from "../shared/api/email.js";

export {
  type EmailSettings,
  emailSettingsSchema,
  type Provider,
  providers,
  TlsMode,
} from "../shared/api/email.js";

export const defaultEmailSettings: EmailSettings = Object.freeze({
  enabled: false,
  smtpHost: "",
  smtpDomain: null,
  smtpPort: 587,
  smtpUsername: null,
  fromAddress: "",
  fromDisplayName: null,
  secureConnection: true,
  tlsMode: TlsMode.auto,
  caCertificatePem: null,
  tlsServername: null,
  allowInvalidCertificates: false,
  replyTo: null,
  envelopeSender: null,
  connectionTimeoutMs: 10_000,
  greetingTimeoutMs: 10_000,
  socketTimeoutMs: 60_000,
  rateLimitPerMinute: null,
  authMethod: "password",
  oauthTokenUrl: null,
  oauthClientId: null,
  oauthScope: null,
  provider: "custom",
});

/** Secrets kept beside the settings; undefined = keep the stored value, null = clear it. */
export interface EmailSecrets {
  smtpPassword: string | null;
  oauthClientSecret: string | null;
}

/** Field errors that depend on several fields (required-when-enabled and friends). */
export function crossFieldErrors(s: EmailSettings, secrets: { hasOauthClientSecret: boolean }) {
  const errors: { path: string; message: string }[] = [];
  if (s.enabled) {
    if (!s.smtpHost) errors.push({ path: "smtpHost", message: "is required when e-mail is enabled" });
    if (!s.fromAddress) errors.push({ path: "fromAddress", message: "is required when e-mail is enabled" });
  }
  if (s.authMethod === "oauth2") {
    if (!s.smtpUsername)
      errors.push({ path: "smtpUsername", message: "is required for OAuth2 (the mailbox to send as)" });
    if (!s.oauthTokenUrl) errors.push({ path: "oauthTokenUrl", message: "is required for OAuth2" });
    if (!s.oauthClientId) errors.push({ path: "oauthClientId", message: "is required for OAuth2" });
    if (!secrets.hasOauthClientSecret) errors.push({ path: "oauthClientSecret", message: "is required for OAuth2" });
  }
  return errors;
}

/** Whether the connection uses TLS from the first byte (port 465 style) rather than STARTTLS. */
export function usesImplicitTls(s: Pick<EmailSettings, "tlsMode" | "smtpPort">): boolean {
  return s.tlsMode === TlsMode.implicit || (s.tlsMode === TlsMode.auto && s.smtpPort === 465);
}

export interface SettingsWarning {
  code: string;
  field: string;
  message: string;
}

/** Risky but possible combinations: shown on save and on the settings page, never blocking. */
export function settingsWarnings(s: EmailSettings, secrets: { hasSmtpPassword: boolean }): SettingsWarning[] {
  const warnings: SettingsWarning[] = [];
  const gmail = s.provider === "gmail" || /(^|\.)gmail\.com$|(^|\.)googlemail\.com$/i.test(s.smtpHost);
  if (gmail && s.smtpUsername && s.fromAddress && s.fromAddress.toLowerCase() !== s.smtpUsername.toLowerCase()) {
    warnings.push({
      code: "gmail-from-differs",
      field: "fromAddress",
      message: "Gmail only sends from the account's own address: Default From Address should equal SMTP Username.",
    });
  }
  if (s.secureConnection && s.smtpPort === 465 && s.tlsMode === TlsMode.starttls) {
    warnings.push({
      code: "port-465-starttls",
      field: "tlsMode",
      message: "Port 465 normally expects TLS from the start (implicit TLS), not STARTTLS.",
    });
  }
  if (s.secureConnection && s.smtpPort === 587 && s.tlsMode === TlsMode.implicit) {
    warnings.push({
      code: "port-587-implicit",
      field: "tlsMode",
      message: 'Port 587 normally expects STARTTLS, not implicit TLS ("wrong version number" errors).',
    });
  }
  if (!s.secureConnection && (s.smtpUsername || secrets.hasSmtpPassword)) {
    warnings.push({
      code: "credentials-without-tls",
      field: "secureConnection",
      message: "Credentials will be sent without a secure connection.",
    });
  }
  if (s.smtpPort === 25) {
    warnings.push({
      code: "port-25",
      field: "smtpPort",
      message: "Port 25 is often blocked by cloud providers; prefer 587 (STARTTLS) or 465 (implicit TLS).",
    });
  }
  if (s.allowInvalidCertificates) {
    warnings.push({
      code: "invalid-certificates-allowed",
      field: "allowInvalidCertificates",
      message: "Any server certificate is accepted: mail and credentials can be intercepted.",
    });
  }
  return warnings;
}

/** The login name: `DOMAIN\username` when an SMTP Domain is set (Exchange / Windows style). */
export function loginName(s: Pick<EmailSettings, "smtpDomain" | "smtpUsername">): string | null {
  if (!s.smtpUsername) return null;
  return s.smtpDomain ? `${s.smtpDomain}\\${s.smtpUsername}` : s.smtpUsername;
}

export interface ProviderPreset {
  id: Provider;
  smtpHost: string;
  smtpPort: number;
  tlsMode: TlsMode;
  authMethod: "password" | "oauth2";
  oauthTokenUrl?: string;
  oauthScope?: string;
  /** Gotchas shown beside the form (English; the UI translates by `id`). */
  notes: string[];
}

/** Pre-filled values and known pitfalls of common providers. */
export const providerPresets: readonly ProviderPreset[] = [
  {
    id: "gmail",
    smtpHost: "smtp.gmail.com",
    smtpPort: 587,
    tlsMode: TlsMode.starttls,
    authMethod: "password",
    notes: [
      "Use an app password (Google Account → Security → App passwords); the account password is refused with 534 5.7.9.",
      "Default From Address must equal SMTP Username.",
    ],
  },
  {
    id: "microsoft365",
    smtpHost: "smtp.office365.com",
    smtpPort: 587,
    tlsMode: TlsMode.starttls,
    authMethod: "oauth2",
    oauthScope: "https://outlook.office365.com/.default",
    notes: [
      "Basic authentication (SMTP AUTH) is being retired by Microsoft: use OAuth2 client credentials (Entra app with SMTP.SendAsApp).",
      "Token URL: https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token",
      "The mailbox in SMTP Username needs 'Send As' rights for the From address (else 554 5.2.252 SendAsDenied).",
    ],
  },
  {
    id: "ses",
    smtpHost: "email-smtp.eu-west-1.amazonaws.com",
    smtpPort: 587,
    tlsMode: TlsMode.starttls,
    authMethod: "password",
    notes: [
      "Use SMTP credentials created in the SES console (not IAM access keys); the From address or domain must be verified.",
    ],
  },
  {
    id: "sendgrid",
    smtpHost: "smtp.sendgrid.net",
    smtpPort: 587,
    tlsMode: TlsMode.starttls,
    authMethod: "password",
    notes: [
      "SMTP Username is literally `apikey`; SMTP Password is the API key.",
      "The From address must be a verified sender.",
    ],
  },
  {
    id: "mailgun",
    smtpHost: "smtp.mailgun.org",
    smtpPort: 587,
    tlsMode: TlsMode.starttls,
    authMethod: "password",
    notes: ["Use the domain's SMTP credentials (postmaster@your-domain); EU domains use smtp.eu.mailgun.org."],
  },
];
