import { NumberInput, SegmentedControl, SimpleGrid, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { AssetType } from "../../../../src/shared/assets";
import { PasswordField } from "../../components/PasswordField";
import type { AssetValueInput, AssetValueView } from "./api";

/** The editable state of one value, whatever the type (only the type's own fields are sent). */
export interface ValueDraft {
  text: string;
  bool: boolean;
  integer: number | string;
  username: string;
  password: string;
}

export function draftOf(value: AssetValueView | null | undefined): ValueDraft {
  const draft: ValueDraft = { text: "", bool: true, integer: 0, username: "", password: "" };
  if (typeof value === "string") draft.text = value;
  else if (typeof value === "boolean") draft.bool = value;
  else if (typeof value === "number") draft.integer = value;
  else if (value) draft.username = value.username;
  return draft;
}

/**
 * The value to send, or the field errors of the form's own checks. An empty password is left out
 * when a password is stored already (`keepsPassword`): the server keeps it.
 */
export function draftValue(
  type: AssetType,
  draft: ValueDraft,
  keepsPassword: boolean,
  required: string,
  prefix = "value",
): { value: AssetValueInput } | { errors: Record<string, string> } {
  switch (type) {
    case "text":
      return { value: draft.text };
    case "bool":
      return { value: draft.bool };
    case "integer":
      return typeof draft.integer === "number" ? { value: draft.integer } : { errors: { [prefix]: required } };
    case "credential": {
      const errors: Record<string, string> = {};
      if (!draft.username.trim()) errors[`${prefix}.username`] = required;
      if (!draft.password && !keepsPassword) errors[`${prefix}.password`] = required;
      if (Object.keys(errors).length) return { errors };
      return {
        value: { username: draft.username.trim(), ...(draft.password ? { password: draft.password } : {}) },
      };
    }
  }
}

/** The input(s) of one value by type: text area, true/false, number, or user name and a write-only password. */
export function ValueInput({
  type,
  draft,
  onChange,
  errors,
  keepsPassword,
  prefix = "value",
  testPrefix = prefix,
  label,
}: {
  type: AssetType;
  draft: ValueDraft;
  onChange: (draft: ValueDraft) => void;
  errors: Record<string, string | undefined>;
  keepsPassword: boolean;
  prefix?: string;
  /** Prefix of the inputs' test ids, when two value inputs share a page. */
  testPrefix?: string;
  label?: string;
}) {
  const { t } = useTranslation();
  const set = (patch: Partial<ValueDraft>) => onChange({ ...draft, ...patch });
  const valueLabel = label ?? t("assets.value");
  switch (type) {
    case "text":
      return (
        <Textarea
          name={prefix}
          label={valueLabel}
          value={draft.text}
          onChange={(e) => set({ text: e.currentTarget.value })}
          error={errors[prefix]}
          autosize
          minRows={2}
          maxRows={8}
          data-testid={`${testPrefix}-text`}
        />
      );
    case "bool":
      return (
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            {valueLabel}
          </Text>
          <SegmentedControl
            data={[
              { value: "true", label: t("assets.true") },
              { value: "false", label: t("assets.false") },
            ]}
            value={String(draft.bool)}
            onChange={(v) => set({ bool: v === "true" })}
            data-testid={`${testPrefix}-bool`}
          />
        </Stack>
      );
    case "integer":
      return (
        <NumberInput
          name={prefix}
          label={valueLabel}
          value={draft.integer}
          onChange={(v) => set({ integer: v })}
          allowDecimal={false}
          min={Number.MIN_SAFE_INTEGER}
          max={Number.MAX_SAFE_INTEGER}
          error={errors[prefix]}
          data-testid={`${testPrefix}-integer`}
        />
      );
    case "credential":
      return (
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            name={`${prefix}.username`}
            label={t("assets.username")}
            value={draft.username}
            onChange={(e) => set({ username: e.currentTarget.value })}
            error={errors[`${prefix}.username`]}
            autoComplete="off"
            required
            data-testid={`${testPrefix}-username`}
          />
          <PasswordField
            name={`${prefix}.password`}
            label={t("assets.password")}
            description={keepsPassword ? t("assets.passwordKeep") : t("assets.passwordWriteOnly")}
            value={draft.password}
            onChange={(e) => set({ password: e.currentTarget.value })}
            error={errors[`${prefix}.password`]}
            autoComplete="new-password"
            required={!keepsPassword}
            data-testid={`${testPrefix}-password`}
          />
        </SimpleGrid>
      );
  }
}

/** A value as a short text for tables: a credential's user name and dots, never a password. */
export function ValueText({ value }: { value: AssetValueView | null }) {
  const { t } = useTranslation();
  if (value === null)
    return (
      <Text size="sm" c="dimmed" fs="italic">
        {t("assets.noGlobal")}
      </Text>
    );
  if (typeof value === "boolean") return <Text size="sm">{value ? t("assets.true") : t("assets.false")}</Text>;
  if (typeof value === "number")
    return (
      <Text size="sm" ff="monospace">
        {value}
      </Text>
    );
  if (typeof value === "string")
    return (
      <Text size="sm" lineClamp={1} maw={320} title={value.length > 200 ? undefined : value}>
        {value === "" ? <em>{t("assets.emptyText")}</em> : value.slice(0, 200)}
      </Text>
    );
  return (
    <Text size="sm">
      {value.username}{" "}
      <Text span c="dimmed">
        · ••••••
      </Text>
    </Text>
  );
}
