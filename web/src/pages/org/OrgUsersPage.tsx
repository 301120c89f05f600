import { Badge, Button, Group, Menu, Stack, Table, Text, Tooltip } from "@mantine/core";
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
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { orgApi } from "../../api/endpoints";
import type { OrgUser } from "../../api/types";
import { useUserPrincipal } from "../../app/session";
import { RoleBadge, StatusBadge } from "../../components/badges";
import { useConfirm } from "../../components/ConfirmModal";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { ListTable, RowActions } from "../../components/ListTable";
import { PageHeader } from "../../components/PageHeader";
import { type UserDialog, UserModal } from "../../features/users/UserModals";
import { useFormat } from "../../lib/format";

export default function OrgUsersPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const me = useUserPrincipal();
  const org = me.organization.slug;
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [dialog, setDialog] = useState<{ value: UserDialog; opened: boolean } | null>(null);
  const query = useQuery({ queryKey: ["orgs", org, "users"], queryFn: () => orgApi.users(org) });
  const users = query.data?.items ?? [];

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
        {query.isPending ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {query.isSuccess && users.length === 0 ? (
          <EmptyPanel icon={<IconUsers size={32} />} title={t("users.empty")} action={newButton} />
        ) : null}
        {users.length > 0 ? (
          <ListTable
            minWidth={820}
            testId="users-table"
            actionsColumn
            head={
              <>
                <Table.Th>{t("fields.user")}</Table.Th>
                <Table.Th>{t("fields.role")}</Table.Th>
                <Table.Th>{t("fields.status")}</Table.Th>
                <Table.Th>{t("fields.language")}</Table.Th>
                <Table.Th>{t("fields.lastLogin")}</Table.Th>
              </>
            }
          >
            {users.map((user) => (
              <Table.Tr key={user.id} data-testid={`user-row-${user.email}`}>
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
                    {format.dateTime(user.lastLoginAt, format.never)}
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
