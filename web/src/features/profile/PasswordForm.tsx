import { Button, Group, Stack } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { meApi } from "../../api/endpoints";
import { FormError } from "../../components/feedback";
import { PasswordField } from "../../components/PasswordField";
import { PasswordRules } from "../../components/PasswordRules";
import { type FieldErrors, focusFirstInvalid, useFormErrors } from "../../lib/errors";
import { Section } from "./Section";

const PASSWORD_FIELDS = ["currentPassword", "newPassword", "confirmPassword"] as const;

/** Change the own password; the server's policy messages appear next to the fields. */
export function PasswordForm() {
  const { t } = useTranslation();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(PASSWORD_FIELDS);
  const [values, setValues] = useState({ currentPassword: "", newPassword: "", confirmPassword: "" });
  const [pending, setPending] = useState(false);

  const field = (key: keyof typeof values, label: string, autoComplete: string) => (
    <PasswordField
      name={key}
      label={label}
      autoComplete={autoComplete}
      value={values[key]}
      onChange={(e) => {
        const value = e.currentTarget.value;
        setValues((v) => ({ ...v, [key]: value }));
        errors.clearField(key);
      }}
      error={errors.fieldErrors[key]}
      required
    />
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!values.currentPassword) local.currentPassword = t("validation.required");
    if (!values.newPassword) local.newPassword = t("validation.required");
    else if (values.newPassword !== values.confirmPassword) local.confirmPassword = t("validation.passwordMismatch");
    if (Object.keys(local).length) {
      errors.setFormError(null);
      errors.setFieldErrors(local);
      focusFirstInvalid(formRef.current, local);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      await meApi.changePassword({ currentPassword: values.currentPassword, newPassword: values.newPassword });
      setValues({ currentPassword: "", newPassword: "", confirmPassword: "" });
      notifications.show({ color: "teal", message: t("profile.passwordChanged") });
    } catch (error) {
      focusFirstInvalid(formRef.current, errors.show(error));
    } finally {
      setPending(false);
    }
  };

  return (
    <Section title={t("profile.changePassword")} description={t("profile.changePasswordHint")}>
      <form ref={formRef} onSubmit={submit} noValidate data-testid="password-form">
        <Stack gap="md">
          {field("currentPassword", t("fields.currentPassword"), "current-password")}
          {field("newPassword", t("fields.newPassword"), "new-password")}
          <PasswordRules password={values.newPassword} />
          {field("confirmPassword", t("fields.passwordConfirm"), "new-password")}
          <FormError message={errors.formError} type={errors.formErrorType} />
          <Group justify="flex-end">
            <Button type="submit" loading={pending} data-testid="password-save">
              {t("profile.changePassword")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
