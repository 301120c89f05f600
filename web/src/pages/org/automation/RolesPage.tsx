import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPencil, IconPlus, IconShieldCheck, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Role, RoleCatalogue, TenantAssignment } from "../../../api/types";
import { useConfirm } from "../../../components/ConfirmModal";
import { FormError, PageLoader, Panel, QueryError } from "../../../components/feedback";
import { PageHeader } from "../../../components/PageHeader";
import {
  AssignmentsPanel,
  type AssignmentTarget,
  AssignRolesModal,
  UserCell,
} from "../../../features/automation/RoleAssignments";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { useFormErrors } from "../../../lib/errors";
import { useServerText } from "../../../lib/serverText";

const FIELDS = ["name", "kind", "permissions"] as const;
/** Badges in the narrow columns keep their whole text (the permissions column takes the rest). */
const unclipped = { root: { flex: "none" }, label: { overflow: "visible" } } as const;

function RoleForm({ role, catalogue, onClose }: { role: Role | null; catalogue: RoleCatalogue; onClose: () => void }) {
  const { t } = useTranslation();
  const serverText = useServerText();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const errors = useFormErrors(FIELDS);
  const [name, setName] = useState(role?.name ?? "");
  const [kind, setKind] = useState<Role["kind"]>(role?.kind ?? "folder");
  const [permissions, setPermissions] = useState<Set<string>>(new Set(role?.permissions ?? []));
  const [pending, setPending] = useState(false);
  const resources = kind === "tenant" ? catalogue.tenantResources : catalogue.folderResources;

  const toggle = (permission: string, on: boolean) =>
    setPermissions((current) => {
      const next = new Set(current);
      if (on) next.add(permission);
      else next.delete(permission);
      return next;
    });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      errors.setFieldErrors({ name: t("validation.required") });
      return;
    }
    errors.clear();
    setPending(true);
    const list = [...permissions].filter((p) => resources.includes(p.split(".")[0] ?? ""));
    try {
      if (role) await ctx.api.updateRole(role.id, { name: name.trim(), permissions: list });
      else await ctx.api.createRole({ name: name.trim(), kind, permissions: list });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "roles") });
      notifications.show({ color: "teal", message: t("common.saved") });
      onClose();
    } catch (error) {
      errors.show(error);
    } finally {
      setPending(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate data-testid="role-form">
      <Stack gap="md">
        <TextInput
          name="name"
          label={t("fields.name")}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.fieldErrors.name}
          required
          data-autofocus
        />
        {role ? null : (
          <div>
            <Text size="sm" fw={500} mb={4}>
              {t("roles.kind")}
            </Text>
            <SegmentedControl
              value={kind}
              onChange={(v) => setKind(v as Role["kind"])}
              data={[
                { value: "folder", label: t("roles.kindFolder") },
                { value: "tenant", label: t("roles.kindTenant") },
              ]}
              data-testid="role-kind"
            />
          </div>
        )}
        <Table withTableBorder data-testid="permission-matrix">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("roles.resource")}</Table.Th>
              {catalogue.actions.map((a) => (
                <Table.Th key={a} ta="center">
                  {t(`roles.action.${a as "view"}`, { defaultValue: a })}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {resources.map((r) => (
              <Table.Tr key={r}>
                <Table.Td>
                  <Text size="sm">{serverText.permission(r)}</Text>
                </Table.Td>
                {catalogue.actions.map((a) => (
                  <Table.Td key={a} ta="center">
                    <Checkbox
                      checked={permissions.has(`${r}.${a}`)}
                      onChange={(e) => toggle(`${r}.${a}`, e.currentTarget.checked)}
                      aria-label={serverText.permission(`${r}.${a}`)}
                      style={{ display: "inline-block" }}
                      data-testid={`perm-${r}.${a}`}
                    />
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <FormError message={errors.formError ?? errors.fieldErrors.permissions ?? null} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} disabled={pending}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={pending} data-testid="role-submit">
            {t("common.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The edit and delete buttons at the end of a row (`edit-{testId}`, `remove-{testId}`). */
function RowActions({
  editLabel,
  onEdit,
  deleteLabel,
  onDelete,
  testId,
}: {
  editLabel: string;
  onEdit: () => void;
  deleteLabel: string;
  onDelete: () => void;
  testId: string;
}) {
  return (
    <Group gap={2} wrap="nowrap" justify="flex-end">
      <Tooltip label={editLabel}>
        <ActionIcon
          variant="subtle"
          color="gray"
          onClick={onEdit}
          aria-label={editLabel}
          data-testid={`edit-${testId}`}
        >
          <IconPencil size={16} />
        </ActionIcon>
      </Tooltip>
      <Tooltip label={deleteLabel}>
        <ActionIcon
          variant="subtle"
          color="red"
          onClick={onDelete}
          aria-label={deleteLabel}
          data-testid={`remove-${testId}`}
        >
          <IconTrash size={16} />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}

interface UserRoles {
  user: TenantAssignment["user"];
  roles: TenantAssignment["role"][];
}

/** Who holds tenant roles (one row per user), with assign, change and remove. */
function TenantAssignments() {
  const { t } = useTranslation();
  const serverText = useServerText();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [target, setTarget] = useState<(AssignmentTarget & { name: string | null }) | null>(null);
  const query = useQuery({ queryKey: tenantKey(ctx, "role-assignments"), queryFn: ctx.api.tenantAssignments });
  const canAssign = ctx.canTenant("users.edit");
  const rows = useMemo(() => {
    const byUser = new Map<number, UserRoles>();
    for (const a of query.data?.items ?? []) {
      const row = byUser.get(a.user.id) ?? { user: a.user, roles: [] };
      row.roles.push(a.role);
      byUser.set(a.user.id, row);
    }
    return [...byUser.values()];
  }, [query.data]);

  const remove = (row: UserRoles) => {
    const name = row.user.name || row.user.email;
    confirm({
      title: t("roles.removeTitle", { name }),
      message: t("roles.removeBody"),
      confirmLabel: t("roles.removeAssignment"),
      action: async () => {
        await ctx.api.setTenantAssignments(row.user.id, []);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx) });
      },
      successMessage: t("roles.removed", { name }),
    });
  };

  return (
    <>
      <AssignmentsPanel
        title={t("roles.tenantAssignments")}
        hint={t("roles.tenantAssignmentsHint")}
        assign={
          canAssign
            ? {
                label: t("roles.assign"),
                onClick: () => setTarget({ userId: null, roleIds: [], name: null }),
                testId: "assign-tenant-roles",
              }
            : null
        }
        query={query}
        empty={{ text: t("roles.noAssignments"), testId: "tenant-assignments-empty" }}
      >
        <Table className="dirigent-table" data-testid="tenant-assignments">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("fields.user")}</Table.Th>
              <Table.Th>{t("roles.tenantRoles")}</Table.Th>
              <Table.Th w={80} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={row.user.id} data-testid={`tenant-assignment-${row.user.email}`}>
                <Table.Td>
                  <UserCell user={row.user} />
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {row.roles.map((r) => (
                      <Badge key={r.id} variant="light" data-testid="assigned-role">
                        {serverText.roleName(r)}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  {canAssign ? (
                    <RowActions
                      editLabel={t("common.edit")}
                      onEdit={() =>
                        setTarget({
                          userId: row.user.id,
                          roleIds: row.roles.map((r) => r.id),
                          name: row.user.name || row.user.email,
                        })
                      }
                      deleteLabel={t("roles.removeAssignment")}
                      onDelete={() => remove(row)}
                      testId="assignment"
                    />
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </AssignmentsPanel>
      <AssignRolesModal
        kind="tenant"
        title={target?.name ? t("roles.editAssignment", { name: target.name }) : t("roles.assign")}
        target={target}
        onSave={ctx.api.setTenantAssignments}
        onClose={() => setTarget(null)}
      />
      {confirmModal}
    </>
  );
}

export default function RolesPage() {
  const { t } = useTranslation();
  const serverText = useServerText();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [dialog, setDialog] = useState<{ role: Role | null } | null>(null);
  const query = useQuery({ queryKey: tenantKey(ctx, "roles"), queryFn: ctx.api.roles });
  const canEdit = ctx.canTenant("roles.edit");
  const remove = (role: Role) =>
    confirm({
      title: t("roles.deleteTitle", { name: serverText.roleName(role) }),
      message: t("roles.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await ctx.api.deleteRole(role.id);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "roles") });
      },
    });
  const newButton = ctx.canTenant("roles.create") ? (
    <Button leftSection={<IconPlus size={18} />} onClick={() => setDialog({ role: null })} data-testid="new-role">
      {t("roles.new")}
    </Button>
  ) : null;

  return (
    <>
      <PageHeader title={t("roles.title")} description={t("roles.description")} actions={newButton} />
      <Stack gap="md">
        <Panel>
          {query.isPending ? <PageLoader /> : null}
          {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
          {query.data ? (
            <Table className="dirigent-table" data-testid="roles-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("fields.name")}</Table.Th>
                  <Table.Th>{t("roles.kind")}</Table.Th>
                  <Table.Th>{t("roles.permissions")}</Table.Th>
                  <Table.Th w={80} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data.items.map((role) => (
                  <Table.Tr key={role.id} data-testid={`role-row-${role.name}`}>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <IconShieldCheck size={16} style={{ flex: "none" }} />
                        <Text size="sm" fw={600} style={{ whiteSpace: "nowrap" }}>
                          {serverText.roleName(role)}
                        </Text>
                        {role.predefined ? (
                          <Badge size="xs" variant="light" color="gray" styles={unclipped}>
                            {t("roles.predefined")}
                          </Badge>
                        ) : null}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="outline" color={role.kind === "tenant" ? "indigo" : "teal"} styles={unclipped}>
                        {role.kind === "tenant" ? t("roles.kindTenant") : t("roles.kindFolder")}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {role.permissions.map((p) => (
                          <Badge key={p} size="xs" variant="light" color="gray" tt="none">
                            {serverText.permission(p)}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      {!role.predefined && canEdit ? (
                        <RowActions
                          editLabel={t("common.edit")}
                          onEdit={() => setDialog({ role })}
                          deleteLabel={t("common.delete")}
                          onDelete={() => remove(role)}
                          testId="role"
                        />
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : null}
        </Panel>
        {ctx.canTenant("users.view") ? <TenantAssignments /> : null}
      </Stack>
      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={dialog?.role ? t("roles.editTitle", { name: serverText.roleName(dialog.role) }) : t("roles.new")}
        size="lg"
        centered
      >
        {dialog && query.data ? (
          <RoleForm role={dialog.role} catalogue={query.data.catalogue} onClose={() => setDialog(null)} />
        ) : null}
      </Modal>
      {confirmModal}
    </>
  );
}
