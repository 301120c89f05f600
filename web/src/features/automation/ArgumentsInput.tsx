import { JsonInput, NumberInput, SegmentedControl, Select, Stack, Switch, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  title?: string;
  description?: string;
};

/** A schema the typed form can show: an object with named properties. */
function formSchema(schema: unknown): (Schema & { properties: Record<string, Schema> }) | null {
  if (!schema || typeof schema !== "object") return null;
  const s = schema as Schema;
  return s.properties && Object.keys(s.properties).length > 0
    ? (s as Schema & { properties: Record<string, Schema> })
    : null;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text || "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const typeOf = (s: Schema) => (Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type);

/** One property of the entry point's input as a field of its type. */
function Field({
  name,
  schema,
  required,
  value,
  onChange,
}: {
  name: string;
  schema: Schema;
  required: boolean;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const label = schema.title ?? name;
  const common = { label, description: schema.description, required, "data-testid": `arg-${name}` };
  const type = typeOf(schema);
  if (schema.enum)
    return (
      <Select
        {...common}
        data={schema.enum.map((v) => ({ value: JSON.stringify(v), label: String(v) }))}
        value={value === undefined ? null : JSON.stringify(value)}
        onChange={(v) => onChange(v === null ? undefined : JSON.parse(v))}
        clearable={!required}
      />
    );
  if (type === "boolean")
    return <Switch {...common} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />;
  if (type === "number" || type === "integer")
    return (
      <NumberInput
        {...common}
        value={typeof value === "number" ? value : ""}
        allowDecimal={type === "number"}
        onChange={(v) => onChange(typeof v === "number" ? v : undefined)}
      />
    );
  if (type === "object" || type === "array") return <JsonFieldInput {...common} value={value} onChange={onChange} />;
  return (
    <TextInput
      {...common}
      value={typeof value === "string" ? value : value === undefined ? "" : String(value)}
      onChange={(e) => onChange(e.currentTarget.value === "" && !required ? undefined : e.currentTarget.value)}
    />
  );
}

/** A nested object or list, edited as JSON; kept as typed text until it parses. */
function JsonFieldInput(props: {
  label: string;
  description?: string;
  required: boolean;
  "data-testid": string;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(props.value === undefined ? "" : JSON.stringify(props.value, null, 2));
  return (
    <JsonInput
      label={props.label}
      description={props.description}
      required={props.required}
      data-testid={props["data-testid"]}
      value={text}
      autosize
      minRows={2}
      validationError={t("automation.invalidJson")}
      onChange={(v) => {
        setText(v);
        try {
          props.onChange(v.trim() === "" ? undefined : JSON.parse(v));
        } catch {
          // Kept as text until it is valid JSON.
        }
      }}
      styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 13 } }}
    />
  );
}

/**
 * A job's `inputArguments`: a typed form built from the entry point's `inputSchema` (text,
 * number, yes/no, a choice for `enum`, JSON for nested objects and lists), or the raw JSON editor
 * (monospace, formatted on blur, server errors line by line). Both edit the same JSON text.
 */
export function ArgumentsInput(props: {
  label: string;
  description: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  testId: string;
  schema?: unknown;
}) {
  const { t } = useTranslation();
  const schema = formSchema(props.schema);
  const [mode, setMode] = useState<"form" | "json">("form");
  const values = parseObject(props.value);
  const showForm = schema !== null && mode === "form" && values !== null;
  const json = (
    <JsonInput
      name="inputArguments"
      label={schema ? undefined : props.label}
      description={schema ? undefined : props.description}
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
  if (!schema) return json;
  return (
    <Stack gap="xs">
      <Stack gap={2}>
        <Text size="sm" fw={500}>
          {props.label}
        </Text>
        <SegmentedControl
          size="xs"
          value={showForm ? "form" : "json"}
          onChange={(v) => setMode(v === "json" ? "json" : "form")}
          data={[
            { value: "form", label: t("automation.argumentsForm"), disabled: values === null },
            { value: "json", label: t("automation.argumentsJson") },
          ]}
          data-testid="arguments-mode"
          w={240}
        />
      </Stack>
      {showForm ? (
        <Stack gap="sm" data-testid="arguments-form">
          {Object.entries(schema.properties).map(([name, property]) => (
            <Field
              key={name}
              name={name}
              schema={property}
              required={schema.required?.includes(name) ?? false}
              value={values[name]}
              onChange={(v) => {
                const next = { ...values };
                if (v === undefined) delete next[name];
                else next[name] = v;
                props.onChange(JSON.stringify(next, null, 2));
              }}
            />
          ))}
          {props.error ? (
            <Text size="xs" c="red" style={{ whiteSpace: "pre-line" }}>
              {props.error}
            </Text>
          ) : null}
        </Stack>
      ) : (
        json
      )}
    </Stack>
  );
}
