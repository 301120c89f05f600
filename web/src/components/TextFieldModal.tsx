import { Button, Group, Modal, Stack, TextInput } from "@mantine/core";
import { type FormEvent, type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { useFormErrors } from "../lib/errors";
import { useOpenKey } from "../lib/useOpenKey";
import { FormError } from "./feedback";

interface TextFieldModalProps {
  opened: boolean;
  onClose: () => void;
  title: ReactNode;
  label: string;
  /** The field's name, which is also the path the server uses in its validation errors. */
  name: string;
  initialValue?: string;
  description?: ReactNode;
  submitLabel: string;
  onSubmit: (value: string) => Promise<unknown>;
  testId?: string;
}

function TextFieldForm({
  label,
  name,
  initialValue = "",
  description,
  submitLabel,
  onSubmit,
  onClose,
  testId,
}: TextFieldModalProps) {
  const { t } = useTranslation();
  const [value, setValue] = useState(initialValue);
  const [pending, setPending] = useState(false);
  const errors = useFormErrors([name]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) {
      errors.setFieldErrors({ [name]: t("validation.required") });
      return;
    }
    errors.clear();
    setPending(true);
    try {
      await onSubmit(value.trim());
      onClose();
    } catch (error) {
      errors.show(error);
    } finally {
      setPending(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate data-testid={testId}>
      <Stack gap="md">
        <TextInput
          name={name}
          label={label}
          description={description}
          value={value}
          onChange={(e) => {
            setValue(e.currentTarget.value);
            errors.clearField(name);
          }}
          error={errors.fieldErrors[name]}
          required
          data-autofocus
        />
        <FormError message={errors.formError} type={errors.formErrorType} />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose} disabled={pending}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={pending} data-testid={testId ? `${testId}-submit` : undefined}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** A dialog with one text field (create a tenant, rename it, …); server errors stay in the dialog. */
export function TextFieldModal(props: TextFieldModalProps) {
  const key = useOpenKey(props.opened);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={props.title} centered>
      <TextFieldForm key={key} {...props} />
    </Modal>
  );
}
