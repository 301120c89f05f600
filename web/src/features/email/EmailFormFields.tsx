import { Anchor, Box, Group, NumberInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconAlertTriangle, IconLock } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { EmailWarning } from "../../api/types";
import { PasswordField } from "../../components/PasswordField";
import { type EmailNumberKey, type EmailTextKey, numberRules } from "./emailFormModel";
import { useWarningText } from "./labels";
import type { EmailForm, SecretName } from "./useEmailForm";

/** The pieces every section of the SMTP settings form is built from. */

export function SectionTitle({ title, description }: { title: string; description?: string }) {
  return (
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
}

/** Yellow, non-blocking notes of the stored settings, under the field they concern. */
export function FieldWarnings({ form, field }: { form: EmailForm; field: string }) {
  const text = useWarningText();
  const warnings: EmailWarning[] | undefined = form.warningFor.get(field);
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

interface FieldProps<K> {
  form: EmailForm;
  name: K;
  /** Default: `email.fields.<name>`. */
  label?: string;
  /** Default: `email.help.<name>` where the texts have one. */
  description?: ReactNode;
  placeholder?: string;
}

/** A field's label and help as the texts name them after the API's field (`email.fields.*`, `email.help.*`). */
function useFieldTexts(name: EmailTextKey | EmailNumberKey | SecretName, label?: string, description?: ReactNode) {
  const { t, i18n } = useTranslation();
  const help = `email.help.${name}`;
  return {
    label: label ?? t(`email.fields.${name}`),
    // Not every field has help: the key is checked before it is used, hence the untyped lookup.
    description: description !== undefined ? description : i18n.exists(help) ? String(t(help as never)) : undefined,
  };
}

/** A text field named as the API names it, with its error and the stored settings' warnings. */
export function EmailTextField({
  form,
  name,
  label,
  description,
  placeholder,
  type,
  autoComplete,
}: FieldProps<EmailTextKey> & { type?: string; autoComplete?: string }) {
  const texts = useFieldTexts(name, label, description);
  return (
    <Box>
      <TextInput
        name={name}
        label={texts.label}
        description={texts.description}
        value={form.values[name]}
        onChange={(e) => form.edit(name, e.currentTarget.value)}
        error={form.errors.fieldErrors[name]}
        spellCheck={false}
        autoCapitalize="none"
        autoComplete={autoComplete ?? "off"}
        placeholder={placeholder}
        type={type}
      />
      <FieldWarnings form={form} field={name} />
    </Box>
  );
}

/** A whole-number field within `numberRules`; out-of-range values are left for the form's check. */
export function EmailNumberField({
  form,
  name,
  label,
  description,
  placeholder,
  unit,
  maw,
  inputMaw,
}: FieldProps<EmailNumberKey> & { unit?: string; maw?: number; inputMaw?: number }) {
  const texts = useFieldTexts(name, label, description);
  return (
    <Box maw={maw}>
      <NumberInput
        name={name}
        label={texts.label}
        description={texts.description}
        value={form.values[name]}
        onChange={(value) => form.edit(name, value)}
        error={form.errors.fieldErrors[name]}
        min={numberRules[name].min}
        max={numberRules[name].max}
        allowDecimal={false}
        allowNegative={false}
        clampBehavior="none"
        hideControls
        placeholder={placeholder}
        rightSection={
          unit ? (
            <Text size="xs" c="dimmed">
              {unit}
            </Text>
          ) : undefined
        }
        rightSectionPointerEvents="none"
        rightSectionWidth={unit && unit.length > 2 ? 64 : 36}
        styles={inputMaw ? { input: { maxWidth: inputMaw } } : undefined}
      />
      <FieldWarnings form={form} field={name} />
    </Box>
  );
}

/**
 * A write-only secret: never prefilled; an empty field keeps the stored value, and "Remove stored …"
 * (shown only when one is stored) sends `null`.
 */
export function SecretField({
  form,
  name,
  label,
  description,
  stored,
  testPrefix,
  texts,
}: {
  form: EmailForm;
  name: SecretName;
  label?: string;
  description?: string;
  stored: boolean;
  testPrefix: string;
  texts: { stored: string; removing: string; remove: string };
}) {
  const { t } = useTranslation();
  const fieldTexts = useFieldTexts(name, label, description);
  const state = form.secrets[name];
  return (
    <Box>
      <PasswordField
        name={name}
        label={fieldTexts.label}
        description={fieldTexts.description}
        value={state.value}
        onChange={(e) => form.setSecret(name, { value: e.currentTarget.value, remove: false })}
        error={form.errors.fieldErrors[name]}
        autoComplete="new-password"
        placeholder={stored && !state.remove ? t("email.passwordStoredPlaceholder") : undefined}
      />
      {stored ? (
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
            onClick={() => form.toggleSecretRemoval(name)}
            data-testid={`${testPrefix}-remove`}
          >
            {state.remove ? t("email.undo") : texts.remove}
          </Anchor>
        </Group>
      ) : null}
    </Box>
  );
}
