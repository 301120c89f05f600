import { Select } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Locale } from "../api/types";

/** Language of an account (e-mails and UI), always offering both supported languages. */
export function LocaleSelect({
  value,
  onChange,
  name = "locale",
  label,
  error,
}: {
  value: Locale;
  onChange: (value: Locale) => void;
  name?: string;
  label?: string;
  error?: string;
}) {
  const { t } = useTranslation();
  return (
    <Select
      name={name}
      label={label ?? t("fields.language")}
      data={[
        { value: "en", label: "English" },
        { value: "de", label: "Deutsch" },
      ]}
      value={value}
      onChange={(next) => onChange(next === "de" ? "de" : "en")}
      allowDeselect={false}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
