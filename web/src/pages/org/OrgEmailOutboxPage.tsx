import { Anchor } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { orgApi } from "../../api/endpoints";
import { useUserPrincipal } from "../../app/session";
import { PageHeader } from "../../components/PageHeader";
import { OutboxView } from "../../features/email/OutboxView";

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
      <OutboxView endpoints={orgApi.email(me.organization.slug)} />
    </>
  );
}
