import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import type { FieldErrors } from "../lib/errors";
import { PasswordField } from "./PasswordField";
import { PasswordRules } from "./PasswordRules";

/** Errors of a new password and its confirmation, checked before asking the server (which applies the policy). */
export function newPasswordErrors(t: TFunction, password: string, confirm: string): FieldErrors {
  if (!password) return { password: t("validation.required") };
  if (password !== confirm) return { passwordConfirm: t("validation.passwordMismatch") };
  return {};
}

/**
 * The `password` and `passwordConfirm` fields of a form that sets a new password. `focus` picks how the
 * first field takes the focus: on a page (default), in a dialog (Mantine's focus trap), or not at all.
 */
export function NewPasswordFields(props: {
  label: string;
  focus?: "page" | "dialog" | "none";
  password: string;
  confirm: string;
  onPassword: (value: string) => void;
  onConfirm: (value: string) => void;
  errors: { fieldErrors: FieldErrors; clearField: (field: string) => void };
}) {
  const { t } = useTranslation();
  const { errors, focus = "page" } = props;
  const focusProps = focus === "page" ? { autoFocus: true } : focus === "dialog" ? { "data-autofocus": true } : {};
  return (
    <>
      <PasswordField
        name="password"
        label={props.label}
        autoComplete="new-password"
        value={props.password}
        onChange={(e) => {
          props.onPassword(e.currentTarget.value);
          errors.clearField("password");
        }}
        error={errors.fieldErrors.password}
        {...focusProps}
        required
      />
      <PasswordRules password={props.password} />
      <PasswordField
        name="passwordConfirm"
        label={t("fields.passwordConfirm")}
        autoComplete="new-password"
        value={props.confirm}
        onChange={(e) => {
          props.onConfirm(e.currentTarget.value);
          errors.clearField("passwordConfirm");
        }}
        error={errors.fieldErrors.passwordConfirm}
        required
      />
    </>
  );
}
