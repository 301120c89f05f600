import { Alert, Anchor, Group, Text } from "@mantine/core";
import { IconMailOff } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { orgApi } from "../../api/endpoints";
import { useUserPrincipal } from "../../app/session";
import { PageHeader } from "../../components/PageHeader";
import { OutboxView } from "../../features/email/OutboxView";

/** Says in words why the organization's mail is held, when it is: sending switched off, or no server. */
function HeldBanner({ org }: { org: string }) {
  const { t } = useTranslation();
  const { data } = useQuery({
    queryKey: ["orgs", org, "settings", "email"],
    queryFn: () => orgApi.emailSettings(org),
  });
  if (!data) return null;
  const reason =
    data.mode === "custom" && !data.enabled
      ? t("email.org.heldShort")
      : data.mode === "inherit" && !data.installation.enabled
        ? t("email.org.heldHost")
        : null;
  if (!reason) return null;
  return (
    <Alert color="yellow" variant="light" icon={<IconMailOff />} mb="lg" data-testid="email-held-banner">
      <Group gap="xs" wrap="wrap">
        <Text size="sm">{reason}</Text>
        <Anchor component={Link} to="/org/settings/email" size="sm" fw={600}>
          {t("email.org.openSettings")}
        </Anchor>
      </Group>
    </Alert>
  );
}

export default function OrgEmailOutboxPage() {
  const { t } = useTranslation();
  const me = useUserPrincipal();
  return (
    <>
      <PageHeader
        title={t("email.outbox.title")}
        description={t("email.outbox.orgDescription")}
        actions={
          <Anchor component={Link} to="/org/settings/email" size="sm">
            {t("email.outbox.settingsLink")}
          </Anchor>
        }
      />
      <HeldBanner org={me.organization.slug} />
      <OutboxView endpoints={orgApi.email(me.organization.slug)} />
    </>
  );
}
