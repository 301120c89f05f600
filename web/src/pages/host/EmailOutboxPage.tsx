import { Anchor } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { hostApi } from "../../api/endpoints";
import { type OutboxStatus, outboxStatusList } from "../../api/types";
import { PageHeader } from "../../components/PageHeader";
import { OutboxView } from "../../features/email/OutboxView";

export default function EmailOutboxPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const requested = params.get("status");
  const status = outboxStatusList.includes(requested as OutboxStatus) ? (requested as OutboxStatus) : null;
  return (
    <>
      <PageHeader
        title={t("email.outbox.title")}
        description={t("email.outbox.hostDescription")}
        actions={
          <Anchor component={Link} to="/host/settings/email" size="sm">
            {t("email.outbox.settingsLink")}
          </Anchor>
        }
      />
      <OutboxView key={status ?? "all"} endpoints={hostApi.email} initialStatus={status} />
    </>
  );
}
