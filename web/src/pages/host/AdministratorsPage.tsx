import { Badge, Button, Group, Menu, Stack, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import {
  IconCircleCheck,
  IconCircleOff,
  IconKey,
  IconPencil,
  IconPlus,
  IconShieldLock,
  IconTrash,
} from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { Administrator } from "../../api/types";
import { usePrincipal } from "../../app/session";
import { StatusBadge } from "../../components/badges";
import { useConfirm } from "../../components/ConfirmModal";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { ListTable, RowActions } from "../../components/ListTable";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { Time } from "../../components/Time";
import { type AdministratorDialog, AdministratorModal } from "../../features/administrators/AdministratorModals";
import { useErrorText } from "../../lib/errors";
import { useFormat } from "../../lib/format";
import { useCursorList } from "../../lib/useCursorList";

export default function AdministratorsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const me = usePrincipal();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [confirm, confirmModal] = useConfirm();
  const [dialog, setDialog] = useState<{ value: AdministratorDialog; opened: boolean } | null>(null);
  const list = useCursorList(["host", "administrators"], (cursor) => hostApi.administrators(cursor));

  const isMe = (admin: Administrator) => me.kind === "admin" && admin.id === me.id;
  // The installation keeps one active administrator: "Disable" is not offered for the last one.
  const activeCount = list.items.filter((a) => a.status === "active").length;
  const isLastActive = (admin: Administrator) => admin.status === "active" && activeCount <= 1 && !list.hasNextPage;
  const open = (value: AdministratorDialog) => setDialog({ value, opened: true });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["host"] });

  const toggle = (admin: Administrator) => {
    if (admin.status === "disabled") {
      hostApi
        .updateAdministrator(admin.id, { status: "active" })
        .then(refresh)
        .then(
          () => notifications.show({ color: "teal", message: t("administrators.enabled", { name: admin.username }) }),
          (error: unknown) => notifications.show({ color: "red", title: t("errors.title"), message: errorText(error) }),
        );
      return;
    }
    confirm({
      title: t("administrators.disableTitle", { name: admin.username }),
      message: isMe(admin) ? t("administrators.selfWarning") : t("administrators.disableBody"),
      confirmLabel: t("common.disable"),
      color: "orange",
      action: async () => {
        await hostApi.updateAdministrator(admin.id, { status: "disabled" });
        await refresh();
      },
      successMessage: t("administrators.disabled", { name: admin.username }),
    });
  };

  const remove = (admin: Administrator) =>
    confirm({
      title: t("administrators.deleteTitle", { name: admin.username }),
      message: isMe(admin) ? t("administrators.selfWarning") : t("administrators.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await hostApi.deleteAdministrator(admin.id);
        await refresh();
      },
      successMessage: t("administrators.deleted", { name: admin.username }),
    });

  const newButton = (
    <Button
      leftSection={<IconPlus size={18} />}
      onClick={() => open({ kind: "create" })}
      data-testid="new-administrator"
    >
      {t("administrators.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("administrators.title")} description={t("administrators.description")} actions={newButton} />
      <Panel>
        {list.isPending ? <PageLoader /> : null}
        {list.isError ? <QueryError error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.isSuccess && list.items.length === 0 ? (
          <EmptyPanel icon={<IconShieldLock size={32} />} title={t("administrators.empty")} action={newButton} />
        ) : null}
        {list.items.length > 0 ? (
          <ListTable
            minWidth={760}
            testId="administrators-table"
            actionsColumn
            head={
              <>
                <Table.Th>{t("fields.username")}</Table.Th>
                <Table.Th>{t("fields.email")}</Table.Th>
                <Table.Th>{t("fields.status")}</Table.Th>
                <Table.Th>{t("fields.lastLogin")}</Table.Th>
                <Table.Th>{t("fields.created")}</Table.Th>
              </>
            }
          >
            {list.items.map((admin) => (
              <Table.Tr key={admin.id} data-testid={`admin-row-${admin.username}`}>
                <Table.Td>
                  <Stack gap={0}>
                    <Group gap={6}>
                      <Text size="sm" fw={600}>
                        {admin.username}
                      </Text>
                      {isMe(admin) ? (
                        <Badge size="xs" variant="light" color="indigo">
                          {t("common.you")}
                        </Badge>
                      ) : null}
                    </Group>
                    <Text size="xs" c="dimmed">
                      {admin.name}
                    </Text>
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{admin.email ?? "—"}</Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={admin.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    <Time value={admin.lastLoginAt} fallback={format.never} />
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {format.date(admin.createdAt)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group justify="flex-end">
                    <RowActions name={admin.username}>
                      <Menu.Item
                        leftSection={<IconPencil size={16} />}
                        onClick={() => open({ kind: "edit", admin })}
                        data-testid="edit"
                      >
                        {t("common.edit")}
                      </Menu.Item>
                      <Menu.Item
                        leftSection={<IconKey size={16} />}
                        onClick={() => open({ kind: "password", admin })}
                        data-testid="reset-password"
                      >
                        {t("administrators.resetPassword")}
                      </Menu.Item>
                      {isLastActive(admin) ? null : (
                        <Menu.Item
                          leftSection={
                            admin.status === "active" ? <IconCircleOff size={16} /> : <IconCircleCheck size={16} />
                          }
                          onClick={() => toggle(admin)}
                          data-testid="toggle-status"
                        >
                          {admin.status === "active" ? t("common.disable") : t("common.enable")}
                        </Menu.Item>
                      )}
                      <Menu.Divider />
                      <Menu.Item
                        color="red"
                        leftSection={<IconTrash size={16} />}
                        onClick={() => remove(admin)}
                        data-testid="delete"
                      >
                        {t("common.delete")}
                      </Menu.Item>
                    </RowActions>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </ListTable>
        ) : null}
        <LoadMore
          hasMore={!!list.hasNextPage}
          loading={list.isFetchingNextPage}
          onLoad={() => void list.fetchNextPage()}
        />
      </Panel>
      <AdministratorModal
        dialog={dialog?.value ?? null}
        opened={!!dialog?.opened}
        onClose={() => setDialog((d) => (d ? { ...d, opened: false } : d))}
      />
      {confirmModal}
    </>
  );
}
