import { Input, SegmentedControl } from "@mantine/core";
import { type ReactNode, useId } from "react";

/** A SegmentedControl with a form label, description and error like every other field. */
export function SegmentedField<T extends string>({
  label,
  description,
  error,
  value,
  onChange,
  data,
  color,
  testId,
  name,
  disabled,
}: {
  label: string;
  description?: ReactNode;
  error?: string;
  value: T;
  onChange: (value: T) => void;
  data: { value: T; label: string }[];
  color?: string;
  testId?: string;
  /** The radio group's name: the API field it edits. */
  name?: string;
  disabled?: boolean;
}) {
  const labelId = useId();
  return (
    <Input.Wrapper
      label={label}
      description={description}
      error={error}
      labelElement="div"
      labelProps={{ id: labelId }}
    >
      <SegmentedControl
        fullWidth
        mt={4}
        aria-labelledby={labelId}
        value={value}
        onChange={(next) => onChange(next as T)}
        data={data}
        color={color}
        name={name}
        disabled={disabled}
        data-testid={testId}
      />
    </Input.Wrapper>
  );
}
