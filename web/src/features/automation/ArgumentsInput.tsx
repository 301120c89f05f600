import { JsonInput } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** The JSON editor of a job's `inputArguments`: monospace, formatted on blur, server errors line by line. */
export function ArgumentsInput(props: {
  label: string;
  description: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <JsonInput
      name="inputArguments"
      label={props.label}
      description={props.description}
      value={props.value}
      onChange={props.onChange}
      autosize
      minRows={4}
      maxRows={14}
      formatOnBlur
      validationError={t("automation.invalidJson")}
      error={props.error}
      styles={{
        input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 13 },
        error: { whiteSpace: "pre-line" },
      }}
      data-testid={props.testId}
    />
  );
}
