import {
  ActionIcon,
  Badge,
  Button,
  Grid,
  Group,
  Menu,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowsMove, IconDots, IconFolder, IconFolderPlus, IconPencil, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Folder } from "../../../api/types";
import { useConfirm } from "../../../components/ConfirmModal";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { FormError, Panel } from "../../../components/feedback";
import { PageHeader } from "../../../components/PageHeader";
import {
  AssignmentsPanel,
  type AssignmentTarget,
  AssignRolesModal,
  UserCell,
} from "../../../features/automation/RoleAssignments";
import { NoFolderAccess, tenantKey, useSelectedFolder, useTenant } from "../../../features/automation/tenant";
import { focusFirstInvalid, useFormErrors } from "../../../lib/errors";
import { useServerText } from "../../../lib/serverText";

type Dialog =
  | { kind: "create"; parent: Folder | null }
  | { kind: "rename"; folder: Folder }
  | { kind: "move"; folder: Folder };

const FIELDS = ["name", "parentId"] as const;

function FolderDialog({ dialog, onClose }: { dialog: Dialog; onClose: () => void }) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const [name, setName] = useState(dialog.kind === "rename" ? dialog.folder.name : "");
  const [parentId, setParentId] = useState<string>(
    dialog.kind === "move" && dialog.folder.parentId ? String(dialog.folder.parentId) : "",
  );
  const [pending, setPending] = useState(false);

  const moving = dialog.kind === "move" ? dialog.folder : null;
  const parentOptions = [
    { value: "", label: t("folders.topLevel") },
    ...ctx.folders
      .filter((f) => !moving || (f.id !== moving.id && !f.path.startsWith(`${moving.path} / `)))
      .map((f) => ({ value: String(f.id), label: `${"\u2003".repeat(f.depth)}${f.name}` })),
  ];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if ((dialog.kind === "create" || dialog.kind === "rename") && !name.trim()) {
      errors.setFieldErrors({ name: t("validation.required") });
      return;
    }
    errors.clear();
    setPending(true);
    try {
      if (dialog.kind === "create")
        await ctx.api.createFolder({ name: name.trim(), parentId: dialog.parent?.id ?? null });
      if (dialog.kind === "rename") await ctx.api.updateFolder(dialog.folder.id, { name: name.trim() });
      if (dialog.kind === "move")
        await ctx.api.updateFolder(dialog.folder.id, { parentId: parentId ? Number(parentId) : null });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx) });
      notifications.show({ color: "teal", message: t("common.saved") });
      onClose();
    } catch (error) {
      focusFirstInvalid(formRef.current, errors.show(error));
    } finally {
      setPending(false);
    }
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="folder-form">
      <Stack gap="md">
        {dialog.kind === "create" || dialog.kind === "rename" ? (
          <TextInput
            name="name"
            label={t("fields.name")}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              errors.clearField("name");
            }}
            error={errors.fieldErrors.name}
            data-autofocus
            required
          />
        ) : null}
        {dialog.kind === "move" ? (
          <Select
            name="parentId"
            label={t("folders.newParent")}
            data={parentOptions}
            value={parentId}
            onChange={(v) => setParentId(v ?? "")}
            allowDeselect={false}
            error={errors.fieldErrors.parentId}
            data-testid="folder-parent"
          />
        ) : null}
        <FormError message={errors.formError} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} disabled={pending}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={pending} data-testid="folder-submit">
            {t("common.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AccessList({
  folder,
  onAssign,
}: {
  folder: Folder;
  onAssign: (userId: number | null, roleIds: number[]) => void;
}) {
  const { t } = useTranslation();
  const serverText = useServerText();
  const ctx = useTenant();
  const query = useQuery({
    queryKey: tenantKey(ctx, "folders", folder.id, "assignments"),
    queryFn: () => ctx.api.folderAssignments(folder.id),
  });
  const items = query.data?.items ?? [];
  const canAssign = ctx.canTenant("users.edit") || ctx.permissions.everything;
  return (
    <AssignmentsPanel
      title={t("folders.access", { folder: folder.path })}
      assign={
        canAssign
          ? { label: t("folders.assign"), onClick: () => onAssign(null, []), testId: "assign-roles-button" }
          : null
      }
      query={query}
      empty={{ text: t("folders.noAccess"), testId: "access-empty" }}
    >
      <Table className="dirigent-table" data-testid="access-table">
        <Table.Tbody>
          {items.map((a) => (
            <Table.Tr key={`${a.user.id}-${a.role.id}-${a.fromFolderId}`}>
              <Table.Td>
                <UserCell user={a.user} />
              </Table.Td>
              <Table.Td>
                <Badge variant="light">{serverText.roleName(a.role)}</Badge>
              </Table.Td>
              <Table.Td>
                {a.origin === "assigned" ? (
                  <Badge color="teal" variant="light" data-testid="origin-assigned">
                    {t("folders.assigned")}
                  </Badge>
                ) : (
                  <Badge color="gray" variant="outline" tt="none" data-testid="origin-inherited">
                    {t("folders.inheritedFrom", { path: ctx.folderPath(a.fromFolderId) })}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td w={40}>
                {canAssign && a.origin === "assigned" ? (
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    aria-label={t("common.edit")}
                    onClick={() =>
                      onAssign(
                        a.user.id,
                        items.filter((x) => x.user.id === a.user.id && x.origin === "assigned").map((x) => x.role.id),
                      )
                    }
                  >
                    <IconPencil size={16} />
                  </ActionIcon>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </AssignmentsPanel>
  );
}

export default function FoldersPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [selected, select] = useSelectedFolder();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [assigning, setAssigning] = useState<(AssignmentTarget & { folder: Folder }) | null>(null);
  const hasChildren = useMemo(() => new Set(ctx.folders.map((f) => f.parentId)), [ctx.folders]);

  const remove = (folder: Folder) =>
    confirm({
      title: t("folders.deleteTitle", { name: folder.path }),
      message: t("folders.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await ctx.api.deleteFolder(folder.id);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "folders") });
      },
      successMessage: t("folders.deleted", { name: folder.name }),
    });

  const canCreateTop = ctx.canTenant("folders.create");
  const newButton = canCreateTop ? (
    <Button
      leftSection={<IconFolderPlus size={18} />}
      onClick={() => setDialog({ kind: "create", parent: null })}
      data-testid="new-folder"
    >
      {t("folders.new")}
    </Button>
  ) : null;
  const titles: Record<Dialog["kind"], string> = {
    create:
      dialog?.kind === "create" && dialog.parent
        ? t("folders.newIn", { folder: dialog.parent.path })
        : t("folders.new"),
    rename: t("folders.rename"),
    move: t("folders.move"),
  };

  return (
    <>
      <PageHeader title={t("folders.title")} description={t("folders.description")} actions={newButton} />
      {ctx.noFolderAccess ? (
        <NoFolderAccess />
      ) : ctx.folders.length === 0 ? (
        <Panel>
          <EmptyPanel
            icon={<IconFolder size={32} />}
            title={t("automation.noFolders")}
            description={t("folders.emptyHint")}
            action={newButton}
            testId="folders-empty"
          />
        </Panel>
      ) : (
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 5 }}>
            <Panel title={t("folders.tree")}>
              <Stack gap={0} p="xs" data-testid="folder-tree">
                {ctx.folders.map((f) => (
                  <Group
                    key={f.id}
                    justify="space-between"
                    wrap="nowrap"
                    pl={8 + f.depth * 20}
                    pr={4}
                    py={4}
                    style={{
                      borderRadius: 6,
                      background: selected?.id === f.id ? "var(--mantine-color-indigo-light)" : undefined,
                    }}
                    data-testid={`folder-${f.path}`}
                  >
                    <UnstyledButton onClick={() => select(f.id)} style={{ flex: 1 }}>
                      <Group gap={8} wrap="nowrap">
                        <IconFolder
                          size={16}
                          color={
                            hasChildren.has(f.id) ? "var(--mantine-color-indigo-6)" : "var(--mantine-color-gray-6)"
                          }
                        />
                        <Text size="sm" fw={selected?.id === f.id ? 600 : 400}>
                          {f.name}
                        </Text>
                      </Group>
                    </UnstyledButton>
                    <Menu position="bottom-end" withinPortal>
                      <Menu.Target>
                        <ActionIcon
                          variant="subtle"
                          color="gray"
                          size="sm"
                          aria-label={t("common.actionsFor", { name: f.name })}
                          data-testid="folder-actions"
                        >
                          <IconDots size={16} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item
                          leftSection={<IconFolderPlus size={16} />}
                          onClick={() => setDialog({ kind: "create", parent: f })}
                          disabled={f.depth >= 6}
                          data-testid="new-subfolder"
                        >
                          {t("folders.newSubfolder")}
                        </Menu.Item>
                        <Menu.Item
                          leftSection={<IconPencil size={16} />}
                          onClick={() => setDialog({ kind: "rename", folder: f })}
                          data-testid="rename-folder"
                        >
                          {t("folders.rename")}
                        </Menu.Item>
                        <Menu.Item
                          leftSection={<IconArrowsMove size={16} />}
                          onClick={() => setDialog({ kind: "move", folder: f })}
                          data-testid="move-folder"
                        >
                          {t("folders.move")}
                        </Menu.Item>
                        <Menu.Divider />
                        <Menu.Item
                          color="red"
                          leftSection={<IconTrash size={16} />}
                          onClick={() => remove(f)}
                          data-testid="delete-folder"
                        >
                          {t("common.delete")}
                        </Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                  </Group>
                ))}
              </Stack>
            </Panel>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 7 }}>
            {selected ? (
              <AccessList
                folder={selected}
                onAssign={(userId, roleIds) => setAssigning({ folder: selected, userId, roleIds })}
              />
            ) : null}
          </Grid.Col>
        </Grid>
      )}
      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={dialog ? titles[dialog.kind] : ""}
        centered
        data-testid="folder-modal"
      >
        {dialog ? <FolderDialog dialog={dialog} onClose={() => setDialog(null)} /> : null}
      </Modal>
      <AssignRolesModal
        kind="folder"
        title={assigning ? t("folders.assign") : ""}
        target={assigning}
        onSave={(userId, roleIds) =>
          assigning ? ctx.api.setFolderAssignments(assigning.folder.id, userId, roleIds) : Promise.resolve()
        }
        onClose={() => setAssigning(null)}
      />
      {confirmModal}
    </>
  );
}
