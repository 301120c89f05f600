import { Badge, Button, Group, Modal, Table, Text } from "@mantine/core";
import { IconBucket, IconPlus } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useConfirm } from "../../../components/ConfirmModal";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { EditDeleteActions, ListTable } from "../../../components/ListTable";
import { Time } from "../../../components/Time";
import { FolderResourcePage, NoFolderPage } from "../../../features/automation/FolderResourcePage";
import { tenantKey, useSelectedFolder, useTenant } from "../../../features/automation/tenant";
import { type Bucket, bucketsApi } from "../../../features/buckets/api";
import { BucketForm } from "../../../features/buckets/BucketForm";

/** The storage buckets of one folder. */
export default function BucketsPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = bucketsApi(ctx.org, ctx.tenantId);
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [folder, selectFolder] = useSelectedFolder();
  const [dialog, setDialog] = useState<{ bucket: Bucket | null } | null>(null);
  const query = useQuery({
    queryKey: tenantKey(ctx, "buckets", "folder", folder?.id ?? 0),
    queryFn: () => api.list(folder?.id ?? 0),
    enabled: !!folder && ctx.canFolder("buckets.view", folder.id),
  });
  if (!folder) return <NoFolderPage title={t("buckets.title")} description={t("buckets.description")} />;
  const buckets = query.data?.items ?? [];
  const canCreate = ctx.canFolder("buckets.create", folder.id);
  const canEdit = ctx.canFolder("buckets.edit", folder.id);
  const canDelete = ctx.canFolder("buckets.delete", folder.id);

  const remove = (b: Bucket) =>
    confirm({
      title: t("buckets.deleteTitle", { name: b.name }),
      message: b.provider === "local" ? t("buckets.deleteBodyLocal") : t("buckets.deleteBodyS3"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await api.remove(b.id);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "buckets") });
      },
      successMessage: t("buckets.deleted", { name: b.name }),
    });

  const newButton = canCreate ? (
    <Button leftSection={<IconPlus size={18} />} onClick={() => setDialog({ bucket: null })} data-testid="new-bucket">
      {t("buckets.new")}
    </Button>
  ) : null;

  return (
    <>
      <FolderResourcePage
        title={t("buckets.title")}
        description={t("buckets.description")}
        folder={folder}
        onFolderChange={selectFolder}
        actions={newButton}
        query={query}
        canView={ctx.canFolder("buckets.view", folder.id)}
        isEmpty={buckets.length === 0}
        empty={
          <EmptyPanel
            icon={<IconBucket size={32} />}
            title={t("buckets.empty", { folder: folder.path })}
            description={t("buckets.emptyHint")}
            action={newButton}
            testId="buckets-empty"
          />
        }
      >
        <ListTable
          minWidth={720}
          testId="buckets-table"
          actionsColumn
          head={
            <>
              <Table.Th>{t("buckets.name")}</Table.Th>
              <Table.Th>{t("buckets.provider")}</Table.Th>
              <Table.Th>{t("buckets.updated")}</Table.Th>
            </>
          }
        >
          {buckets.map((b) => (
            <Table.Tr key={b.id} data-testid={`bucket-row-${b.name}`}>
              <Table.Td>
                <Text
                  component={Link}
                  to={ctx.path(`buckets/${b.id}`)}
                  size="sm"
                  fw={600}
                  c="indigo"
                  data-testid="open-bucket"
                >
                  {b.name}
                </Text>
                {b.description ? (
                  <Text size="xs" c="dimmed">
                    {b.description}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <Group gap={6}>
                  <Badge variant="light" color={b.provider === "s3" ? "orange" : "gray"} tt="none">
                    {b.provider === "s3" ? t("buckets.providerS3") : t("buckets.providerLocal")}
                  </Badge>
                  {b.readOnly ? (
                    <Badge variant="light" color="yellow" tt="none">
                      {t("buckets.readOnlyBadge")}
                    </Badge>
                  ) : null}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed">
                  <Time value={b.updatedAt} />
                </Text>
              </Table.Td>
              <Table.Td>
                <EditDeleteActions
                  name={b.name}
                  onEdit={canEdit ? () => setDialog({ bucket: b }) : undefined}
                  onDelete={canDelete ? () => remove(b) : undefined}
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
          dialog?.bucket
            ? t("buckets.editTitle", { name: dialog.bucket.name })
            : t("buckets.newIn", { folder: folder.path })
        }
        size="lg"
        centered
        data-testid="bucket-modal"
      >
        {dialog ? <BucketForm folderId={folder.id} bucket={dialog.bucket} onClose={() => setDialog(null)} /> : null}
      </Modal>
      {confirmModal}
    </>
  );
}
