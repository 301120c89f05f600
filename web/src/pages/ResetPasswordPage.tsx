import { Anchor, Button, Group, Stack, Text, Title } from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { isApiError } from "../api/client";
import { authApi } from "../api/endpoints";
import { FormError } from "../components/feedback";
import { InvalidLink } from "../components/InvalidLink";
import { NewPasswordFields, newPasswordErrors } from "../components/NewPasswordFields";
import { PublicLayout } from "../components/PublicLayout";
import { focusFirstInvalid, useFormErrors } from "../lib/errors";

const FIELDS = ["password", "passwordConfirm"] as const;

/** `/reset-password?token=…`: a new password for the account the e-mailed link belongs to. */
export default function ResetPasswordPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [pending, setPending] = useState(false);
  const [linkInvalid, setLinkInvalid] = useState(!token);
  const errors = useFormErrors(FIELDS);
  const formRef = useRef<HTMLFormElement>(null);

  const requestNew = (
    <Button component={Link} to="/forgot-password" variant="light" fullWidth data-testid="request-new-link">
      {t("reset.requestNew")}
    </Button>
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local = newPasswordErrors(t, password, confirm);
    if (Object.keys(local).length > 0) {
      errors.setFormError(null);
      errors.setFieldErrors(local);
      focusFirstInvalid(formRef.current, local);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      await authApi.passwordReset({ token, password });
      void navigate("/login?notice=password-reset", { replace: true });
    } catch (error) {
      if (isApiError(error, "invalid-link")) setLinkInvalid(true);
      else focusFirstInvalid(formRef.current, errors.show(error));
      setPending(false);
    }
  };

  return (
    <PublicLayout
      footer={
        <Group justify="center">
          <Anchor component={Link} to="/login" size="sm">
            <Group gap={4} component="span">
              <IconArrowLeft size={14} />
              {t("recovery.backToLogin")}
            </Group>
          </Anchor>
        </Group>
      }
    >
      <Stack gap="md">
        <Title order={1} fz={22}>
          {t("reset.title")}
        </Title>
        {linkInvalid ? (
          <InvalidLink title={t("reset.invalidTitle")} body={t("reset.invalidBody")} action={requestNew} />
        ) : (
          <form ref={formRef} onSubmit={submit} noValidate data-testid="reset-form">
            <Stack gap="md">
              <Text size="sm" c="dimmed">
                {t("reset.intro")}
              </Text>
              <NewPasswordFields
                label={t("fields.newPassword")}
                password={password}
                confirm={confirm}
                onPassword={setPassword}
                onConfirm={setConfirm}
                errors={errors}
              />
              <FormError message={errors.formError} />
              <Button type="submit" size="md" fullWidth loading={pending} data-testid="reset-submit">
                {t("reset.submit")}
              </Button>
            </Stack>
          </form>
        )}
      </Stack>
    </PublicLayout>
  );
}
