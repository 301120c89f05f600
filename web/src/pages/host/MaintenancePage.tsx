import { Alert, Stack } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import { useConfirm } from "../../components/ConfirmModal";
import { PageLoader, QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { useMaintenanceActions } from "../../features/maintenance/actions";
import { HostPhasePanel } from "../../features/maintenance/HostPhasePanel";
import { MaintenanceLog } from "../../features/maintenance/MaintenanceLog";
import { TenantMaintenancePanel } from "../../features/maintenance/TenantMaintenancePanel";

export default function MaintenancePage() {
  const { t } = useTranslation();
  const [confirm, confirmModal] = useConfirm();
  const actions = useMaintenanceActions(confirm);
  const query = useQuery({ queryKey: ["host", "maintenance"], queryFn: hostApi.maintenance, refetchInterval: 15_000 });

  return (
    <>
      <PageHeader title={t("maintenance.title")} description={t("maintenance.description")} />
      {query.isPending ? <PageLoader /> : null}
      {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
      {query.data ? (
        <Stack gap="lg">
          {query.data.phase !== "none" ? (
            <Alert
              color={query.data.phase === "suspended" ? "red" : "orange"}
              icon={<IconAlertTriangle />}
              variant="light"
              title={t("maintenance.activeTitle")}
            >
              {t("maintenance.activeBody")}
            </Alert>
          ) : null}
          <HostPhasePanel state={query.data} actions={actions} />
          <TenantMaintenancePanel state={query.data} actions={actions} />
          <MaintenanceLog state={query.data} />
        </Stack>
      ) : null}
      {confirmModal}
    </>
  );
}
