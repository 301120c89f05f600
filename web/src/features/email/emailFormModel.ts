import type { TFunction } from "i18next";
import type {
  EmailAuthMethod,
  EmailPreset,
  EmailProvider,
  EmailSettingsInput,
  HostEmailSettings,
  TlsMode,
} from "../../api/types";
import type { FieldErrors } from "../../lib/errors";

/** Fields shown in the "Advanced" section, which opens by itself when one of them needs attention. */
const advancedFields = [
  "tlsMode",
  "caCertificatePem",
  "tlsServername",
  "allowInvalidCertificates",
  "replyTo",
  "envelopeSender",
  "connectionTimeoutMs",
  "greetingTimeoutMs",
  "socketTimeoutMs",
  "rateLimitPerMinute",
  "authMethod",
  "oauthTokenUrl",
  "oauthClientId",
  "oauthClientSecret",
  "oauthScope",
] as const;

/** Every field the form edits, named as the API names it (and its `errors[].path`). */
export const EMAIL_FIELDS = [
  "enabled",
  "smtpHost",
  "smtpDomain",
  "smtpPort",
  "smtpUsername",
  "smtpPassword",
  "fromAddress",
  "fromDisplayName",
  "secureConnection",
  ...advancedFields,
  "provider",
  "mode",
] as const;

const ADVANCED_FIELDS: ReadonlySet<string> = new Set(advancedFields);

/** Whether any of these field names belongs to the "Advanced" section. */
export const touchesAdvanced = (fields: Iterable<string>) => [...fields].some((field) => ADVANCED_FIELDS.has(field));

type NumberValue = number | string;

/** The form's values (secrets apart: they are write-only, see `SecretState`). */
export interface EmailFormValues {
  enabled: boolean;
  smtpHost: string;
  smtpDomain: string;
  smtpPort: NumberValue;
  smtpUsername: string;
  fromAddress: string;
  fromDisplayName: string;
  secureConnection: boolean;
  tlsMode: TlsMode;
  caCertificatePem: string;
  tlsServername: string;
  allowInvalidCertificates: boolean;
  replyTo: string;
  envelopeSender: string;
  connectionTimeoutMs: NumberValue;
  greetingTimeoutMs: NumberValue;
  socketTimeoutMs: NumberValue;
  rateLimitPerMinute: NumberValue;
  authMethod: EmailAuthMethod;
  oauthTokenUrl: string;
  oauthClientId: string;
  oauthScope: string;
  provider: EmailProvider;
}

/** The plain text fields (one `TextInput` each). */
export type EmailTextKey =
  | "smtpHost"
  | "smtpDomain"
  | "smtpUsername"
  | "fromAddress"
  | "fromDisplayName"
  | "tlsServername"
  | "replyTo"
  | "envelopeSender"
  | "oauthTokenUrl"
  | "oauthClientId"
  | "oauthScope";

/** A write-only secret in the form: a new value, or (when empty) keep or remove the stored one. */
export interface SecretState {
  value: string;
  remove: boolean;
}

export const emptySecret: SecretState = { value: "", remove: false };

export function toValues(s: HostEmailSettings): EmailFormValues {
  return {
    enabled: s.enabled,
    smtpHost: s.smtpHost,
    smtpDomain: s.smtpDomain ?? "",
    smtpPort: s.smtpPort,
    smtpUsername: s.smtpUsername ?? "",
    fromAddress: s.fromAddress,
    fromDisplayName: s.fromDisplayName ?? "",
    secureConnection: s.secureConnection,
    tlsMode: s.tlsMode,
    caCertificatePem: s.caCertificatePem ?? "",
    tlsServername: s.tlsServername ?? "",
    allowInvalidCertificates: s.allowInvalidCertificates,
    replyTo: s.replyTo ?? "",
    envelopeSender: s.envelopeSender ?? "",
    connectionTimeoutMs: s.connectionTimeoutMs,
    greetingTimeoutMs: s.greetingTimeoutMs,
    socketTimeoutMs: s.socketTimeoutMs,
    rateLimitPerMinute: s.rateLimitPerMinute ?? "",
    authMethod: s.authMethod,
    oauthTokenUrl: s.oauthTokenUrl ?? "",
    oauthClientId: s.oauthClientId ?? "",
    oauthScope: s.oauthScope ?? "",
    provider: s.provider,
  };
}

const orNull = (value: string) => (value.trim() === "" ? null : value.trim());

export type EmailNumberKey =
  | "smtpPort"
  | "connectionTimeoutMs"
  | "greetingTimeoutMs"
  | "socketTimeoutMs"
  | "rateLimitPerMinute";

/** Whole numbers within limits, else a field error; empty is allowed only where `nullable`. */
export const numberRules: Record<EmailNumberKey, { min: number; max: number; nullable?: boolean }> = {
  smtpPort: { min: 1, max: 65535 },
  connectionTimeoutMs: { min: 1000, max: 300_000 },
  greetingTimeoutMs: { min: 1000, max: 300_000 },
  socketTimeoutMs: { min: 1000, max: 600_000 },
  rateLimitPerMinute: { min: 1, max: 100_000, nullable: true },
};

/** The form as the API's settings object, or field errors when a number is not a number. */
export function buildEmailBody(
  values: EmailFormValues,
  password: SecretState,
  clientSecret: SecretState,
  rangeMessage: (rule: { min: number; max: number }) => string,
): { body: EmailSettingsInput } | { invalid: FieldErrors } {
  const invalid: FieldErrors = {};
  const numbers: Record<string, number | null> = {};
  for (const [key, rule] of Object.entries(numberRules)) {
    const raw = values[key as EmailNumberKey];
    if (raw === "" && rule.nullable) {
      numbers[key] = null;
      continue;
    }
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < rule.min || raw > rule.max) {
      invalid[key] = rangeMessage(rule);
      continue;
    }
    numbers[key] = raw;
  }
  if (Object.keys(invalid).length > 0) return { invalid };
  const body: EmailSettingsInput = {
    enabled: values.enabled,
    smtpHost: values.smtpHost.trim(),
    smtpDomain: orNull(values.smtpDomain),
    smtpPort: numbers.smtpPort as number,
    smtpUsername: orNull(values.smtpUsername),
    fromAddress: values.fromAddress.trim(),
    fromDisplayName: values.fromDisplayName.trim() === "" ? null : values.fromDisplayName,
    secureConnection: values.secureConnection,
    tlsMode: values.tlsMode,
    caCertificatePem: values.caCertificatePem.trim() === "" ? null : values.caCertificatePem.trim(),
    tlsServername: orNull(values.tlsServername),
    allowInvalidCertificates: values.allowInvalidCertificates,
    replyTo: orNull(values.replyTo),
    envelopeSender: orNull(values.envelopeSender),
    connectionTimeoutMs: numbers.connectionTimeoutMs as number,
    greetingTimeoutMs: numbers.greetingTimeoutMs as number,
    socketTimeoutMs: numbers.socketTimeoutMs as number,
    rateLimitPerMinute: numbers.rateLimitPerMinute ?? null,
    authMethod: values.authMethod,
    oauthTokenUrl: orNull(values.oauthTokenUrl),
    oauthClientId: orNull(values.oauthClientId),
    oauthScope: orNull(values.oauthScope),
    provider: values.provider,
  };
  // Write-only secrets: a typed value replaces, "remove" sends null, otherwise the stored one stays.
  if (password.value) body.smtpPassword = password.value;
  else if (password.remove) body.smtpPassword = null;
  if (clientSecret.value) body.oauthClientSecret = clientSecret.value;
  else if (clientSecret.remove) body.oauthClientSecret = null;
  return { body };
}

/** Labels of the settings fields, for messages that name a field. */
export function fieldLabels(t: TFunction) {
  return {
    enabled: t("email.fields.enabled"),
    smtpHost: t("email.fields.smtpHost"),
    smtpDomain: t("email.fields.smtpDomain"),
    smtpPort: t("email.fields.smtpPort"),
    smtpUsername: t("email.fields.smtpUsername"),
    smtpPassword: t("email.fields.smtpPassword"),
    fromAddress: t("email.fields.fromAddress"),
    fromDisplayName: t("email.fields.fromDisplayName"),
    secureConnection: t("email.fields.secureConnection"),
    tlsMode: t("email.fields.tlsMode"),
    caCertificatePem: t("email.fields.caCertificatePem"),
    tlsServername: t("email.fields.tlsServername"),
    allowInvalidCertificates: t("email.fields.allowInvalidCertificates"),
    replyTo: t("email.fields.replyTo"),
    envelopeSender: t("email.fields.envelopeSender"),
    connectionTimeoutMs: t("email.fields.connectionTimeoutMs"),
    greetingTimeoutMs: t("email.fields.greetingTimeoutMs"),
    socketTimeoutMs: t("email.fields.socketTimeoutMs"),
    rateLimitPerMinute: t("email.fields.rateLimitPerMinute"),
    authMethod: t("email.fields.authMethod"),
    oauthTokenUrl: t("email.fields.oauthTokenUrl"),
    oauthClientId: t("email.fields.oauthClientId"),
    oauthClientSecret: t("email.fields.oauthClientSecret"),
    oauthScope: t("email.fields.oauthScope"),
    provider: t("email.fields.provider"),
  } as Record<string, string>;
}

export function providerLabel(preset: EmailPreset, t: TFunction): string {
  const known: Record<EmailProvider, string> = {
    custom: t("email.providers.custom"),
    gmail: "Gmail",
    microsoft365: "Microsoft 365",
    ses: "Amazon SES",
    sendgrid: "SendGrid",
    mailgun: "Mailgun",
  };
  return known[preset.id] ?? preset.id;
}
