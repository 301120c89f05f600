import { Alert, Modal, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconMailForward } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { orgApi } from "../../api/endpoints";
import type { Locale, OrgRole, OrgUser } from "../../api/types";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { LocaleSelect } from "../../components/LocaleSelect";
import { NewPasswordFields, newPasswordErrors } from "../../components/NewPasswordFields";
import { PasswordField } from "../../components/PasswordField";
import { PasswordRules } from "../../components/PasswordRules";
import { SegmentedField } from "../../components/SegmentedField";
import { currentLocale } from "../../i18n";
import { type FieldErrors, useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { useOpenKey } from "../../lib/useOpenKey";

function RoleField({ value, onChange, error }: { value: OrgRole; onChange: (role: OrgRole) => void; error?: string }) {
  const { t } = useTranslation();
  return (
    <SegmentedField
      label={t("fields.role")}
      value={value}
      onChange={onChange}
      error={error}
      data={[
        { value: "user", label: t("roles.user") },
        { value: "org_admin", label: t("roles.org_admin") },
      ]}
      testId="user-role"
    />
  );
}

function StatusField({
  value,
  onChange,
  error,
}: {
  value: OrgUser["status"];
  onChange: (s: OrgUser["status"]) => void;
  error?: string;
}) {
  const { t } = useTranslation();
  return (
    <SegmentedField
      label={t("fields.status")}
      value={value}
      onChange={onChange}
      error={error}
      data={[
        { value: "active", label: t("status.active") },
        { value: "disabled", label: t("status.disabled") },
      ]}
      testId="user-status"
    />
  );
}

const CREATE_FIELDS = ["email", "name", "role", "password", "locale"] as const;

function CreateUserForm({ org, onClose }: { org: string; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(CREATE_FIELDS);
  const { pending, invalid, run } = useFormSubmit(errors, formRef);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<OrgRole>("user");
  const [password, setPassword] = useState("");
  const [locale, setLocale] = useState<Locale>(currentLocale);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!email.trim()) local.email = t("validation.required");
    else if (!/^\S+@\S+\.\S+$/.test(email.trim())) local.email = t("validation.email");
    if (Object.keys(local).length) return invalid(local);
    await run(async () => {
      const user = await orgApi.createUser(org, {
        email: email.trim(),
        name: name.trim() || undefined,
        role,
        password: password || undefined,
        locale,
      });
      await queryClient.invalidateQueries({ queryKey: ["orgs", org, "users"] });
      notifications.show({
        color: "teal",
        message: user.hasPassword
          ? t("users.created", { name: user.email })
          : t("users.createdInvited", { name: user.email }),
      });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="create-user-form">
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
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
            required
            data-autofocus
          />
          <TextInput
            name="name"
            label={t("fields.name")}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.fieldErrors.name}
          />
        </SimpleGrid>
        <RoleField value={role} onChange={setRole} error={errors.fieldErrors.role} />
        <PasswordField
          name="password"
          label={t("users.initialPassword")}
          description={t("users.initialPasswordHint")}
          autoComplete="new-password"
          value={password}
          onChange={(e) => {
            setPassword(e.currentTarget.value);
            errors.clearField("password");
          }}
          error={errors.fieldErrors.password}
        />
        {password ? <PasswordRules password={password} /> : null}
        {password ? null : (
          <Alert color="blue" variant="light" icon={<IconMailForward />} p="sm" data-testid="invitation-notice">
            <Text size="sm">
              {email.trim() ? t("users.invitationNotice", { email: email.trim() }) : t("users.invitationNoticeNoEmail")}
            </Text>
          </Alert>
        )}
        <LocaleSelect value={locale} onChange={setLocale} error={errors.fieldErrors.locale} />
        <FormError message={errors.formError} type={errors.formErrorType} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={password ? t("users.create") : t("users.createAndInvite")}
          testId="create-user-submit"
        />
      </Stack>
    </form>
  );
}

const EDIT_FIELDS = ["name", "role", "status", "locale"] as const;

function EditUserForm({ org, user, onClose }: { org: string; user: OrgUser; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(EDIT_FIELDS);
  const { pending, run } = useFormSubmit(errors, formRef);
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<OrgRole>(user.role);
  const [status, setStatus] = useState<OrgUser["status"]>(user.status);
  const [locale, setLocale] = useState<Locale>(user.locale);
  // The organization's administrators come first when sorted by role: the last active one cannot be disabled.
  const admins = useQuery({
    queryKey: ["orgs", org, "users", "by-role"],
    queryFn: () => orgApi.users(org, { sort: "role", limit: 200 }),
  });
  const activeAdmins = (admins.data?.items ?? []).filter((u) => u.role === "org_admin" && u.status === "active");
  const lastAdmin =
    admins.isSuccess && user.role === "org_admin" && user.status === "active" && activeAdmins.length <= 1;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await orgApi.updateUser(org, user.id, {
        name: name.trim() !== user.name ? name.trim() : undefined,
        role: role !== user.role ? role : undefined,
        status: status !== user.status ? status : undefined,
        locale: locale !== user.locale ? locale : undefined,
      });
      await queryClient.invalidateQueries({ queryKey: ["orgs", org, "users"] });
      notifications.show({ color: "teal", message: t("common.saved") });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="edit-user-form">
      <Stack gap="md">
        <TextInput label={t("fields.email")} value={user.email} disabled readOnly />
        <TextInput
          name="name"
          label={t("fields.name")}
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            errors.clearField("name");
          }}
          error={errors.fieldErrors.name}
          data-autofocus
        />
        <RoleField value={role} onChange={setRole} error={errors.fieldErrors.role} />
        {lastAdmin ? (
          <Text size="sm" c="dimmed" data-testid="last-admin-hint">
            {t("users.lastAdminStaysActive")}
          </Text>
        ) : (
          <StatusField value={status} onChange={setStatus} error={errors.fieldErrors.status} />
        )}
        <LocaleSelect value={locale} onChange={setLocale} error={errors.fieldErrors.locale} />
        <FormError message={errors.formError} type={errors.formErrorType} />
        <FormButtons onCancel={onClose} pending={pending} testId="edit-user-submit" />
      </Stack>
    </form>
  );
}

const PASSWORD_FIELDS = ["password", "passwordConfirm"] as const;

/** An administrator sets a user's password (e.g. for an invited user without e-mail); their sessions end. */
function SetPasswordForm({ org, user, onClose }: { org: string; user: OrgUser; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(PASSWORD_FIELDS);
  const { pending, invalid, run } = useFormSubmit(errors, formRef);
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local = newPasswordErrors(t, password, confirm);
    if (Object.keys(local).length) return invalid(local);
    await run(async () => {
      await orgApi.setUserPassword(org, user.id, password);
      await queryClient.invalidateQueries({ queryKey: ["orgs", org, "users"] });
      notifications.show({ color: "teal", message: t("users.passwordSet", { name: user.email }) });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="set-password-form">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {user.hasPassword ? t("users.setPasswordHint") : t("users.setPasswordInvitedHint")}
        </Text>
        <NewPasswordFields
          label={t("fields.newPassword")}
          focus="dialog"
          password={password}
          confirm={confirm}
          onPassword={setPassword}
          onConfirm={setConfirm}
          errors={errors}
        />
        <FormError message={errors.formError} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={t("users.setPassword")}
          testId="set-password-submit"
        />
      </Stack>
    </form>
  );
}

export type UserDialog = { kind: "create" } | { kind: "edit"; user: OrgUser } | { kind: "password"; user: OrgUser };

export function UserModal({
  org,
  dialog,
  opened,
  onClose,
}: {
  org: string;
  dialog: UserDialog | null;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const key = useOpenKey(opened);
  const title =
    dialog?.kind === "edit"
      ? t("users.editTitle", { name: dialog.user.email })
      : dialog?.kind === "password"
        ? t("users.setPasswordTitle", { name: dialog.user.email })
        : t("users.new");
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered size="lg">
      {dialog?.kind === "create" ? <CreateUserForm key={key} org={org} onClose={onClose} /> : null}
      {dialog?.kind === "edit" ? <EditUserForm key={key} org={org} user={dialog.user} onClose={onClose} /> : null}
      {dialog?.kind === "password" ? (
        <SetPasswordForm key={key} org={org} user={dialog.user} onClose={onClose} />
      ) : null}
    </Modal>
  );
}
