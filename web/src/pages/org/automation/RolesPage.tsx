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
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Role, RoleCatalogue } from "../../../api/types";
import { useConfirm } from "../../../components/ConfirmModal";
import { FormError, PageLoader, Panel, QueryError } from "../../../components/feedback";
import { PageHeader } from "../../../components/PageHeader";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { useFormErrors } from "../../../lib/errors";

const FIELDS = ["name", "kind", "permissions"] as const;

function RoleForm({ role, catalogue, onClose }: { role: Role | null; catalogue: RoleCatalogue; onClose: () => void }) {
  const { t } = useTranslation();
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
                  <Text size="sm" ff="monospace">
                    {r}
                  </Text>
                </Table.Td>
                {catalogue.actions.map((a) => (
                  <Table.Td key={a} ta="center">
                    <Checkbox
                      checked={permissions.has(`${r}.${a}`)}
                      onChange={(e) => toggle(`${r}.${a}`, e.currentTarget.checked)}
                      aria-label={`${r}.${a}`}
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

export default function RolesPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [dialog, setDialog] = useState<{ role: Role | null } | null>(null);
  const query = useQuery({ queryKey: tenantKey(ctx, "roles"), queryFn: ctx.api.roles });
  const canEdit = ctx.canTenant("roles.edit");
  const remove = (role: Role) =>
    confirm({
      title: t("roles.deleteTitle", { name: role.name }),
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
                      <IconShieldCheck size={16} />
                      <Text size="sm" fw={600}>
                        {role.name}
                      </Text>
                      {role.predefined ? (
                        <Badge size="xs" variant="light" color="gray">
                          {t("roles.predefined")}
                        </Badge>
                      ) : null}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="outline" color={role.kind === "tenant" ? "indigo" : "teal"}>
                      {role.kind === "tenant" ? t("roles.kindTenant") : t("roles.kindFolder")}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {role.permissions.map((p) => (
                        <Badge key={p} size="xs" variant="light" color="gray" tt="none">
                          {p}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    {!role.predefined && canEdit ? (
                      <Group gap={2} wrap="nowrap">
                        <Tooltip label={t("common.edit")}>
                          <ActionIcon
                            variant="subtle"
                            color="gray"
                            onClick={() => setDialog({ role })}
                            aria-label={t("common.edit")}
                          >
                            <IconPencil size={16} />
                          </ActionIcon>
                        </Tooltip>
                        <Tooltip label={t("common.delete")}>
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            onClick={() => remove(role)}
                            aria-label={t("common.delete")}
                          >
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Tooltip>
                      </Group>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
      </Panel>
      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={dialog?.role ? t("roles.editTitle", { name: dialog.role.name }) : t("roles.new")}
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
