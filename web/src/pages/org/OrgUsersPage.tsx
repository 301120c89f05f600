import { Badge, Button, Group, Menu, Stack, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import {
  IconKey,
  IconLockOpen,
  IconMailCancel,
  IconMailForward,
  IconPencil,
  IconPlus,
  IconTrash,
  IconUsers,
} from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { orgApi } from "../../api/endpoints";
import type { OrgUser } from "../../api/types";
import { useUserPrincipal } from "../../app/session";
import { RoleBadge, StatusBadge } from "../../components/badges";
import { useConfirm } from "../../components/ConfirmModal";
import { SelectAllTh, SelectTd, SortableTh, TableToolbar } from "../../components/DataTable";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { ListTable, RowActions } from "../../components/ListTable";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { Time } from "../../components/Time";
import { type UserDialog, UserModal } from "../../features/users/UserModals";
import { useErrorText } from "../../lib/errors";
import { useFormat } from "../../lib/format";
import { useCursorList } from "../../lib/useCursorList";
import { useListControls, useSelection } from "../../lib/useListControls";

export default function OrgUsersPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const me = useUserPrincipal();
  const org = me.organization.slug;
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const errorText = useErrorText();
  const [dialog, setDialog] = useState<{ value: UserDialog; opened: boolean } | null>(null);
  const controls = useListControls();
  const listParams = { q: controls.query, sort: controls.sortParam, limit: controls.pageSize };
  const query = useCursorList(["orgs", org, "users", listParams], (cursor) =>
    orgApi.users(org, { ...listParams, cursor }),
  );
  const users = query.items;
  const total = query.data?.pages[0]?.total ?? null;
  // Everyone but the signed-in user can be picked (nobody disables or removes themselves here).
  const selectable = users.filter((u) => u.id !== me.id).map((u) => u.id);
  const selection = useSelection(selectable);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["orgs", org, "users"] });

  /** Runs `action` on every selected user and says how it went; the server refuses what it must (the last administrator). */
  const bulk = async (action: (id: number) => Promise<unknown>, doneMessage: (count: number) => string) => {
    const ids = [...selection.selected];
    const results = await Promise.allSettled(ids.map(action));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    selection.clear();
    await refresh();
    notifications.show(
      failed.length === 0
        ? { color: "teal", message: doneMessage(ids.length) }
        : {
            color: "red",
            message: t("table.bulkPartly", {
              done: ids.length - failed.length,
              failed: failed.length,
              reason: errorText(failed[0]?.reason),
            }),
          },
    );
  };
  const disableSelected = () =>
    confirm({
      title: t("users.bulkDisableTitle", { count: selection.selected.size }),
      message: t("users.bulkDisableBody"),
      confirmLabel: t("common.disable"),
      action: () =>
        bulk(
          (id) => orgApi.updateUser(org, id, { status: "disabled" }),
          (count) => t("users.bulkDisabled", { count }),
        ),
    });
  const deleteSelected = () =>
    confirm({
      title: t("users.bulkDeleteTitle", { count: selection.selected.size }),
      message: t("users.deleteBody"),
      confirmLabel: t("common.delete"),
      action: () =>
        bulk(
          (id) => orgApi.deleteUser(org, id),
          (count) => t("users.bulkDeleted", { count }),
        ),
    });

  const remove = (user: OrgUser) =>
    confirm({
      title: t("users.deleteTitle", { name: user.email }),
      message: t("users.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await orgApi.deleteUser(org, user.id);
        await queryClient.invalidateQueries({ queryKey: ["orgs", org, "users"] });
      },
      successMessage: t("users.deleted", { name: user.email }),
    });

  const resendInvitation = (user: OrgUser) =>
    confirm({
      title: t("users.resendInvitationTitle", { name: user.email }),
      message: t("users.resendInvitationBody"),
      confirmLabel: t("users.resendInvitation"),
      color: "indigo",
      action: () => orgApi.resendInvitation(org, user.id),
      successMessage: t("users.invitationSent", { name: user.email }),
    });

  const unlock = (user: OrgUser) =>
    confirm({
      title: t("users.unlockTitle", { name: user.email }),
      message: t("users.unlockBody"),
      confirmLabel: t("users.unlock"),
      color: "indigo",
      action: () => orgApi.unlockUser(org, user.id),
      successMessage: t("users.unlocked", { name: user.email }),
    });

  const revokeInvitation = (user: OrgUser) =>
    confirm({
      title: t("users.revokeInvitationTitle", { name: user.email }),
      message: t("users.revokeInvitationBody"),
      confirmLabel: t("users.revokeInvitation"),
      action: () => orgApi.revokeInvitation(org, user.id),
      successMessage: t("users.invitationRevoked", { name: user.email }),
    });

  const newButton = (
    <Button
      leftSection={<IconPlus size={18} />}
      onClick={() => setDialog({ value: { kind: "create" }, opened: true })}
      data-testid="new-user"
    >
      {t("users.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("users.title")} description={t("users.description")} actions={newButton} />
      <Panel>
        <TableToolbar
          controls={controls}
          shown={users.length}
          total={total}
          selected={selection.selected.size}
          onClearSelection={selection.clear}
          searchPlaceholder={t("users.searchPlaceholder")}
          bulkActions={
            <>
              <Button size="xs" variant="light" onClick={disableSelected} data-testid="disable-selected">
                {t("common.disable")}
              </Button>
              <Button size="xs" variant="light" color="red" onClick={deleteSelected} data-testid="delete-selected">
                {t("common.delete")}
              </Button>
            </>
          }
        />
        {query.isPending ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {query.isSuccess && users.length === 0 ? (
          controls.query ? (
            <EmptyPanel icon={<IconUsers size={32} />} title={t("common.nothingFound")} />
          ) : (
            <EmptyPanel icon={<IconUsers size={32} />} title={t("users.empty")} action={newButton} />
          )
        ) : null}
        {users.length > 0 ? (
          <ListTable
            minWidth={820}
            testId="users-table"
            actionsColumn
            busy={query.isPlaceholderData}
            head={
              <>
                <SelectAllTh ids={selectable} selection={selection} />
                <SortableTh field="name" controls={controls}>
                  {t("fields.user")}
                </SortableTh>
                <SortableTh field="role" controls={controls}>
                  {t("fields.role")}
                </SortableTh>
                <SortableTh field="status" controls={controls}>
                  {t("fields.status")}
                </SortableTh>
                <Table.Th>{t("fields.language")}</Table.Th>
                <Table.Th>{t("fields.lastLogin")}</Table.Th>
              </>
            }
          >
            {users.map((user) => (
              <Table.Tr key={user.id} data-testid={`user-row-${user.email}`}>
                <SelectTd id={user.id} label={user.email} selection={selection} disabled={user.id === me.id} />
                <Table.Td>
                  <Stack gap={0}>
                    <Group gap={6}>
                      <Text size="sm" fw={600}>
                        {user.name || user.email}
                      </Text>
                      {user.id === me.id ? (
                        <Badge size="xs" variant="light">
                          {t("common.you")}
                        </Badge>
                      ) : null}
                      {!user.hasPassword ? (
                        <Tooltip label={t("users.invitedHint")}>
                          <Badge
                            size="xs"
                            variant="light"
                            color="yellow"
                            leftSection={<IconMailForward size={10} />}
                            data-testid="invited-badge"
                          >
                            {t("users.invited")}
                          </Badge>
                        </Tooltip>
                      ) : null}
                    </Group>
                    <Text size="xs" c="dimmed">
                      {user.email}
                    </Text>
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <RoleBadge role={user.role} />
                </Table.Td>
                <Table.Td>
                  <Group gap={6}>
                    <StatusBadge status={user.status} />
                    {user.lockedUntil ? (
                      <Badge size="sm" variant="light" color="orange" data-testid="locked-badge">
                        {t("users.lockedUntil", { until: format.dateTime(user.lockedUntil) })}
                      </Badge>
                    ) : null}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{user.locale === "de" ? "Deutsch" : "English"}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    <Time value={user.lastLoginAt} fallback={format.never} />
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group justify="flex-end">
                    <RowActions name={user.email}>
                      <Menu.Item
                        leftSection={<IconPencil size={16} />}
                        onClick={() => setDialog({ value: { kind: "edit", user }, opened: true })}
                        data-testid="edit"
                      >
                        {t("common.edit")}
                      </Menu.Item>
                      {user.id === me.id ? null : (
                        <Menu.Item
                          leftSection={<IconKey size={16} />}
                          onClick={() => setDialog({ value: { kind: "password", user }, opened: true })}
                          data-testid="set-password"
                        >
                          {t("users.setPassword")}
                        </Menu.Item>
                      )}
                      {user.lockedUntil ? (
                        <Menu.Item
                          leftSection={<IconLockOpen size={16} />}
                          onClick={() => unlock(user)}
                          data-testid="unlock"
                        >
                          {t("users.unlock")}
                        </Menu.Item>
                      ) : null}
                      {!user.hasPassword ? (
                        <>
                          <Menu.Divider />
                          <Menu.Label>{t("users.invitation")}</Menu.Label>
                          <Menu.Item
                            leftSection={<IconMailForward size={16} />}
                            onClick={() => resendInvitation(user)}
                            data-testid="resend-invitation"
                          >
                            {t("users.resendInvitation")}
                          </Menu.Item>
                          <Menu.Item
                            leftSection={<IconMailCancel size={16} />}
                            onClick={() => revokeInvitation(user)}
                            data-testid="revoke-invitation"
                          >
                            {t("users.revokeInvitation")}
                          </Menu.Item>
                        </>
                      ) : null}
                      <Menu.Divider />
                      <Menu.Item
                        color="red"
                        leftSection={<IconTrash size={16} />}
                        onClick={() => remove(user)}
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
          hasMore={!!query.hasNextPage}
          loading={query.isFetchingNextPage}
          onLoad={() => void query.fetchNextPage()}
        />
      </Panel>
      <UserModal
        org={org}
        dialog={dialog?.value ?? null}
        opened={!!dialog?.opened}
        onClose={() => setDialog((d) => (d ? { ...d, opened: false } : d))}
      />
      {confirmModal}
    </>
  );
}
