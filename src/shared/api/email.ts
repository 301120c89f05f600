import { z } from "zod";
import { outboxStatuses } from "../outbox.js";
import { email } from "./fields.js";

/** The API's shapes of the system e-mail: settings (host, organization), tests, outbox, status (docs/email.md). */

/**
 * SMTP settings of the host or of one organization (EMAIL.md §1): the seed's fields in the
 * seed's order, then the extras. Secrets (SMTP password, OAuth client secret) are not part of
 * this object: they are stored encrypted beside it and never read back.
 */
export const TlsMode = { auto: "auto", starttls: "starttls", implicit: "implicit" } as const;
export type TlsMode = (typeof TlsMode)[keyof typeof TlsMode];

export const providers = ["custom", "gmail", "microsoft365", "ses", "sendgrid", "mailgun"] as const;
export type Provider = (typeof providers)[number];

const noLineBreaks = /^[^\r\n]*$/;
const headerSafe = (max: number) =>
  z.string().max(max, `must be at most ${max} characters`).regex(noLineBreaks, "must not contain line breaks");
/** A host name or an IPv4/IPv6 address. */
const hostPattern =
  /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?))*|\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9A-Fa-f:]+\]?)$/;
const address = z
  .string()
  .trim()
  .max(254)
  .regex(noLineBreaks, "must not contain line breaks")
  .pipe(z.email("must be a valid e-mail address"));

export const emailSettingsSchema = z
  .object({
    enabled: z.boolean(),
    /** SMTP Host: IP address or domain name of the server. */
    smtpHost: z.string().trim().max(253).regex(hostPattern, "must be a host name or an IP address").or(z.literal("")),
    /** SMTP Domain: authentication domain; when set, the login is `DOMAIN\username`. */
    smtpDomain: headerSafe(253).trim().nullable(),
    smtpPort: z.number().int().min(1, "must be between 1 and 65535").max(65535, "must be between 1 and 65535"),
    smtpUsername: headerSafe(254).trim().nullable(),
    fromAddress: address.or(z.literal("")),
    fromDisplayName: headerSafe(256).nullable(),
    /** Enable Secure Connection: TLS required and the certificate must be valid for the host. */
    secureConnection: z.boolean(),
    tlsMode: z.enum([TlsMode.auto, TlsMode.starttls, TlsMode.implicit]),
    /** A CA certificate (PEM) trusted in addition to the system store, for private relays. */
    caCertificatePem: z
      .string()
      .max(65_536)
      .regex(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/, "must be a PEM certificate")
      .nullable(),
    /** Name to verify the server's certificate against, when it differs from SMTP Host. */
    tlsServername: z.string().trim().max(253).regex(hostPattern, "must be a host name").nullable(),
    /** Dangerous: accept any certificate. Shown in red and audited. */
    allowInvalidCertificates: z.boolean(),
    replyTo: address.nullable(),
    /** Envelope sender (Return-Path) when it must differ from From. */
    envelopeSender: address.nullable(),
    connectionTimeoutMs: z.number().int().min(1000).max(300_000),
    greetingTimeoutMs: z.number().int().min(1000).max(300_000),
    socketTimeoutMs: z.number().int().min(1000).max(600_000),
    /** Messages per minute at most through these settings; null = no limit. */
    rateLimitPerMinute: z.number().int().min(1).max(100_000).nullable(),
    authMethod: z.enum(["password", "oauth2"]),
    oauthTokenUrl: z.url("must be a URL").max(2000).nullable(),
    oauthClientId: headerSafe(500).nullable(),
    oauthScope: headerSafe(1000).nullable(),
    provider: z.enum(providers),
  })
  .strict();

export type EmailSettings = z.infer<typeof emailSettingsSchema>;

const secret = z
  .string()
  .max(4096)
  .regex(/^[^\r\n]*$/, "must not contain line breaks");

/** What PUT accepts: any settings fields (omitted = keep), secrets write-only (omitted = keep, null = clear). */
export const emailSettingsInput = emailSettingsSchema
  .partial()
  .extend({
    smtpPassword: secret.nullable().optional(),
    oauthClientSecret: secret.nullable().optional(),
    // Read-only fields a client may send back unchanged after a GET; ignored.
    hasSmtpPassword: z.boolean().optional(),
    hasOauthClientSecret: z.boolean().optional(),
  })
  .strict();
export type EmailSettingsInput = z.infer<typeof emailSettingsInput>;

export const emailTestStages = ["resolve", "connect", "tls", "greeting", "auth", "mail-from", "rcpt", "data"] as const;
export type EmailTestStage = (typeof emailTestStages)[number];

/** What a read returns: the settings and, for the write-only secrets, only whether one is stored. */
export const settingsView = emailSettingsSchema.extend({
  hasSmtpPassword: z.boolean(),
  hasOauthClientSecret: z.boolean(),
});
const warning = z.object({ code: z.string(), field: z.string(), message: z.string() });
export const hostSettingsResponse = settingsView.extend({
  warnings: z.array(warning),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export const orgSettingsResponse = hostSettingsResponse.extend({
  mode: z.enum(["inherit", "custom"]),
  source: z.enum(["host", "organization"]),
  effective: settingsView
    .nullable()
    .describe(
      "The settings in force. Null when none are, and for organization administrators while the organization inherits the installation's server (they see `installation` only).",
    ),
  installation: z
    .object({ configured: z.boolean(), enabled: z.boolean() })
    .describe("Whether the installation's e-mail server is set up and sending; not its details."),
});

/** `POST …/settings/email/test`. */
export const testBody = z.object({ to: email, settings: emailSettingsInput.optional() }).strict();
export const testResultSchema = z.object({
  ok: z.boolean(),
  stage: z.enum(emailTestStages),
  smtpCode: z.number().optional(),
  response: z.string().optional(),
  message: z.string(),
  hint: z.string().optional(),
});

const outboxStatus = z.enum(outboxStatuses);
export const outboxMessageSchema = z.object({
  id: z.number(),
  orgId: z.number().nullable(),
  template: z.string(),
  locale: z.string(),
  to: z.string(),
  toName: z.string().nullable(),
  subject: z.string().nullable(),
  status: outboxStatus,
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastSmtpCode: z.number().nullable(),
  messageId: z.string().nullable(),
  settingsSource: z.string().nullable(),
  sentAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const renderedEmailSchema = z.object({ subject: z.string(), text: z.string(), html: z.string() });

export const outboxMessageDetailSchema = outboxMessageSchema.extend({ preview: renderedEmailSchema });

export const emailPresetSchema = z.object({
  id: z.enum(providers),
  smtpHost: z.string(),
  smtpPort: z.number(),
  tlsMode: z.enum([TlsMode.auto, TlsMode.starttls, TlsMode.implicit]),
  authMethod: z.enum(["password", "oauth2"]),
  oauthTokenUrl: z.string().optional(),
  oauthScope: z.string().optional(),
  notes: z.array(z.string()),
});

/** Whether e-mail is configured and delivering (the host portal's banner). */
export const emailStatusSchema = z.object({
  configured: z.boolean(),
  queued: z.number(),
  held: z.number(),
  failed: z.number(),
  sent: z.number(),
  failing: z.boolean(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
});

export type EmailSettingsView = z.infer<typeof settingsView>;
export type EmailWarning = z.infer<typeof warning>;
export type HostEmailSettings = z.infer<typeof hostSettingsResponse>;
export type OrgEmailSettings = z.infer<typeof orgSettingsResponse>;
export type EmailSettingsMode = OrgEmailSettings["mode"];
export type EmailTestResult = z.infer<typeof testResultSchema>;
export type OutboxMessage = z.infer<typeof outboxMessageSchema>;
export type RenderedEmail = z.infer<typeof renderedEmailSchema>;
export type OutboxMessageDetail = z.infer<typeof outboxMessageDetailSchema>;
export type EmailPreset = z.infer<typeof emailPresetSchema>;
export type EmailStatus = z.infer<typeof emailStatusSchema>;
export type EmailAuthMethod = EmailSettings["authMethod"];
