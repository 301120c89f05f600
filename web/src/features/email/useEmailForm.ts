import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { EmailPreset, EmailWarning, HostEmailSettings } from "../../api/types";
import { useFormErrors } from "../../lib/errors";
import {
  buildEmailBody,
  EMAIL_FIELDS,
  type EmailFormValues,
  emptySecret,
  type SecretState,
  touchesAdvanced,
  toValues,
} from "./emailFormModel";

/** The two write-only secrets of the form. */
export type SecretName = "smtpPassword" | "oauthClientSecret";

/**
 * The state of the SMTP settings form, shared by its sections: values, the write-only secrets,
 * the stored settings' warnings, field errors, and whether the "Advanced" section is open.
 * Its surface (`values`, `setFieldValue`, `errors`) follows `@mantine/form`'s `useForm`, so the
 * form can move onto that package without touching the sections.
 */
export function useEmailForm(initial: HostEmailSettings) {
  const { t } = useTranslation();
  const errors = useFormErrors(EMAIL_FIELDS);
  const [values, setValues] = useState<EmailFormValues>(() => toValues(initial));
  const [secrets, setSecrets] = useState<Record<SecretName, SecretState>>({
    smtpPassword: emptySecret,
    oauthClientSecret: emptySecret,
  });
  const [warnings, setWarnings] = useState<EmailWarning[]>(initial.warnings);
  const [advancedOpened, setAdvancedOpened] = useState(() => touchesAdvanced(initial.warnings.map((w) => w.field)));

  const warningFor = useMemo(() => {
    const map = new Map<string, EmailWarning[]>();
    for (const w of warnings) map.set(w.field, [...(map.get(w.field) ?? []), w]);
    return map;
  }, [warnings]);

  /** A new value; the field's error goes away. */
  const setFieldValue = <K extends keyof EmailFormValues>(key: K, value: EmailFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    errors.clearField(key);
  };

  const dismissWarnings = (field: string) => setWarnings((list) => list.filter((w) => w.field !== field));

  /** A value typed by the user: the field's error and the stored settings' warnings about it go away. */
  const edit = <K extends keyof EmailFormValues>(key: K, value: EmailFormValues[K]) => {
    setFieldValue(key, value);
    dismissWarnings(key);
  };

  const setSecret = (name: SecretName, state: SecretState) => {
    setSecrets((s) => ({ ...s, [name]: state }));
    errors.clearField(name);
  };

  /** "Remove stored …" and its undo: the typed value goes either way. */
  const toggleSecretRemoval = (name: SecretName) =>
    setSecrets((s) => ({ ...s, [name]: { value: "", remove: !s[name].remove } }));

  /** Opens the "Advanced" section when one of these fields is in it. */
  const revealAdvanced = (fields: Iterable<string>) => {
    if (touchesAdvanced(fields)) setAdvancedOpened(true);
  };

  /** A provider preset fills the connection fields; "custom" (or an unknown id) keeps them. */
  const applyPreset = (chosen: EmailPreset | undefined) => {
    if (!chosen) {
      setFieldValue("provider", "custom");
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

  /** Starts again from what is stored now: secrets empty (write-only), the new warnings beside their fields. */
  const reset = (saved: HostEmailSettings) => {
    setValues(toValues(saved));
    setSecrets({ smtpPassword: emptySecret, oauthClientSecret: emptySecret });
    setWarnings(saved.warnings);
    revealAdvanced(saved.warnings.map((w) => w.field));
  };

  const build = () =>
    buildEmailBody(values, secrets.smtpPassword, secrets.oauthClientSecret, (rule) =>
      t("validation.range", { min: rule.min, max: rule.max }),
    );

  return {
    values,
    setFieldValue,
    edit,
    secrets,
    setSecret,
    toggleSecretRemoval,
    warnings,
    warningFor,
    errors,
    advancedOpened,
    toggleAdvanced: () => setAdvancedOpened((o) => !o),
    revealAdvanced,
    applyPreset,
    reset,
    build,
  };
}

export type EmailForm = ReturnType<typeof useEmailForm>;
