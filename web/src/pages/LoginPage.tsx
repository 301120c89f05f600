import {
  Anchor,
  Box,
  Button,
  Center,
  Group,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { IconBuilding, IconShieldLock } from "@tabler/icons-react";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { isApiError } from "../api/client";
import { authApi } from "../api/endpoints";
import { homePath, useSession } from "../app/session";
import { FormError, PageLoader } from "../components/feedback";
import { LanguageSwitcher } from "../components/LanguageSwitcher";
import { Logo } from "../components/Logo";
import { PasswordField } from "../components/PasswordField";
import { focusFirstInvalid, useFormErrors } from "../lib/errors";

type Mode = "organization" | "admin";
const LAST_ORG_KEY = "dirigent.lastOrganization";
const LAST_MODE_KEY = "dirigent.lastLoginMode";
const FIELDS = ["organization", "email", "username", "password"] as const;

function rememberedMode(): Mode {
  try {
    return window.localStorage.getItem(LAST_MODE_KEY) === "admin" ? "admin" : "organization";
  } catch {
    return "organization";
  }
}

function remember(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Only a convenience for the next sign-in.
  }
}

function rememberedOrganization(): string {
  try {
    return window.localStorage.getItem(LAST_ORG_KEY) ?? "";
  } catch {
    return "";
  }
}

/** Only same-site paths are followed after sign-in, never `//evil.example`. */
function safeNext(value: string | null): string | null {
  return value?.startsWith("/") && !value.startsWith("//") && !value.startsWith("/login") ? value : null;
}

export default function LoginPage() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [mode, setMode] = useState<Mode>(() => {
    const requested = params.get("as");
    return requested === "admin" || requested === "organization" ? requested : rememberedMode();
  });
  const [organization, setOrganization] = useState(rememberedOrganization);
  const [email, setEmail] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const errors = useFormErrors(FIELDS);
  const formRef = useRef<HTMLFormElement>(null);

  if (session.status === "loading") return <PageLoader />;
  if (session.principal && !pending)
    return <Navigate to={safeNext(params.get("next")) ?? homePath(session.principal)} replace />;

  const switchMode = (value: string) => {
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
      // Under maintenance the form waits behind the maintenance screen, ready to be sent again.
      if (!isApiError(error, "maintenance")) setPassword("");
      setPending(false);
    }
  };

  const fe = errors.fieldErrors;
  return (
    <Box
      mih="100vh"
      style={{
        background:
          "radial-gradient(1200px 500px at 15% -10%, var(--mantine-color-indigo-1), transparent), radial-gradient(900px 500px at 110% 110%, var(--mantine-color-violet-1), transparent), var(--mantine-color-gray-0)",
      }}
    >
      <Group justify="flex-end" px="xl" py="md">
        <LanguageSwitcher />
      </Group>
      <Center px="md" pb={80} pt={20}>
        <Stack w="100%" maw={440} gap="xl">
          <Stack align="center" gap={8}>
            <Logo size={40} />
            <Text c="dimmed" size="sm" ta="center">
              {t("login.tagline")}
            </Text>
          </Stack>
          <Paper withBorder shadow="md" radius="lg" p={32}>
            <form ref={formRef} onSubmit={submit} noValidate aria-labelledby="login-title" data-testid="login-form">
              <Stack gap="md">
                <Title order={1} fz={22} id="login-title">
                  {t("login.title")}
                </Title>
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
                      autoFocus={!!organization}
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
                  required
                />
                <FormError message={errors.formError} title={t("login.failed")} />
                <Button type="submit" size="md" fullWidth loading={pending} data-testid="login-submit">
                  {t("login.submit")}
                </Button>
              </Stack>
            </form>
          </Paper>
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
        </Stack>
      </Center>
    </Box>
  );
}
