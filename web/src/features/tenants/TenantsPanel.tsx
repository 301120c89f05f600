import { Button, Group, Menu, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCircleCheck, IconCircleOff, IconHistory, IconPencil, IconPlus, IconServer2 } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { TenantEndpoints } from "../../api/endpoints";
import type { Tenant } from "../../api/types";
import { StatusBadge } from "../../components/badges";
import { useConfirm } from "../../components/ConfirmModal";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { ListTable, RowActions } from "../../components/ListTable";
import { TextFieldModal } from "../../components/TextFieldModal";
import { useErrorText } from "../../lib/errors";
import { useFormat } from "../../lib/format";
import { LogRetentionModal } from "./LogRetentionModal";

/**
 * The tenants of one organization with create, rename, log retention and disable/enable. Used by the host portal
 * (any organization) and by org administrators (their own), which differ only in endpoints.
 */
export function TenantsPanel({ endpoints, canManage = true }: { endpoints: TenantEndpoints; canManage?: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<Tenant | null>(null);
  const [retention, setRetention] = useState<Tenant | null>(null);
  const [confirm, confirmModal] = useConfirm();
  const query = useQuery({ queryKey: endpoints.key, queryFn: endpoints.list });

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: endpoints.key });
    // Counts on lists and the dashboard include tenants.
    await queryClient.invalidateQueries({ queryKey: ["host"] });
  };

  const setStatus = async (tenant: Tenant, status: Tenant["status"]) => {
    await endpoints.update(tenant.id, { status });
    await refresh();
  };

  const toggle = (tenant: Tenant) => {
    if (tenant.status === "disabled") {
      setStatus(tenant, "active").then(
        () => notifications.show({ color: "teal", message: t("tenants.enabled", { name: tenant.name }) }),
        (error: unknown) => notifications.show({ color: "red", title: t("errors.title"), message: errorText(error) }),
      );
      return;
    }
    confirm({
      title: t("tenants.disableTitle", { name: tenant.name }),
      message: t("tenants.disableBody"),
      confirmLabel: t("common.disable"),
      color: "orange",
      action: () => setStatus(tenant, "disabled"),
      successMessage: t("tenants.disabled", { name: tenant.name }),
    });
  };

  const newButton = canManage ? (
    <Button size="xs" leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="new-tenant">
      {t("tenants.new")}
    </Button>
  ) : null;
  const tenants = query.data?.items ?? [];

  return (
    <>
      <Panel title={t("tenants.title")} actions={newButton}>
        {query.isPending ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {query.isSuccess && tenants.length === 0 ? (
          <EmptyPanel
            icon={<IconServer2 size={32} />}
            title={t("tenants.empty")}
            description={t("tenants.emptyBody")}
            action={newButton}
          />
        ) : null}
        {tenants.length > 0 ? (
          <ListTable
            minWidth={640}
            testId="tenants-table"
            actionsColumn={canManage}
            head={
              <>
                <Table.Th>{t("fields.name")}</Table.Th>
                <Table.Th>{t("fields.status")}</Table.Th>
                <Table.Th>{t("tenants.retention")}</Table.Th>
                <Table.Th>{t("fields.created")}</Table.Th>
              </>
            }
          >
            {tenants.map((tenant) => (
              <Table.Tr key={tenant.id} data-testid={`tenant-row-${tenant.name}`}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {tenant.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={tenant.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" data-testid="tenant-retention">
                    {t("tenants.retentionDays", { count: tenant.logRetentionDays })}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {format.date(tenant.createdAt)}
                  </Text>
                </Table.Td>
                {canManage ? (
                  <Table.Td>
                    <Group justify="flex-end">
                      <RowActions name={tenant.name}>
                        <Menu.Item
                          leftSection={<IconPencil size={16} />}
                          onClick={() => setRenaming(tenant)}
                          data-testid="rename"
                        >
                          {t("tenants.rename")}
                        </Menu.Item>
                        <Menu.Item
                          leftSection={<IconHistory size={16} />}
                          onClick={() => setRetention(tenant)}
                          data-testid="log-retention"
                        >
                          {t("tenants.retention")}
                        </Menu.Item>
                        <Menu.Item
                          leftSection={
                            tenant.status === "active" ? <IconCircleOff size={16} /> : <IconCircleCheck size={16} />
                          }
                          onClick={() => toggle(tenant)}
                          data-testid="toggle-status"
                        >
                          {tenant.status === "active" ? t("common.disable") : t("common.enable")}
                        </Menu.Item>
                      </RowActions>
                    </Group>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </ListTable>
        ) : null}
      </Panel>
      <TextFieldModal
        opened={creating}
        onClose={() => setCreating(false)}
        title={t("tenants.new")}
        label={t("tenants.name")}
        name="name"
        description={t("tenants.nameHint")}
        submitLabel={t("tenants.create")}
        testId="create-tenant-form"
        onSubmit={async (name) => {
          const tenant = await endpoints.create({ name });
          await refresh();
          notifications.show({ color: "teal", message: t("tenants.created", { name: tenant.name }) });
        }}
      />
      <TextFieldModal
        opened={renaming !== null}
        onClose={() => setRenaming(null)}
        title={t("tenants.renameTitle", { name: renaming?.name ?? "" })}
        label={t("tenants.name")}
        name="name"
        initialValue={renaming?.name}
        description={t("tenants.renameHint")}
        submitLabel={t("common.save")}
        testId="rename-tenant-form"
        onSubmit={async (name) => {
          if (!renaming) return;
          await endpoints.update(renaming.id, { name });
          await refresh();
          notifications.show({ color: "teal", message: t("tenants.renamed", { name }) });
        }}
      />
      <LogRetentionModal
        tenant={retention}
        onClose={() => setRetention(null)}
        onSave={async (logRetentionDays) => {
          if (!retention) return;
          await endpoints.update(retention.id, { logRetentionDays });
          await refresh();
        }}
      />
      {confirmModal}
    </>
  );
}
