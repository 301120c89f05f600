import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import { PageHeader } from "../../components/PageHeader";
import { AuditLogView } from "../../features/audit/AuditLogView";

export default function HostAuditPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("audit.title")} description={t("audit.hostDescription")} />
      <AuditLogView queryKey={["host", "audit"]} fetchPage={hostApi.auditLogs} csvPath="/host/audit-logs.csv" />
    </>
  );
}
