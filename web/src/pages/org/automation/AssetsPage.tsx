import { Badge, Button, Divider, Modal, Table, Text, TextInput, VisuallyHidden } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconKey, IconPlus, IconSearch } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useConfirm } from "../../../components/ConfirmModal";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { EditDeleteActions, ListTable } from "../../../components/ListTable";
import { LoadMore } from "../../../components/LoadMore";
import { Time } from "../../../components/Time";
import { AssetForm } from "../../../features/assets/AssetForm";
import { type Asset, assetsApi } from "../../../features/assets/api";
import { MachineValues } from "../../../features/assets/MachineValues";
import { ValueText } from "../../../features/assets/ValueInput";
import { FolderResourcePage, NoFolderPage } from "../../../features/automation/FolderResourcePage";
import { tenantKey, useSelectedFolder, useTenant } from "../../../features/automation/tenant";
import { useCursorList } from "../../../lib/useCursorList";

const typeColor = { text: "blue", bool: "grape", integer: "teal", credential: "orange" } as const;

/** A folder's assets: search, create, edit (global and per-machine values), delete. */
export default function AssetsPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [folder, selectFolder] = useSelectedFolder();
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 250);
  const [dialog, setDialog] = useState<{ asset: Asset | null } | null>(null);
  const api = assetsApi(ctx.org, ctx.tenantId);
  const canView = !!folder && ctx.canFolder("assets.view", folder.id);
  const list = useCursorList(tenantKey(ctx, "assets", folder?.id ?? 0, q), (cursor) =>
    canView && folder ? api.list(folder.id, { q, cursor }) : Promise.resolve({ items: [], nextCursor: null }),
  );
  if (!folder) return <NoFolderPage title={t("assets.title")} description={t("assets.description")} />;
  const canCreate = ctx.canFolder("assets.create", folder.id);
  const canEdit = ctx.canFolder("assets.edit", folder.id);
  const canDelete = ctx.canFolder("assets.delete", folder.id);
  const assets = list.items;

  const remove = (a: Asset) =>
    confirm({
      title: t("assets.deleteTitle", { name: a.name }),
      message: t("assets.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await api.remove(a.id);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "assets") });
      },
      successMessage: t("assets.deleted", { name: a.name }),
    });

  const newButton = canCreate ? (
    <Button leftSection={<IconPlus size={18} />} onClick={() => setDialog({ asset: null })} data-testid="new-asset">
      {t("assets.new")}
    </Button>
  ) : null;

  return (
    <>
      <FolderResourcePage
        title={t("assets.title")}
        description={t("assets.description")}
        folder={folder}
        onFolderChange={selectFolder}
        actions={newButton}
        query={list}
        canView={canView}
        toolbar={
          <TextInput
            m="md"
            maw={360}
            leftSection={<IconSearch size={16} />}
            placeholder={t("assets.search")}
            aria-label={t("assets.search")}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            data-testid="assets-search"
          />
        }
        isEmpty={assets.length === 0}
        empty={
          <EmptyPanel
            icon={<IconKey size={32} />}
            title={q ? t("assets.noMatch", { q }) : t("assets.empty", { folder: folder.path })}
            description={q ? undefined : t("assets.emptyHint")}
            action={q ? null : newButton}
            testId="assets-empty"
          />
        }
        footer={
          <LoadMore
            hasMore={!!list.hasNextPage}
            loading={list.isFetchingNextPage}
            onLoad={() => void list.fetchNextPage()}
          />
        }
      >
        <ListTable
          minWidth={820}
          testId="assets-table"
          head={
            <>
              <Table.Th>{t("fields.name")}</Table.Th>
              <Table.Th>{t("assets.type")}</Table.Th>
              <Table.Th>{t("assets.globalValue")}</Table.Th>
              <Table.Th>{t("assets.machineValues")}</Table.Th>
              <Table.Th>{t("assets.updated")}</Table.Th>
              <Table.Th w={60}>
                <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
              </Table.Th>
            </>
          }
        >
          {assets.map((a) => (
            <Table.Tr key={a.id} data-testid={`asset-row-${a.name}`}>
              <Table.Td>
                <Text size="sm" fw={600}>
                  {a.name}
                </Text>
                {a.description ? (
                  <Text size="xs" c="dimmed">
                    {a.description}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <Badge variant="light" color={typeColor[a.type]} tt="none">
                  {t(`assets.types.${a.type}`)}
                </Badge>
              </Table.Td>
              <Table.Td>
                <ValueText value={a.value} />
              </Table.Td>
              <Table.Td>
                <Text size="sm" c={a.machineValues.length ? undefined : "dimmed"}>
                  {t("assets.machineCount", { count: a.machineValues.length })}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed">
                  <Time value={a.updatedAt} />
                </Text>
              </Table.Td>
              <Table.Td>
                <EditDeleteActions
                  name={a.name}
                  onEdit={canEdit ? () => setDialog({ asset: a }) : undefined}
                  onDelete={canDelete ? () => remove(a) : undefined}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </ListTable>
      </FolderResourcePage>
      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={
          dialog?.asset
            ? t("assets.editTitle", { name: dialog.asset.name })
            : t("assets.newIn", { folder: folder.path })
        }
        size="lg"
        centered
        data-testid="asset-modal"
      >
        {dialog ? (
          <>
            <AssetForm folderId={folder.id} asset={dialog.asset} onClose={() => setDialog(null)} />
            {dialog.asset ? (
              <>
                <Divider my="lg" />
                <MachineValues asset={dialog.asset} onChange={(asset) => setDialog({ asset })} />
              </>
            ) : null}
          </>
        ) : null}
      </Modal>
      {confirmModal}
    </>
  );
}
