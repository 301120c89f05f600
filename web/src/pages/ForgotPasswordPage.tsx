import {
  Alert,
  Anchor,
  Button,
  Group,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  ThemeIcon,
  Title,
} from "@mantine/core";
import { IconArrowLeft, IconBuilding, IconMailCheck, IconMailOff, IconShieldLock } from "@tabler/icons-react";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { authApi } from "../api/endpoints";
import type { PasswordRecoveryResponse } from "../api/types";
import { FormError } from "../components/feedback";
import { PublicLayout } from "../components/PublicLayout";
import { type FieldErrors, focusFirstInvalid, useFormErrors } from "../lib/errors";
import { rememberedOrganization } from "../lib/loginMemory";

type Mode = "organization" | "admin";
const FIELDS = ["organization", "email"] as const;

/**
 * "Forgot password?": asks for the organization and e-mail (or only the e-mail of a system
 * administrator). The answer never tells whether the account exists.
 */
export default function ForgotPasswordPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const [mode, setMode] = useState<Mode>(params.get("as") === "admin" ? "admin" : "organization");
  const [organization, setOrganization] = useState(() => params.get("organization") ?? rememberedOrganization());
  const [email, setEmail] = useState("");
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<PasswordRecoveryResponse | null>(null);
  const errors = useFormErrors(FIELDS);
  const formRef = useRef<HTMLFormElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldErrors = {};
    if (mode === "organization" && !organization.trim()) missing.organization = t("validation.required");
    if (!email.trim()) missing.email = t("validation.required");
    else if (!/^\S+@\S+\.\S+$/.test(email.trim())) missing.email = t("validation.email");
    if (Object.keys(missing).length > 0) {
      errors.setFormError(null);
      errors.setFieldErrors(missing);
      focusFirstInvalid(formRef.current, missing);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      setResult(
        await authApi.passwordRecovery(
          mode === "organization"
            ? { organization: organization.trim(), email: email.trim() }
            : { email: email.trim() },
        ),
      );
    } catch (error) {
      focusFirstInvalid(formRef.current, errors.show(error));
    } finally {
      setPending(false);
    }
  };

  const backToLogin = (
    <Anchor component={Link} to={`/login?as=${mode}`} size="sm" data-testid="back-to-login">
      <Group gap={4} component="span">
        <IconArrowLeft size={14} />
        {t("recovery.backToLogin")}
      </Group>
    </Anchor>
  );

  if (result) {
    return (
      <PublicLayout>
        <Stack gap="md" align="center" ta="center" data-testid="recovery-result" data-delivery={result.emailDelivery}>
          <ThemeIcon
            size={56}
            radius={28}
            variant="light"
            color={result.emailDelivery === "available" ? "teal" : "yellow"}
          >
            {result.emailDelivery === "available" ? <IconMailCheck size={30} /> : <IconMailOff size={30} />}
          </ThemeIcon>
          <Title order={1} fz={22}>
            {t("recovery.sentTitle")}
          </Title>
          <Text size="sm" c="dimmed" data-testid="recovery-sent">
            {t("recovery.sentBody", { email: email.trim() })}
          </Text>
          {result.emailDelivery === "unavailable" ? (
            <Alert color="yellow" variant="light" icon={<IconMailOff />} ta="left" data-testid="recovery-unavailable">
              {t("recovery.unavailable")}
            </Alert>
          ) : null}
          {backToLogin}
        </Stack>
      </PublicLayout>
    );
  }

  return (
    <PublicLayout footer={<Group justify="center">{backToLogin}</Group>}>
      <form ref={formRef} onSubmit={submit} noValidate data-testid="recovery-form" aria-labelledby="recovery-title">
        <Stack gap="md">
          <div>
            <Title order={1} fz={22} id="recovery-title">
              {t("recovery.title")}
            </Title>
            <Text size="sm" c="dimmed" mt={4}>
              {mode === "organization" ? t("recovery.intro") : t("recovery.introAdmin")}
            </Text>
          </div>
          <SegmentedControl
            fullWidth
            value={mode}
            onChange={(value) => {
              setMode(value === "admin" ? "admin" : "organization");
              errors.clear();
            }}
            aria-label={t("login.accountType")}
            data-testid="recovery-mode"
            data={[
              {
                value: "organization",
                label: (
                  <Group gap={6} justify="center" wrap="nowrap">
                    <IconBuilding size={16} />
                    <span>{t("login.organizationTab")}</span>
                  </Group>
                ),
              },
              {
                value: "admin",
                label: (
                  <Group gap={6} justify="center" wrap="nowrap">
                    <IconShieldLock size={16} />
                    <span>{t("login.adminTab")}</span>
                  </Group>
                ),
              },
            ]}
          />
          {mode === "organization" ? (
            <TextInput
              name="organization"
              label={t("login.organization")}
              description={t("login.organizationHint")}
              value={organization}
              onChange={(e) => {
                setOrganization(e.currentTarget.value);
                errors.clearField("organization");
              }}
              error={errors.fieldErrors.organization}
              autoComplete="organization"
              autoCapitalize="none"
              spellCheck={false}
              autoFocus={!organization}
              required
            />
          ) : null}
          <TextInput
            name="email"
            type="email"
            label={t("fields.email")}
            description={mode === "admin" ? t("recovery.adminEmailHint") : undefined}
            value={email}
            onChange={(e) => {
              setEmail(e.currentTarget.value);
              errors.clearField("email");
            }}
            error={errors.fieldErrors.email}
            autoComplete="email"
            autoFocus={mode === "admin" || !!organization}
            required
          />
          <FormError message={errors.formError} />
          <Button type="submit" size="md" fullWidth loading={pending} data-testid="recovery-submit">
            {t("recovery.submit")}
          </Button>
        </Stack>
      </form>
    </PublicLayout>
  );
}
