import { Badge, Button, Group, Modal, Table, Text, VisuallyHidden } from "@mantine/core";
import { IconList, IconPlus, IconStack2 } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { QueueItemStatus } from "../../../../../src/shared/queues";
import { useConfirm } from "../../../components/ConfirmModal";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { EditDeleteActions, ListTable } from "../../../components/ListTable";
import { FolderResourcePage, NoFolderPage } from "../../../features/automation/FolderResourcePage";
import { tenantKey, useSelectedFolder, useTenant } from "../../../features/automation/tenant";
import { liveSafetyRefetchMs } from "../../../features/automation/useTenantChanges";
import { type Queue, queueApi } from "../../../features/queues/api";
import { itemStatusColor, SlaBadge } from "../../../features/queues/badges";
import { QueueForm } from "../../../features/queues/QueueForm";

const shownCounts: QueueItemStatus[] = ["new", "inProgress", "successful", "failed", "abandoned"];

/** A folder's queues with their counts per status, average processing time and SLA colour. */
export default function QueuesPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [folder, selectFolder] = useSelectedFolder();
  const [dialog, setDialog] = useState<{ queue: Queue | null } | null>(null);
  const queues = queueApi(ctx.api.base);
  const query = useQuery({
    queryKey: tenantKey(ctx, "queues", folder?.id ?? 0),
    queryFn: () => queues.list(folder?.id ?? 0),
    enabled: !!folder && ctx.canFolder("queues.view", folder.id),
    refetchInterval: liveSafetyRefetchMs,
  });
  if (!folder) return <NoFolderPage title={t("queues.title")} description={t("queues.description")} />;
  const items = query.data?.items ?? [];
  const canCreate = ctx.canFolder("queues.create", folder.id);
  const canEdit = ctx.canFolder("queues.edit", folder.id);
  const canDelete = ctx.canFolder("queues.delete", folder.id);

  const remove = (q: Queue) =>
    confirm({
      title: t("queues.deleteTitle", { name: q.name }),
      message: t("queues.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await queues.remove(q.id);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "queues") });
      },
      successMessage: t("queues.deleted", { name: q.name }),
    });

  const newButton = canCreate ? (
    <Button leftSection={<IconPlus size={18} />} onClick={() => setDialog({ queue: null })} data-testid="new-queue">
      {t("queues.new")}
    </Button>
  ) : null;

  return (
    <>
      <FolderResourcePage
        title={t("queues.title")}
        description={t("queues.description")}
        folder={folder}
        onFolderChange={selectFolder}
        actions={newButton}
        query={query}
        canView={ctx.canFolder("queues.view", folder.id)}
        isEmpty={items.length === 0}
        empty={
          <EmptyPanel
            icon={<IconStack2 size={32} />}
            title={t("queues.empty", { folder: folder.path })}
            description={t("queues.emptyHint")}
            action={newButton}
            testId="queues-empty"
          />
        }
      >
        <ListTable
          minWidth={900}
          testId="queues-table"
          head={
            <>
              <Table.Th>{t("fields.name")}</Table.Th>
              {shownCounts.map((s) => (
                <Table.Th key={s} ta="right">
                  {t(`queues.status.${s}`)}
                </Table.Th>
              ))}
              <Table.Th ta="right">{t("queues.averageTime")}</Table.Th>
              <Table.Th>{t("queues.slaColumn")}</Table.Th>
              <Table.Th w={140}>
                <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
              </Table.Th>
            </>
          }
        >
          {items.map((q) => (
            <Table.Tr key={q.id} data-testid={`queue-row-${q.name}`}>
              <Table.Td>
                <Text size="sm" fw={600} component={Link} to={ctx.path(`queues/${q.id}`)} data-testid="queue-link">
                  {q.name}
                </Text>
                {q.description ? (
                  <Text size="xs" c="dimmed">
                    {q.description}
                  </Text>
                ) : null}
              </Table.Td>
              {shownCounts.map((s) => (
                <Table.Td key={s} ta="right" data-testid={`count-${s}`}>
                  {q.counts[s] > 0 ? (
                    <Badge variant="light" color={itemStatusColor[s]}>
                      {q.counts[s]}
                    </Badge>
                  ) : (
                    <Text size="sm" c="dimmed">
                      0
                    </Text>
                  )}
                </Table.Td>
              ))}
              <Table.Td ta="right">
                <Text size="sm">{q.averageProcessingSeconds === null ? "—" : `${q.averageProcessingSeconds} s`}</Text>
              </Table.Td>
              <Table.Td>
                <SlaBadge colour={q.slaColour} />
              </Table.Td>
              <Table.Td>
                <Group gap={4} justify="flex-end" wrap="nowrap">
                  <Button
                    size="xs"
                    variant="light"
                    component={Link}
                    to={ctx.path(`queues/${q.id}`)}
                    leftSection={<IconList size={14} />}
                  >
                    {t("queues.items")}
                  </Button>
                  <EditDeleteActions
                    name={q.name}
                    onEdit={canEdit ? () => setDialog({ queue: q }) : undefined}
                    onDelete={canDelete ? () => remove(q) : undefined}
                  />
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </ListTable>
      </FolderResourcePage>
      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={
          dialog?.queue
            ? t("queues.editTitle", { name: dialog.queue.name })
            : t("queues.newIn", { folder: folder.path })
        }
        size="lg"
        centered
        data-testid="queue-modal"
      >
        {dialog ? <QueueForm folderId={folder.id} queue={dialog.queue} onClose={() => setDialog(null)} /> : null}
      </Modal>
      {confirmModal}
    </>
  );
}
