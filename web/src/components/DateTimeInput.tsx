import { TextInput, type TextInputProps } from "@mantine/core";
import type { TFunction } from "i18next";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

type Kind = "date" | "datetime-local" | "time";

interface DateTimeInputProps extends Omit<TextInputProps, "type" | "value" | "onChange"> {
  kind: Kind;
  /** The value as the native input has it: `2025-03-04`, `2025-03-04T05:06` or `05:06`; "" for none. */
  value: string;
  onChange: (value: string) => void;
}

/**
 * A date, date-and-time or time field in the UI's language. The browser's own picker writes dates
 * in the browser's language (`mm/dd/yyyy` in an English Chromium), whatever the page says; so
 * when the UI language differs from the browser's, the field is a text field in the UI's format
 * (`TT.MM.JJJJ HH:MM` in German) that also accepts the ISO form. The value is the native one.
 */
export function DateTimeInput({ kind, value, onChange, error, ...rest }: DateTimeInputProps) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage === "de" ? "de" : "en";
  const native = navigator.language.toLowerCase().startsWith(locale);
  if (native) {
    return (
      <TextInput {...rest} type={kind} value={value} error={error} onChange={(e) => onChange(e.currentTarget.value)} />
    );
  }
  return (
    <TextDateTimeInput {...rest} kind={kind} locale={locale} value={value} onChange={onChange} error={error} t={t} />
  );
}

function TextDateTimeInput({
  kind,
  locale,
  value,
  onChange,
  error,
  t,
  ...rest
}: DateTimeInputProps & { locale: "en" | "de"; t: TFunction }) {
  const [text, setText] = useState(() => display(value, kind, locale));
  const [invalid, setInvalid] = useState(false);
  // The value this field reported last: any other value was set from outside (a reset filter, a
  // loaded record) and replaces what is typed.
  const emitted = useRef(value);
  useEffect(() => {
    if (value !== emitted.current) {
      emitted.current = value;
      setText(display(value, kind, locale));
      setInvalid(false);
    }
  }, [value, kind, locale]);
  const pattern =
    kind === "date" ? t("dateInput.date") : kind === "time" ? t("dateInput.time") : t("dateInput.datetime");
  return (
    <TextInput
      {...rest}
      type="text"
      inputMode="numeric"
      placeholder={pattern}
      value={text}
      error={error ?? (invalid ? t("dateInput.invalid", { pattern }) : undefined)}
      onChange={(e) => {
        const next = e.currentTarget.value;
        setText(next);
        const parsed = parse(next, kind);
        setInvalid(next.trim() !== "" && parsed === null);
        emitted.current = parsed ?? "";
        onChange(parsed ?? "");
      }}
    />
  );
}

const pad = (n: string) => n.padStart(2, "0");

/** The native value in the UI's format (German `04.03.2025 05:06`, English `2025-03-04 05:06`). */
function display(value: string, kind: Kind, locale: "en" | "de"): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value);
  if (kind === "time") return value;
  if (!m) return "";
  const date = locale === "de" ? `${m[3]}.${m[2]}.${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
  return kind === "datetime-local" && m[4] ? `${date} ${m[4]}:${m[5]}` : date;
}

/** What was typed as the native value, or null when it is not a valid date/time (and "" when empty). */
function parse(text: string, kind: Kind): string | null {
  const s = text.trim();
  if (s === "") return "";
  const time = /^(\d{1,2}):(\d{2})$/;
  if (kind === "time") {
    const m = time.exec(s);
    return m && Number(m[1]) < 24 && Number(m[2]) < 60 ? `${pad(m[1] ?? "")}:${m[2]}` : null;
  }
  const [datePart = "", timePart] = s.split(/[\sT]+/);
  const de = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(datePart);
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(datePart);
  const [y, mo, d] = de ? [de[3], de[2], de[1]] : iso ? [iso[1], iso[2], iso[3]] : [];
  if (!y || !mo || !d) return null;
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return null;
  const date = `${y}-${pad(mo)}-${pad(d)}`;
  if (kind === "date") return timePart === undefined ? date : null;
  if (timePart === undefined) return `${date}T00:00`;
  const tm = time.exec(timePart);
  if (!tm || Number(tm[1]) > 23 || Number(tm[2]) > 59) return null;
  return `${date}T${pad(tm[1] ?? "")}:${tm[2]}`;
}
