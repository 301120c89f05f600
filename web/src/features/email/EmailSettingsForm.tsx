import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Collapse,
  Divider,
  Grid,
  Group,
  List,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
  UnstyledButton,
} from "@mantine/core";
import {
  IconAlertTriangle,
  IconChevronDown,
  IconChevronRight,
  IconDeviceFloppy,
  IconInfoCircle,
  IconLock,
  IconSend,
  IconShieldExclamation,
} from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { type FormEvent, type ReactNode, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { EmailEndpoints } from "../../api/endpoints";
import type {
  EmailAuthMethod,
  EmailPreset,
  EmailProvider,
  EmailSettingsInput,
  EmailWarning,
  HostEmailSettings,
  TlsMode,
} from "../../api/types";
import { FormError } from "../../components/feedback";
import { PasswordField } from "../../components/PasswordField";
import { SegmentedField } from "../../components/SegmentedField";
import { type FieldErrors, focusFirstInvalid, normalizePath, useFormErrors } from "../../lib/errors";
import { useFormat } from "../../lib/format";
import { useWarningText } from "./labels";
import { TestEmailModal } from "./TestEmailModal";

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
  "provider",
  "mode",
] as const;

/** Fields shown in the "Advanced" section, which opens by itself when one of them needs attention. */
const ADVANCED_FIELDS = new Set<string>([
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
]);

type NumberValue = number | string;

interface Values {
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

/** A write-only secret in the form: a new value, or (when empty) keep or remove the stored one. */
interface SecretState {
  value: string;
  remove: boolean;
}

function toValues(s: HostEmailSettings): Values {
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

/** Whole numbers within limits, else a field error; empty is allowed only where `nullable`. */
const numberRules: Record<
  "smtpPort" | "connectionTimeoutMs" | "greetingTimeoutMs" | "socketTimeoutMs" | "rateLimitPerMinute",
  { min: number; max: number; nullable?: boolean }
> = {
  smtpPort: { min: 1, max: 65535 },
  connectionTimeoutMs: { min: 1000, max: 300_000 },
  greetingTimeoutMs: { min: 1000, max: 300_000 },
  socketTimeoutMs: { min: 1000, max: 600_000 },
  rateLimitPerMinute: { min: 1, max: 100_000, nullable: true },
};

export interface EmailSettingsFormProps {
  /** The stored settings with the server's warnings; the form starts from them (passwords never). */
  initial: HostEmailSettings;
  endpoints: EmailEndpoints;
  /** Saves the body (the whole form; secrets only when typed or removed); answers the stored state. */
  onSave: (body: EmailSettingsInput) => Promise<HostEmailSettings>;
  /** Prefilled recipient of the test e-mail (the signed-in administrator's address). */
  defaultRecipient: string;
  /** Shown above the save button (e.g. "saving switches this organization to custom SMTP"). */
  notice?: ReactNode;
  saveLabel?: string;
}

/**
 * The SMTP settings form of the host and of organizations: the seed's fields in the seed's order,
 * the Enabled switch, and the extras in a separate "Advanced" section. Warnings of the stored
 * settings appear in yellow beside the field they concern; validation errors in red.
 */
export function EmailSettingsForm({
  initial,
  endpoints,
  onSave,
  defaultRecipient,
  notice,
  saveLabel,
}: EmailSettingsFormProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const warningText = useWarningText();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(EMAIL_FIELDS);
  const [values, setValues] = useState<Values>(() => toValues(initial));
  const [password, setPassword] = useState<SecretState>({ value: "", remove: false });
  const [clientSecret, setClientSecret] = useState<SecretState>({ value: "", remove: false });
  const [warnings, setWarnings] = useState<EmailWarning[]>(initial.warnings);
  const [pending, setPending] = useState(false);
  const [testOpened, setTestOpened] = useState(false);
  const [recipient, setRecipient] = useState(defaultRecipient);
  const [advancedOpened, setAdvancedOpened] = useState(() =>
    initial.warnings.some((w) => ADVANCED_FIELDS.has(w.field)),
  );
  const presets = useQuery({
    queryKey: [...endpoints.key, "presets"],
    queryFn: endpoints.presets,
    staleTime: Infinity,
  });
  const preset = presets.data?.items.find((p) => p.id === values.provider) ?? null;

  const warningFor = useMemo(() => {
    const map = new Map<string, EmailWarning[]>();
    for (const w of warnings) map.set(w.field, [...(map.get(w.field) ?? []), w]);
    return map;
  }, [warnings]);

  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    errors.clearField(key);
  };

  const applyPreset = (id: string | null) => {
    const chosen = presets.data?.items.find((p) => p.id === id);
    if (!chosen) {
      set("provider", "custom");
      return;
    }
    setValues((v) => ({
      ...v,
      provider: chosen.id,
      smtpHost: chosen.smtpHost,
      smtpPort: chosen.smtpPort,
      tlsMode: chosen.tlsMode,
      authMethod: chosen.authMethod,
      secureConnection: true,
      oauthTokenUrl: chosen.oauthTokenUrl ?? v.oauthTokenUrl,
      oauthScope: chosen.oauthScope ?? v.oauthScope,
    }));
    const changed = ["smtpHost", "smtpPort", "tlsMode", "authMethod", "secureConnection"];
    for (const key of changed) errors.clearField(key);
    setWarnings((list) => list.filter((w) => !changed.includes(w.field)));
  };

  /** The form as the API's settings object, or field errors when a number is not a number. */
  const build = (): { body: EmailSettingsInput } | { invalid: FieldErrors } => {
    const invalid: FieldErrors = {};
    const numbers: Record<string, number | null> = {};
    for (const [key, rule] of Object.entries(numberRules)) {
      const raw = values[key as keyof typeof numberRules];
      if (raw === "" && rule.nullable) {
        numbers[key] = null;
        continue;
      }
      if (typeof raw !== "number" || !Number.isInteger(raw) || raw < rule.min || raw > rule.max) {
        invalid[key] = t("validation.range", { min: rule.min, max: rule.max });
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
  };

  const showInvalid = (invalid: FieldErrors) => {
    errors.setFormError(null);
    errors.setFieldErrors(invalid);
    if (Object.keys(invalid).some((key) => ADVANCED_FIELDS.has(key))) setAdvancedOpened(true);
    // The advanced section may be opening: focus once it is rendered.
    window.setTimeout(() => focusFirstInvalid(formRef.current, invalid), 0);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const built = build();
    if ("invalid" in built) {
      showInvalid(built.invalid);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      const saved = await onSave(built.body);
      // Start again from what is stored now: secrets empty (write-only), the new warnings beside their fields.
      setValues(toValues(saved));
      setPassword({ value: "", remove: false });
      setClientSecret({ value: "", remove: false });
      setWarnings(saved.warnings);
      if (saved.warnings.some((w) => ADVANCED_FIELDS.has(w.field))) setAdvancedOpened(true);
    } catch (error) {
      const placed = errors.show(error);
      if (Object.keys(placed).some((key) => ADVANCED_FIELDS.has(key))) setAdvancedOpened(true);
      window.setTimeout(() => focusFirstInvalid(formRef.current, placed), 0);
    } finally {
      setPending(false);
    }
  };

  const openTest = () => {
    const built = build();
    if ("invalid" in built) {
      showInvalid(built.invalid);
      return;
    }
    setTestOpened(true);
  };

  /** Errors of the test request that concern the settings land next to the form's fields. */
  const showTestFieldErrors = (fieldErrors: { path: string; message: string }[]) => {
    const placed: FieldErrors = {};
    for (const e of fieldErrors) {
      const path = normalizePath(e.path).replace(/^settings\./, "");
      if ((EMAIL_FIELDS as readonly string[]).includes(path)) placed[path] ??= e.message;
    }
    if (Object.keys(placed).length > 0) {
      errors.setFieldErrors(placed);
      if (Object.keys(placed).some((key) => ADVANCED_FIELDS.has(key))) setAdvancedOpened(true);
    }
  };

  const fe = errors.fieldErrors;
  const warn = (field: string) => <FieldWarnings warnings={warningFor.get(field)} field={field} text={warningText} />;
  const dismissWarnings = (field: string) => setWarnings((list) => list.filter((w) => w.field !== field));

  const text = (
    key:
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
      | "oauthScope",
    label: string,
    description: ReactNode,
    extra: { placeholder?: string; type?: string; autoComplete?: string } = {},
  ) => (
    <Box>
      <TextInput
        name={key}
        label={label}
        description={description}
        value={values[key]}
        onChange={(e) => {
          set(key, e.currentTarget.value);
          dismissWarnings(key);
        }}
        error={fe[key]}
        spellCheck={false}
        autoCapitalize="none"
        autoComplete={extra.autoComplete ?? "off"}
        placeholder={extra.placeholder}
        type={extra.type}
      />
      {warn(key)}
    </Box>
  );

  const number = (
    key: keyof typeof numberRules,
    label: string,
    description: ReactNode,
    extra: { placeholder?: string; unit?: string; maw?: number; inputMaw?: number } = {},
  ) => (
    <Box maw={extra.maw}>
      <NumberInput
        name={key}
        label={label}
        description={description}
        value={values[key]}
        onChange={(value) => {
          set(key, value);
          dismissWarnings(key);
        }}
        error={fe[key]}
        min={numberRules[key].min}
        max={numberRules[key].max}
        allowDecimal={false}
        allowNegative={false}
        clampBehavior="none"
        hideControls
        placeholder={extra.placeholder}
        rightSection={
          extra.unit ? (
            <Text size="xs" c="dimmed">
              {extra.unit}
            </Text>
          ) : undefined
        }
        rightSectionPointerEvents="none"
        rightSectionWidth={extra.unit && extra.unit.length > 2 ? 64 : 36}
        styles={extra.inputMaw ? { input: { maxWidth: extra.inputMaw } } : undefined}
      />
      {warn(key)}
    </Box>
  );

  const storedSecret = (
    has: boolean,
    state: SecretState,
    setState: (s: SecretState) => void,
    testPrefix: string,
    texts: { stored: string; removing: string; remove: string },
  ) =>
    has ? (
      <Group gap={6} mt={6} wrap="nowrap" data-testid={`${testPrefix}-stored`}>
        <IconLock size={14} color="var(--mantine-color-dimmed)" style={{ flexShrink: 0 }} />
        <Text size="xs" c={state.remove ? "red" : "dimmed"} data-testid={`${testPrefix}-status`}>
          {state.remove ? texts.removing : texts.stored}
        </Text>
        <Anchor
          component="button"
          type="button"
          size="xs"
          c={state.remove ? undefined : "red"}
          onClick={() => setState({ value: "", remove: !state.remove })}
          data-testid={`${testPrefix}-remove`}
        >
          {state.remove ? t("email.undo") : texts.remove}
        </Anchor>
      </Group>
    ) : null;

  const sectionTitle = (title: string, description?: string) => (
    <div>
      <Title order={3} fz="md">
        {title}
      </Title>
      {description ? (
        <Text size="sm" c="dimmed">
          {description}
        </Text>
      ) : null}
    </div>
  );

  const testSkipped = [
    ...(values.secureConnection ? [] : (["tls"] as const)),
    ...(values.smtpUsername.trim() || values.authMethod === "oauth2" ? [] : (["auth"] as const)),
  ];

  return (
    <>
      <form ref={formRef} onSubmit={submit} noValidate data-testid="email-settings-form">
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Stack gap="lg">
              <Paper withBorder radius="md" p="lg">
                <Stack gap="md">
                  {sectionTitle(t("email.serverSection"), t("email.serverSectionHint"))}
                  {text("smtpHost", t("email.fields.smtpHost"), t("email.help.smtpHost"), {
                    placeholder: "smtp.example.com",
                  })}
                  {text("smtpDomain", t("email.fields.smtpDomain"), t("email.help.smtpDomain"))}
                  {number("smtpPort", t("email.fields.smtpPort"), t("email.help.smtpPort"), {
                    placeholder: "587",
                    inputMaw: 200,
                  })}
                  {text("smtpUsername", t("email.fields.smtpUsername"), t("email.help.smtpUsername"), {
                    autoComplete: "off",
                  })}
                  <Box>
                    <PasswordField
                      name="smtpPassword"
                      label={t("email.fields.smtpPassword")}
                      description={t("email.help.smtpPassword")}
                      value={password.value}
                      onChange={(e) => {
                        setPassword({ value: e.currentTarget.value, remove: false });
                        errors.clearField("smtpPassword");
                      }}
                      error={fe.smtpPassword}
                      autoComplete="new-password"
                      placeholder={
                        initial.hasSmtpPassword && !password.remove ? t("email.passwordStoredPlaceholder") : undefined
                      }
                    />
                    {storedSecret(initial.hasSmtpPassword, password, setPassword, "smtp-password", {
                      stored: t("email.passwordStored"),
                      removing: t("email.passwordRemoving"),
                      remove: t("email.removePassword"),
                    })}
                  </Box>
                  {text("fromAddress", t("email.fields.fromAddress"), t("email.help.fromAddress"), {
                    placeholder: "dirigent@example.com",
                    type: "email",
                  })}
                  {text("fromDisplayName", t("email.fields.fromDisplayName"), t("email.help.fromDisplayName"), {
                    placeholder: t("email.fromDisplayNamePlaceholder"),
                  })}
                  <Box>
                    <Switch
                      name="secureConnection"
                      label={t("email.fields.secureConnection")}
                      description={t("email.help.secureConnection")}
                      checked={values.secureConnection}
                      onChange={(e) => {
                        set("secureConnection", e.currentTarget.checked);
                        dismissWarnings("secureConnection");
                      }}
                      error={fe.secureConnection}
                    />
                    {warn("secureConnection")}
                  </Box>
                </Stack>
              </Paper>

              <Paper withBorder radius="md" p="lg">
                <Switch
                  name="enabled"
                  size="md"
                  label={<Text fw={600}>{t("email.fields.enabled")}</Text>}
                  description={t("email.help.enabled")}
                  checked={values.enabled}
                  onChange={(e) => set("enabled", e.currentTarget.checked)}
                  error={fe.enabled}
                  data-testid="email-enabled"
                />
              </Paper>

              <Paper withBorder radius="md" p={0}>
                <UnstyledButton
                  w="100%"
                  px="lg"
                  py="md"
                  onClick={() => setAdvancedOpened((o) => !o)}
                  aria-expanded={advancedOpened}
                  data-testid="email-advanced-toggle"
                >
                  <Group justify="space-between" wrap="nowrap">
                    <div>
                      <Title order={3} fz="md">
                        {t("email.advanced")}
                      </Title>
                      <Text size="sm" c="dimmed">
                        {t("email.advancedHint")}
                      </Text>
                    </div>
                    {advancedOpened ? <IconChevronDown size={18} /> : <IconChevronRight size={18} />}
                  </Group>
                </UnstyledButton>
                <Collapse expanded={advancedOpened}>
                  <Stack gap="lg" px="lg" pb="lg" data-testid="email-advanced">
                    <Divider label={t("email.tlsSection")} labelPosition="left" />
                    <Box>
                      <SegmentedField<TlsMode>
                        name="tlsMode"
                        label={t("email.fields.tlsMode")}
                        description={t("email.help.tlsMode")}
                        value={values.tlsMode}
                        onChange={(value) => {
                          set("tlsMode", value);
                          dismissWarnings("tlsMode");
                        }}
                        error={fe.tlsMode}
                        disabled={!values.secureConnection}
                        data={[
                          { value: "auto", label: t("email.tlsModes.auto") },
                          { value: "starttls", label: t("email.tlsModes.starttls") },
                          { value: "implicit", label: t("email.tlsModes.implicit") },
                        ]}
                        testId="tlsMode"
                      />
                      {warn("tlsMode")}
                    </Box>
                    <Textarea
                      name="caCertificatePem"
                      label={t("email.fields.caCertificatePem")}
                      description={t("email.help.caCertificatePem")}
                      placeholder={"-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----"}
                      value={values.caCertificatePem}
                      onChange={(e) => set("caCertificatePem", e.currentTarget.value)}
                      error={fe.caCertificatePem}
                      autosize
                      minRows={3}
                      maxRows={10}
                      spellCheck={false}
                      styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 12 } }}
                    />
                    {text("tlsServername", t("email.fields.tlsServername"), t("email.help.tlsServername"))}
                    <Paper
                      radius="md"
                      p="md"
                      withBorder
                      style={{
                        borderColor: "var(--mantine-color-red-3)",
                        background: values.allowInvalidCertificates ? "var(--mantine-color-red-0)" : undefined,
                      }}
                    >
                      <Switch
                        name="allowInvalidCertificates"
                        color="red"
                        label={
                          <Group gap={6} wrap="nowrap">
                            <IconShieldExclamation size={16} color="var(--mantine-color-red-7)" />
                            <Text size="sm" fw={600} c="red.8">
                              {t("email.fields.allowInvalidCertificates")}
                            </Text>
                            <Badge color="red" size="xs" variant="filled">
                              {t("email.dangerous")}
                            </Badge>
                          </Group>
                        }
                        description={t("email.help.allowInvalidCertificates")}
                        checked={values.allowInvalidCertificates}
                        onChange={(e) => {
                          set("allowInvalidCertificates", e.currentTarget.checked);
                          dismissWarnings("allowInvalidCertificates");
                        }}
                        error={fe.allowInvalidCertificates}
                      />
                      {warn("allowInvalidCertificates")}
                    </Paper>

                    <Divider label={t("email.addressesSection")} labelPosition="left" />
                    {text("replyTo", t("email.fields.replyTo"), t("email.help.replyTo"), { type: "email" })}
                    {text("envelopeSender", t("email.fields.envelopeSender"), t("email.help.envelopeSender"), {
                      type: "email",
                    })}

                    <Divider label={t("email.authSection")} labelPosition="left" />
                    <SegmentedField<EmailAuthMethod>
                      name="authMethod"
                      label={t("email.fields.authMethod")}
                      description={t("email.help.authMethod")}
                      value={values.authMethod}
                      onChange={(value) => set("authMethod", value)}
                      error={fe.authMethod}
                      data={[
                        { value: "password", label: t("email.authMethods.password") },
                        { value: "oauth2", label: t("email.authMethods.oauth2") },
                      ]}
                      testId="authMethod"
                    />
                    {values.authMethod === "oauth2" ? (
                      <Stack gap="md" data-testid="oauth-fields">
                        {text("oauthTokenUrl", t("email.fields.oauthTokenUrl"), t("email.help.oauthTokenUrl"), {
                          placeholder: "https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token",
                        })}
                        {text("oauthClientId", t("email.fields.oauthClientId"), t("email.help.oauthClientId"))}
                        <Box>
                          <PasswordField
                            name="oauthClientSecret"
                            label={t("email.fields.oauthClientSecret")}
                            description={t("email.help.oauthClientSecret")}
                            value={clientSecret.value}
                            onChange={(e) => {
                              setClientSecret({ value: e.currentTarget.value, remove: false });
                              errors.clearField("oauthClientSecret");
                            }}
                            error={fe.oauthClientSecret}
                            autoComplete="new-password"
                            placeholder={
                              initial.hasOauthClientSecret && !clientSecret.remove
                                ? t("email.passwordStoredPlaceholder")
                                : undefined
                            }
                          />
                          {storedSecret(initial.hasOauthClientSecret, clientSecret, setClientSecret, "oauth-secret", {
                            stored: t("email.secretStored"),
                            removing: t("email.secretRemoving"),
                            remove: t("email.removeSecret"),
                          })}
                        </Box>

                        {text("oauthScope", t("email.fields.oauthScope"), t("email.help.oauthScope"))}
                      </Stack>
                    ) : null}

                    <Divider label={t("email.limitsSection")} labelPosition="left" />
                    <Text size="xs" c="dimmed" mt={-8}>
                      {t("email.help.timeouts")}
                    </Text>
                    <SimpleGrid cols={{ base: 1, sm: 3 }}>
                      {number("connectionTimeoutMs", t("email.fields.connectionTimeoutMs"), undefined, { unit: "ms" })}
                      {number("greetingTimeoutMs", t("email.fields.greetingTimeoutMs"), undefined, { unit: "ms" })}
                      {number("socketTimeoutMs", t("email.fields.socketTimeoutMs"), undefined, { unit: "ms" })}
                    </SimpleGrid>
                    {number("rateLimitPerMinute", t("email.fields.rateLimitPerMinute"), t("email.help.rateLimit"), {
                      placeholder: t("email.noLimit"),
                      unit: t("email.perMinute"),
                      maw: 320,
                    })}
                  </Stack>
                </Collapse>
              </Paper>
            </Stack>
          </Grid.Col>

          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Stack gap="lg" style={{ position: "sticky", top: 80 }}>
              <Paper withBorder radius="md" p="lg">
                <Stack gap="sm">
                  {sectionTitle(t("email.presetTitle"), t("email.presetHint"))}
                  <Select
                    name="provider"
                    aria-label={t("email.fields.provider")}
                    data={[
                      { value: "custom", label: t("email.providers.custom") },
                      ...(presets.data?.items ?? []).map((p) => ({ value: p.id, label: providerLabel(p, t) })),
                    ]}
                    value={values.provider}
                    onChange={applyPreset}
                    allowDeselect={false}
                    comboboxProps={{ withinPortal: true }}
                    data-testid="email-preset"
                  />
                  {preset ? <PresetNotes preset={preset} /> : null}
                </Stack>
              </Paper>
              <Paper withBorder radius="md" p="lg">
                <Stack gap="sm">
                  {sectionTitle(t("email.test.title"), t("email.test.cardHint"))}
                  <Button
                    variant="light"
                    leftSection={<IconSend size={18} />}
                    onClick={openTest}
                    data-testid="email-test-open"
                  >
                    {t("email.test.button")}
                  </Button>
                </Stack>
              </Paper>
              {warnings.length > 0 ? (
                <Alert
                  color="yellow"
                  variant="light"
                  icon={<IconAlertTriangle />}
                  title={t("email.warningsTitle", { count: warnings.length })}
                  data-testid="email-warnings"
                >
                  <List size="sm" spacing={4}>
                    {warnings.map((w) => (
                      <List.Item key={w.code}>{warningText(w)}</List.Item>
                    ))}
                  </List>
                </Alert>
              ) : null}
            </Stack>
          </Grid.Col>
        </Grid>

        <Paper withBorder radius="md" p="md" mt="lg">
          <Stack gap="sm">
            <FormError message={errors.formError} type={errors.formErrorType} />
            {notice}
            <Group justify="space-between" wrap="wrap" gap="sm">
              <Text size="xs" c="dimmed" data-testid="email-updated">
                {initial.updatedAt
                  ? t("email.lastSaved", { date: format.dateTime(initial.updatedAt), name: initial.updatedBy ?? "—" })
                  : t("email.neverSaved")}
              </Text>
              <Group gap="sm">
                <Button
                  type="submit"
                  leftSection={<IconDeviceFloppy size={18} />}
                  loading={pending}
                  data-testid="email-save"
                >
                  {saveLabel ?? t("common.save")}
                </Button>
              </Group>
            </Group>
          </Stack>
        </Paper>
      </form>
      <TestEmailModal
        opened={testOpened}
        onClose={() => setTestOpened(false)}
        defaultRecipient={recipient}
        onRecipient={setRecipient}
        skipped={testSkipped}
        send={(to) => {
          const built = build();
          if ("invalid" in built) throw new Error(t("email.test.fixFields"));
          return endpoints.test({ to, settings: built.body });
        }}
        onFieldErrors={showTestFieldErrors}
        fieldLabel={(name) => fieldLabels(t)[name] ?? name}
      />
    </>
  );
}

/** Labels of the settings fields, for messages that name a field. */
function fieldLabels(t: TFunction) {
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

function providerLabel(preset: EmailPreset, t: TFunction): string {
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

/** A preset's known pitfalls, in the UI's language where Dirigent knows them (else as the server sent them). */
function PresetNotes({ preset }: { preset: EmailPreset }) {
  const { t } = useTranslation();
  const translated: Partial<Record<EmailProvider, string>> = {
    gmail: t("email.presetNotes.gmail"),
    microsoft365: t("email.presetNotes.microsoft365"),
    ses: t("email.presetNotes.ses"),
    sendgrid: t("email.presetNotes.sendgrid"),
    mailgun: t("email.presetNotes.mailgun"),
  };
  const notes = translated[preset.id]?.split("\n") ?? preset.notes;
  if (notes.length === 0) return null;
  return (
    <Alert color="blue" variant="light" icon={<IconInfoCircle />} p="sm" data-testid="email-preset-notes">
      <List size="sm" spacing={6} style={{ overflowWrap: "anywhere" }}>
        {notes.map((note) => (
          <List.Item key={note}>{note}</List.Item>
        ))}
      </List>
    </Alert>
  );
}

/** Yellow, non-blocking notes of the stored settings, under the field they concern. */
function FieldWarnings({
  warnings,
  field,
  text,
}: {
  warnings: EmailWarning[] | undefined;
  field: string;
  text: (w: EmailWarning) => string;
}) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <Stack gap={4} mt={6} data-testid={`warning-${field}`}>
      {warnings.map((w) => (
        <Group
          key={w.code}
          gap={6}
          wrap="nowrap"
          align="flex-start"
          px="xs"
          py={4}
          style={{
            borderRadius: 6,
            background: "var(--mantine-color-yellow-0)",
            border: "1px solid var(--mantine-color-yellow-3)",
          }}
          data-code={w.code}
        >
          <IconAlertTriangle size={14} color="var(--mantine-color-yellow-8)" style={{ flexShrink: 0, marginTop: 3 }} />
          <Text size="xs" c="yellow.9">
            {text(w)}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}
