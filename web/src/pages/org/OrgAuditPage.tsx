import { useTranslation } from "react-i18next";
import { orgApi } from "../../api/endpoints";
import { useUserPrincipal } from "../../app/session";
import { PageHeader } from "../../components/PageHeader";
import { AuditLogView } from "../../features/audit/AuditLogView";

export default function OrgAuditPage() {
  const { t } = useTranslation();
  const slug = useUserPrincipal().organization.slug;
  return (
    <>
      <PageHeader title={t("audit.title")} description={t("audit.orgDescription")} />
      <AuditLogView
        queryKey={["orgs", slug, "audit"]}
        fetchPage={(filters) => orgApi.auditLogs(slug, filters)}
        csvPath={`/orgs/${encodeURIComponent(slug)}/audit-logs.csv`}
      />
    </>
  );
}
