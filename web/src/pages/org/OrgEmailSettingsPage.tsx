import { Alert, Badge, Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconInfoCircle, IconMailOff, IconSend } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { orgApi } from "../../api/endpoints";
import type { EmailSettingsInput, EmailSettingsMode, OrgEmailSettings } from "../../api/types";
import { useUserPrincipal } from "../../app/session";
import { useConfirm } from "../../components/ConfirmModal";
import { PageLoader, QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { SegmentedField } from "../../components/SegmentedField";
import { EffectiveSettingsView } from "../../features/email/EffectiveSettingsView";
import { EmailSettingsForm } from "../../features/email/EmailSettingsForm";
import { TestEmailModal } from "../../features/email/TestEmailModal";

function SourceBadge({ source }: { source: OrgEmailSettings["source"] }) {
  const { t } = useTranslation();
  return (
    <Badge
      variant="light"
      color={source === "host" ? "indigo" : "violet"}
      data-source={source}
      data-testid="email-source"
    >
      {source === "host" ? t("email.org.sourceHost") : t("email.org.sourceOrganization")}
    </Badge>
  );
}

function OrgEmailSettingsPanel({ data }: { data: OrgEmailSettings }) {
  const { t } = useTranslation();
  const me = useUserPrincipal();
  const org = me.organization.slug;
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  // The choice on screen; "custom" is only stored once the custom form is saved.
  const [mode, setMode] = useState<EmailSettingsMode>(data.mode);
  const [testOpened, setTestOpened] = useState(false);
  const [recipient, setRecipient] = useState(me.email);
  const endpoints = orgApi.email(org);
  const key = ["orgs", org, "settings", "email"];

  const store = (saved: OrgEmailSettings) => {
    queryClient.setQueryData(key, saved);
    void queryClient.invalidateQueries({ queryKey: ["orgs", org, "email"] });
  };

  const choose = (next: EmailSettingsMode) => {
    if (next === mode) return;
    if (next === "inherit" && data.mode === "custom") {
      confirm({
        title: t("email.org.inheritTitle"),
        message: t("email.org.inheritBody"),
        confirmLabel: t("email.org.inheritConfirm"),
        color: "indigo",
        action: async () => {
          store(await orgApi.updateEmailSettings(org, { mode: "inherit" }));
          setMode("inherit");
        },
        successMessage: t("email.org.switchedToHost"),
      });
      return;
    }
    setMode(next);
  };

  const save = async (body: EmailSettingsInput) => {
    const saved = await orgApi.updateEmailSettings(org, { ...body, mode: "custom" });
    store(saved);
    notifications.show({
      color: saved.warnings.length > 0 || !saved.enabled ? "yellow" : "teal",
      message: !saved.enabled
        ? t("email.org.savedHeld")
        : data.mode === "inherit"
          ? t("email.org.switchedToCustom")
          : saved.warnings.length > 0
            ? t("email.savedWithWarnings", { count: saved.warnings.length })
            : t("email.saved"),
    });
    return saved;
  };

  return (
    <Stack gap="lg">
      <Paper withBorder radius="md" p="lg">
        <Stack gap="md">
          <Group justify="space-between" align="flex-start" wrap="wrap">
            <div>
              <Title order={3} fz="md">
                {t("email.org.modeTitle")}
              </Title>
              <Text size="sm" c="dimmed" maw={620}>
                {t("email.org.modeHint")}
              </Text>
            </div>
            <Group gap="xs">
              <Text size="sm" c="dimmed">
                {t("email.org.effectiveSource")}
              </Text>
              <SourceBadge source={data.source} />
            </Group>
          </Group>
          <SegmentedField<EmailSettingsMode>
            name="mode"
            label={t("email.org.mode")}
            value={mode}
            onChange={choose}
            data={[
              { value: "inherit", label: t("email.org.inherit") },
              { value: "custom", label: t("email.org.custom") },
            ]}
            testId="email-mode"
          />
          <Text size="xs" c="dimmed" data-testid="email-mode-hint">
            {t("email.org.keepHint")}
          </Text>
        </Stack>
      </Paper>

      {mode === "inherit" ? (
        <Paper withBorder radius="md" p="lg">
          <Stack gap="md">
            <Group justify="space-between" wrap="wrap">
              <Group gap="sm">
                <Title order={3} fz="md">
                  {t("email.org.effectiveTitle")}
                </Title>
                <SourceBadge source={data.source} />
              </Group>
              <Button
                variant="light"
                leftSection={<IconSend size={18} />}
                onClick={() => setTestOpened(true)}
                disabled={!data.effective && !data.installation.configured}
                data-testid="email-test-open"
              >
                {t("email.test.button")}
              </Button>
            </Group>
            {data.effective ? (
              <EffectiveSettingsView settings={data.effective} />
            ) : data.installation.configured ? (
              // Organization administrators see that the installation's server is used, not its details.
              <Alert
                color={data.installation.enabled ? "blue" : "yellow"}
                variant="light"
                icon={data.installation.enabled ? <IconInfoCircle /> : <IconMailOff />}
                data-testid="email-installation"
              >
                {t(data.installation.enabled ? "email.org.installationServer" : "email.org.installationOff")}
              </Alert>
            ) : (
              <Alert color="yellow" variant="light" icon={<IconMailOff />} data-testid="email-host-unconfigured">
                {t("email.org.hostUnconfigured")}
              </Alert>
            )}
          </Stack>
        </Paper>
      ) : (
        <>
          {data.mode === "custom" && !data.enabled ? (
            <Alert color="yellow" variant="light" icon={<IconMailOff />} data-testid="email-held">
              {t("email.org.held")}
            </Alert>
          ) : null}
          <EmailSettingsForm
            // Custom settings that were never complete start with sending on: saving them should send.
            initial={
              data.mode === "inherit" && !(data.smtpHost && data.fromAddress) ? { ...data, enabled: true } : data
            }
            endpoints={endpoints}
            onSave={save}
            defaultRecipient={me.email}
            saveLabel={data.mode === "inherit" ? t("email.org.saveAndSwitch") : undefined}
            notice={
              data.mode === "inherit" ? (
                <Alert color="blue" variant="light" icon={<IconInfoCircle />} data-testid="email-custom-unsaved">
                  {t("email.org.customUnsaved")}
                </Alert>
              ) : null
            }
          />
        </>
      )}

      <TestEmailModal
        opened={testOpened}
        onClose={() => setTestOpened(false)}
        defaultRecipient={recipient}
        onRecipient={setRecipient}
        description={t("email.org.testEffective")}
        send={(to) => endpoints.test({ to })}
      />
      {confirmModal}
    </Stack>
  );
}

export default function OrgEmailSettingsPage() {
  const { t } = useTranslation();
  const me = useUserPrincipal();
  const org = me.organization.slug;
  const query = useQuery({
    queryKey: ["orgs", org, "settings", "email"],
    queryFn: () => orgApi.emailSettings(org),
  });
  return (
    <>
      <PageHeader title={t("email.org.title")} description={t("email.org.description")} />
      {query.isPending ? <PageLoader /> : null}
      {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
      {query.data ? <OrgEmailSettingsPanel data={query.data} /> : null}
    </>
  );
}
