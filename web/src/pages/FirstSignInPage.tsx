import { Alert, Button, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconShieldLock } from "@tabler/icons-react";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate } from "react-router";
import { ApiError } from "../api/client";
import { meApi } from "../api/endpoints";
import { homePath, useSession } from "../app/session";
import { FormError, PageLoader } from "../components/feedback";
import { NewPasswordFields, newPasswordErrors } from "../components/NewPasswordFields";
import { PublicLayout } from "../components/PublicLayout";
import { type FieldErrors, focusFirstInvalid, useFormErrors } from "../lib/errors";

const FIELDS = ["email", "password", "passwordConfirm"] as const;

/**
 * `/setup`: the installation's first administrator, signed in with the password printed at the
 * first start, chooses an own password and gives an e-mail address (for password recovery)
 * before anything else; the server refuses everything else until then (`setup-required`).
 */
export default function FirstSignInPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const session = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [pending, setPending] = useState(false);
  const errors = useFormErrors(FIELDS);
  const formRef = useRef<HTMLFormElement>(null);

  if (session.status === "loading") return <PageLoader />;
  if (!session.principal) return <Navigate to="/login" replace />;
  if (session.principal.kind !== "admin" || !session.principal.setupRequired)
    return <Navigate to={homePath(session.principal)} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: FieldErrors = {
      ...(email.trim() ? {} : { email: t("validation.required") }),
      ...newPasswordErrors(t, password, confirm),
    };
    if (Object.keys(local).length > 0) {
      errors.setFormError(null);
      errors.setFieldErrors(local);
      focusFirstInvalid(formRef.current, local);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      const principal = await meApi.setup({ email: email.trim(), newPassword: password });
      session.setPrincipal(principal);
      void navigate(homePath(principal), { replace: true });
    } catch (error) {
      // The server names `newPassword`; on this form it is the `password` field.
      const renamed =
        error instanceof ApiError
          ? new ApiError({
              ...error,
              problem: error.problem,
              errors: error.errors.map((e) => (e.path === "newPassword" ? { ...e, path: "password" } : e)),
            })
          : error;
      focusFirstInvalid(formRef.current, errors.show(renamed));
      setPending(false);
    }
  };

  return (
    <PublicLayout>
      <Stack gap="md">
        <Title order={1} fz={22}>
          {t("firstSignIn.title")}
        </Title>
        <Alert color="blue" variant="light" icon={<IconShieldLock />}>
          {t("firstSignIn.intro")}
        </Alert>
        <form ref={formRef} onSubmit={submit} noValidate data-testid="first-sign-in-form">
          <Stack gap="md">
            <TextInput
              name="email"
              type="email"
              label={t("fields.email")}
              description={t("firstSignIn.emailHint")}
              value={email}
              onChange={(e) => {
                setEmail(e.currentTarget.value);
                errors.clearField("email");
              }}
              error={errors.fieldErrors.email}
              autoComplete="email"
              required
              autoFocus
            />
            <NewPasswordFields
              label={t("fields.newPassword")}
              focus="none"
              password={password}
              confirm={confirm}
              onPassword={setPassword}
              onConfirm={setConfirm}
              errors={errors}
            />
            <Text size="xs" c="dimmed">
              {t("firstSignIn.passwordHint")}
            </Text>
            <FormError message={errors.formError} />
            <Button type="submit" size="md" fullWidth loading={pending} data-testid="first-sign-in-submit">
              {t("firstSignIn.submit")}
            </Button>
          </Stack>
        </form>
      </Stack>
    </PublicLayout>
  );
}
