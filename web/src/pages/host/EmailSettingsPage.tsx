import { Badge, Group } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { EmailSettingsInput } from "../../api/types";
import { usePrincipal } from "../../app/session";
import { PageLoader, QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { EmailSettingsForm } from "../../features/email/EmailSettingsForm";

const settingsKey = ["host", "settings", "email"] as const;

export default function EmailSettingsPage() {
  const { t } = useTranslation();
  const principal = usePrincipal();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: settingsKey, queryFn: hostApi.emailSettings });

  const save = async (body: EmailSettingsInput) => {
    const saved = await hostApi.updateEmailSettings(body);
    queryClient.setQueryData(settingsKey, saved);
    await queryClient.invalidateQueries({ queryKey: ["host", "email"] });
    notifications.show({
      color: saved.warnings.length > 0 ? "yellow" : "teal",
      message:
        saved.warnings.length > 0 ? t("email.savedWithWarnings", { count: saved.warnings.length }) : t("email.saved"),
    });
    return saved;
  };

  return (
    <>
      <PageHeader
        title={
          <Group gap="sm" component="span">
            {t("email.hostTitle")}
            {query.data ? (
              <Badge
                variant="light"
                color={query.data.enabled ? "teal" : "gray"}
                data-testid="email-enabled-badge"
                style={{ verticalAlign: "middle" }}
              >
                {query.data.enabled ? t("email.on") : t("email.off")}
              </Badge>
            ) : null}
          </Group>
        }
        description={t("email.hostDescription")}
      />
      {query.isPending ? <PageLoader /> : null}
      {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
      {query.data ? (
        <EmailSettingsForm
          initial={query.data}
          endpoints={hostApi.email}
          onSave={save}
          defaultRecipient={principal.email ?? ""}
        />
      ) : null}
    </>
  );
}
