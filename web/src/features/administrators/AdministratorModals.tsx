import { Modal, Stack, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { Administrator } from "../../api/types";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { NewPasswordFields, newPasswordErrors } from "../../components/NewPasswordFields";
import { type FieldErrors, useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { useOpenKey } from "../../lib/useOpenKey";

/** The error state, form ref and submit cycle every administrator dialog starts with. */
function useDialogForm(fields: readonly string[]) {
  const errors = useFormErrors(fields);
  const formRef = useRef<HTMLFormElement>(null);
  return { errors, formRef, ...useFormSubmit(errors, formRef) };
}

const CREATE_FIELDS = ["username", "name", "email", "password", "passwordConfirm"] as const;

function CreateAdministratorForm({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { errors, formRef, pending, invalid, run } = useDialogForm(CREATE_FIELDS);
  const [values, setValues] = useState({ username: "", name: "", email: "", password: "", passwordConfirm: "" });
  const field = (key: keyof typeof values) => ({
    name: key,
    value: values[key],
    error: errors.fieldErrors[key],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => {
      const value = e.currentTarget.value;
      setValues((v) => ({ ...v, [key]: value }));
      errors.clearField(key);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!values.username.trim()) local.username = t("validation.required");
    if (!values.name.trim()) local.name = t("validation.required");
    if (values.email.trim() && !/^\S+@\S+\.\S+$/.test(values.email.trim())) local.email = t("validation.email");
    Object.assign(local, newPasswordErrors(t, values.password, values.passwordConfirm));
    if (Object.keys(local).length > 0) return invalid(local);
    void run(async () => {
      const admin = await hostApi.createAdministrator({
        username: values.username.trim(),
        name: values.name.trim(),
        email: values.email.trim() || undefined,
        password: values.password,
      });
      await queryClient.invalidateQueries({ queryKey: ["host"] });
      notifications.show({ color: "teal", message: t("administrators.created", { name: admin.username }) });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="create-administrator-form">
      <Stack gap="md">
        <TextInput
          label={t("fields.username")}
          {...field("username")}
          autoCapitalize="none"
          spellCheck={false}
          required
          data-autofocus
        />
        <TextInput label={t("fields.name")} {...field("name")} required />
        <TextInput label={t("fields.email")} type="email" description={t("common.optional")} {...field("email")} />
        <NewPasswordFields
          label={t("fields.password")}
          focus="none"
          password={values.password}
          confirm={values.passwordConfirm}
          onPassword={(password) => setValues((v) => ({ ...v, password }))}
          onConfirm={(passwordConfirm) => setValues((v) => ({ ...v, passwordConfirm }))}
          errors={errors}
        />
        <FormError message={errors.formError} type={errors.formErrorType} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={t("administrators.create")}
          testId="create-administrator-submit"
        />
      </Stack>
    </form>
  );
}

const EDIT_FIELDS = ["name", "email"] as const;

function EditAdministratorForm({ admin, onClose }: { admin: Administrator; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { errors, formRef, pending, invalid, run } = useDialogForm(EDIT_FIELDS);
  const [name, setName] = useState(admin.name);
  const [email, setEmail] = useState(admin.email ?? "");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!name.trim()) local.name = t("validation.required");
    if (email.trim() && !/^\S+@\S+\.\S+$/.test(email.trim())) local.email = t("validation.email");
    if (Object.keys(local).length > 0) return invalid(local);
    void run(async () => {
      await hostApi.updateAdministrator(admin.id, { name: name.trim(), email: email.trim() || null });
      await queryClient.invalidateQueries({ queryKey: ["host", "administrators"] });
      notifications.show({ color: "teal", message: t("common.saved") });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="edit-administrator-form">
      <Stack gap="md">
        <TextInput label={t("fields.username")} value={admin.username} disabled readOnly />
        <TextInput
          name="name"
          label={t("fields.name")}
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            errors.clearField("name");
          }}
          error={errors.fieldErrors.name}
          required
          data-autofocus
        />
        <TextInput
          name="email"
          type="email"
          label={t("fields.email")}
          value={email}
          onChange={(e) => {
            setEmail(e.currentTarget.value);
            errors.clearField("email");
          }}
          error={errors.fieldErrors.email}
        />
        <FormError message={errors.formError} type={errors.formErrorType} />
        <FormButtons onCancel={onClose} pending={pending} />
      </Stack>
    </form>
  );
}

const PASSWORD_FIELDS = ["password", "passwordConfirm"] as const;

function ResetPasswordForm({ admin, onClose }: { admin: Administrator; onClose: () => void }) {
  const { t } = useTranslation();
  const { errors, formRef, pending, invalid, run } = useDialogForm(PASSWORD_FIELDS);
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const local = newPasswordErrors(t, password, confirmation);
    if (Object.keys(local).length > 0) return invalid(local);
    void run(async () => {
      await hostApi.resetAdministratorPassword(admin.id, password);
      notifications.show({ color: "teal", message: t("administrators.passwordReset", { name: admin.username }) });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="reset-password-form">
      <Stack gap="md">
        <NewPasswordFields
          label={t("fields.newPassword")}
          focus="dialog"
          password={password}
          confirm={confirmation}
          onPassword={setPassword}
          onConfirm={setConfirmation}
          errors={errors}
        />
        <FormError message={errors.formError} type={errors.formErrorType} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={t("administrators.resetPassword")}
          testId="reset-password-submit"
        />
      </Stack>
    </form>
  );
}

export type AdministratorDialog =
  | { kind: "create" }
  | { kind: "edit"; admin: Administrator }
  | { kind: "password"; admin: Administrator };

/** The create / edit / reset-password dialogs of the administrators page. */
export function AdministratorModal({
  dialog,
  opened,
  onClose,
}: {
  dialog: AdministratorDialog | null;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const key = useOpenKey(opened);
  const title =
    dialog?.kind === "create"
      ? t("administrators.new")
      : dialog?.kind === "edit"
        ? t("administrators.editTitle", { name: dialog.admin.username })
        : dialog?.kind === "password"
          ? t("administrators.resetPasswordTitle", { name: dialog.admin.username })
          : "";
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered>
      {dialog?.kind === "create" ? <CreateAdministratorForm key={key} onClose={onClose} /> : null}
      {dialog?.kind === "edit" ? <EditAdministratorForm key={key} admin={dialog.admin} onClose={onClose} /> : null}
      {dialog?.kind === "password" ? <ResetPasswordForm key={key} admin={dialog.admin} onClose={onClose} /> : null}
    </Modal>
  );
}
