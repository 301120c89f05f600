import { Alert, Anchor, Group, Text } from "@mantine/core";
import { IconMailExclamation, IconMailOff } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { hostApi } from "../../api/endpoints";
import { useFormat } from "../../lib/format";

/**
 * Host portal banner while system e-mail cannot be delivered: not configured (mail waits in the
 * outbox) or failing (the last error, with the way to the outbox).
 */
export function EmailBanner() {
  const { t } = useTranslation();
  const format = useFormat();
  const { data } = useQuery({
    queryKey: ["host", "email", "status"],
    queryFn: hostApi.emailStatus,
    refetchInterval: 30_000,
  });
  if (!data) return null;
  if (!data.configured) {
    return (
      <Alert
        color="yellow"
        variant="light"
        icon={<IconMailOff />}
        mb="lg"
        data-testid="email-banner"
        data-state="unconfigured"
      >
        <Group gap="xs" wrap="wrap">
          <Text size="sm" fw={600}>
            {t("email.banner.unconfigured")}
          </Text>
          {data.held > 0 ? (
            <Text size="sm" c="dimmed">
              {t("email.banner.held", { count: data.held })}
            </Text>
          ) : null}
          <Anchor component={Link} to="/host/settings/email" size="sm" fw={600} data-testid="email-banner-link">
            {t("email.banner.configure")}
          </Anchor>
        </Group>
      </Alert>
    );
  }
  if (data.failing) {
    return (
      <Alert
        color="red"
        variant="light"
        icon={<IconMailExclamation />}
        title={t("email.banner.failing")}
        mb="lg"
        data-testid="email-banner"
        data-state="failing"
      >
        <Group gap="xs" wrap="wrap">
          {data.lastError ? (
            <Text size="sm" data-testid="email-banner-error" style={{ wordBreak: "break-word" }}>
              {data.lastErrorAt
                ? t("email.banner.lastErrorAt", { date: format.dateTime(data.lastErrorAt), error: data.lastError })
                : data.lastError}
            </Text>
          ) : null}
          <Anchor component={Link} to="/host/email/outbox" size="sm" fw={600} data-testid="email-banner-link">
            {t("email.banner.openOutbox")}
          </Anchor>
        </Group>
      </Alert>
    );
  }
  return null;
}
