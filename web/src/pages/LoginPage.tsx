import { Alert, Anchor, Button, Group, SegmentedControl, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconBuilding, IconCircleCheck, IconShieldLock, IconTool } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { isApiError } from "../api/client";
import { authApi, publicApi } from "../api/endpoints";
import { homePath, useSession } from "../app/session";
import { FormError, PageLoader } from "../components/feedback";
import { PasswordField } from "../components/PasswordField";
import { PublicLayout } from "../components/PublicLayout";
import { focusFirstInvalid, useFormErrors } from "../lib/errors";
import { useFormat } from "../lib/format";
import { LAST_MODE_KEY, LAST_ORG_KEY, remember, rememberedMode, rememberedOrganization } from "../lib/loginMemory";

type Mode = "organization" | "admin";
const FIELDS = ["organization", "email", "username", "password"] as const;

/** Only same-site paths are followed after sign-in, never `//evil.example`. */
function safeNext(value: string | null): string | null {
  return value?.startsWith("/") && !value.startsWith("//") && !value.startsWith("/login") ? value : null;
}

export default function LoginPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [mode, setMode] = useState<Mode>(() => {
    const requested = params.get("as");
    return requested === "admin" || requested === "organization" ? requested : rememberedMode();
  });
  const [organization, setOrganization] = useState(() => params.get("organization") ?? rememberedOrganization());
  const [email, setEmail] = useState(() => params.get("email") ?? "");
  const notice = params.get("notice");
  // While the installation is under maintenance only system administrators can sign in: say so up front.
  const status = useQuery({ queryKey: ["public", "status"], queryFn: publicApi.status, staleTime: 30_000 });
  const maintenancePhase = status.data?.maintenance.phase ?? "none";
  // A fresh installation has no organization yet: only the system administrator can sign in, so the
  // page opens on that form (unless the link asked for the organization form or the user switched).
  const chosen = useRef(params.get("as") !== null);
  const fresh = status.data?.hasOrganizations === false;
  useEffect(() => {
    if (fresh && !chosen.current) setMode("admin");
  }, [fresh]);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const errors = useFormErrors(FIELDS);
  const formRef = useRef<HTMLFormElement>(null);

  if (session.status === "loading") return <PageLoader />;
  if (session.principal && !pending)
    return <Navigate to={safeNext(params.get("next")) ?? homePath(session.principal)} replace />;

  const switchMode = (value: string) => {
    chosen.current = true;
    setMode(value as Mode);
    errors.clear();
    setPassword("");
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: Record<string, string> = {};
    const required = t("validation.required");
    if (mode === "organization") {
      if (!organization.trim()) missing.organization = required;
      if (!email.trim()) missing.email = required;
    } else if (!username.trim()) missing.username = required;
    if (!password) missing.password = required;
    if (Object.keys(missing).length > 0) {
      errors.setFormError(null);
      errors.setFieldErrors(missing);
      focusFirstInvalid(formRef.current, missing);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      const response = await authApi.login(
        mode === "organization"
          ? { organization: organization.trim(), email: email.trim(), password }
          : { username: username.trim(), password },
      );
      remember(LAST_MODE_KEY, mode);
      if (mode === "organization") remember(LAST_ORG_KEY, organization.trim());
      await session.signIn(response);
      void navigate(safeNext(params.get("next")) ?? homePath(response.principal), { replace: true });
    } catch (error) {
      errors.show(error);
      // The right password of a locked account: say until when, in the reader's language and zone.
      if (isApiError(error, "account-locked") && typeof error.problem.lockedUntil === "string")
        errors.setFormError(t("login.locked", { until: format.dateTime(error.problem.lockedUntil) }));
      // Under maintenance the form waits behind the maintenance screen, ready to be sent again.
      if (!isApiError(error, "maintenance")) setPassword("");
      setPending(false);
    }
  };

  const fe = errors.fieldErrors;
  return (
    <PublicLayout
      footer={
        <Text size="xs" c="dimmed" ta="center">
          {mode === "organization" ? t("login.orgFooter") : t("login.adminFooter")}{" "}
          <Anchor
            component="button"
            type="button"
            size="xs"
            onClick={() => switchMode(mode === "admin" ? "organization" : "admin")}
          >
            {mode === "organization" ? t("login.switchToAdmin") : t("login.switchToOrganization")}
          </Anchor>
        </Text>
      }
    >
      <form ref={formRef} onSubmit={submit} noValidate aria-labelledby="login-title" data-testid="login-form">
        <Stack gap="md">
          <Title order={1} fz={22} id="login-title">
            {t("login.title")}
          </Title>
          {maintenancePhase !== "none" ? (
            <Alert
              color="orange"
              variant="light"
              icon={<IconTool />}
              data-testid="login-maintenance-notice"
              title={t("login.maintenanceTitle")}
            >
              {t("login.maintenanceBody")}
            </Alert>
          ) : null}
          {notice === "password-reset" || notice === "invitation-accepted" ? (
            <Alert color="teal" variant="light" icon={<IconCircleCheck />} data-testid="login-notice">
              {notice === "password-reset" ? t("login.passwordResetNotice") : t("login.invitationNotice")}
            </Alert>
          ) : null}
          <SegmentedControl
            fullWidth
            value={mode}
            onChange={switchMode}
            aria-label={t("login.accountType")}
            data-testid="login-mode"
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
            <>
              <TextInput
                key="organization"
                name="organization"
                label={t("login.organization")}
                description={t("login.organizationHint")}
                value={organization}
                onChange={(e) => {
                  setOrganization(e.currentTarget.value);
                  errors.clearField("organization");
                }}
                error={fe.organization}
                autoComplete="organization"
                autoCapitalize="none"
                spellCheck={false}
                autoFocus={!organization}
                required
              />
              <TextInput
                key="email"
                name="email"
                type="email"
                label={t("fields.email")}
                value={email}
                onChange={(e) => {
                  setEmail(e.currentTarget.value);
                  errors.clearField("email");
                }}
                error={fe.email}
                autoComplete="username"
                autoFocus={!!organization && !email}
                required
              />
            </>
          ) : (
            <TextInput
              key="username"
              name="username"
              label={t("fields.username")}
              value={username}
              onChange={(e) => {
                setUsername(e.currentTarget.value);
                errors.clearField("username");
              }}
              error={fe.username}
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              autoFocus
              required
            />
          )}
          <PasswordField
            name="password"
            label={t("fields.password")}
            value={password}
            onChange={(e) => {
              setPassword(e.currentTarget.value);
              errors.clearField("password");
            }}
            error={fe.password}
            autoComplete="current-password"
            autoFocus={!!email && mode === "organization"}
            required
          />
          <Group justify="flex-end" mt={-8}>
            <Anchor component={Link} to={`/forgot-password?as=${mode}`} size="xs" data-testid="forgot-password-link">
              {t("login.forgotPassword")}
            </Anchor>
          </Group>
          <FormError message={errors.formError} title={t("login.failed")} />
          <Button type="submit" size="md" fullWidth loading={pending} data-testid="login-submit">
            {t("login.submit")}
          </Button>
        </Stack>
      </form>
    </PublicLayout>
  );
}
