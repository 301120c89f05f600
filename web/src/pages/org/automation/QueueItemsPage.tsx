import { Anchor, Breadcrumbs, Button, Group, Select, Table, Text, TextInput } from "@mantine/core";
import { IconDownload, IconPlus, IconStack2, IconUpload } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useParams, useSearchParams } from "react-router";
import {
  type QueueItemStatus,
  type QueuePriority,
  queueItemStatuses,
  queuePriorities,
} from "../../../../../src/shared/queues";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../../components/feedback";
import { ListTable } from "../../../components/ListTable";
import { LoadMore } from "../../../components/LoadMore";
import { PageHeader } from "../../../components/PageHeader";
import { Time } from "../../../components/Time";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { liveSafetyRefetchMs } from "../../../features/automation/useTenantChanges";
import { AddItemModal } from "../../../features/queues/AddItemModal";
import { type ItemFilters, queueApi } from "../../../features/queues/api";
import { ItemStatusBadge, SlaBadge } from "../../../features/queues/badges";
import { ItemDrawer } from "../../../features/queues/ItemDrawer";
import { UploadItemsModal } from "../../../features/queues/UploadItemsModal";
import { useCursorList } from "../../../lib/useCursorList";

/** One queue's items: filters, paging, status chips, the detail drawer, add, CSV upload and export. */
export default function QueueItemsPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const { id = "0" } = useParams();
  const queueId = Number(id);
  const [params, setParams] = useSearchParams();
  const queues = queueApi(ctx.api.base);
  const [adding, setAdding] = useState(false);
  const [uploading, setUploading] = useState(false);
  const filters: ItemFilters = {
    status: (params.get("status") as QueueItemStatus | null) ?? null,
    priority: (params.get("priority") as QueuePriority | null) ?? null,
    reference: params.get("reference"),
    sort: params.get("sort") === "oldest" ? "oldest" : null,
  };
  const openItem = params.get("item") ? Number(params.get("item")) : null;
  const setParam = (key: string, value: string | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: key !== "item" },
    );
  const queue = useQuery({
    queryKey: tenantKey(ctx, "queues", "one", queueId),
    queryFn: () => queues.get(queueId),
    refetchInterval: liveSafetyRefetchMs,
  });
  const list = useCursorList(
    [...tenantKey(ctx, "queue-items", queueId), filters],
    (cursor) => queues.items(queueId, filters, cursor),
    { refetchInterval: liveSafetyRefetchMs },
  );
  if (queue.isLoading) return <PageLoader />;
  if (queue.isError || !queue.data) return <QueryError error={queue.error} onRetry={() => void queue.refetch()} />;
  const q = queue.data;
  const canEdit = ctx.canFolder("queues.edit", q.folderId);

  return (
    <>
      <Breadcrumbs mb="xs">
        <Anchor component={Link} to={ctx.path(`queues?folder=${q.folderId}`)} size="sm">
          {t("queues.title")}
        </Anchor>
        <Text size="sm">{ctx.folderPath(q.folderId)}</Text>
      </Breadcrumbs>
      <PageHeader
        title={q.name}
        description={q.description || t("queues.itemsDescription")}
        actions={
          <Group gap="xs">
            <SlaBadge colour={q.slaColour} />
            <Button
              variant="default"
              component="a"
              href={queues.exportUrl(queueId, filters)}
              leftSection={<IconDownload size={16} />}
              data-testid="export-items"
            >
              {t("queues.export")}
            </Button>
            {canEdit ? (
              <>
                <Button
                  variant="default"
                  leftSection={<IconUpload size={16} />}
                  onClick={() => setUploading(true)}
                  data-testid="upload-items"
                >
                  {t("queues.upload")}
                </Button>
                <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} data-testid="add-item">
                  {t("queues.addItem")}
                </Button>
              </>
            ) : null}
          </Group>
        }
      />
      <Group mb="sm" gap="sm">
        <Select
          aria-label={t("queues.statusFilter")}
          placeholder={t("queues.allStatuses")}
          data={queueItemStatuses.map((s) => ({ value: s, label: `${t(`queues.status.${s}`)} (${q.counts[s]})` }))}
          value={filters.status ?? null}
          onChange={(v) => setParam("status", v)}
          clearable
          w={220}
          data-testid="status-filter"
        />
        <Select
          aria-label={t("queues.priorityLabel")}
          placeholder={t("queues.allPriorities")}
          data={queuePriorities.map((p) => ({ value: p, label: t(`queues.priority.${p}`) }))}
          value={filters.priority ?? null}
          onChange={(v) => setParam("priority", v)}
          clearable
          w={180}
        />
        <Select
          aria-label={t("queues.sortLabel")}
          data={[
            { value: "newest", label: t("queues.sortNewest") },
            { value: "oldest", label: t("queues.sortOldest") },
          ]}
          value={filters.sort ?? "newest"}
          onChange={(v) => setParam("sort", v === "oldest" ? "oldest" : null)}
          allowDeselect={false}
          w={180}
          data-testid="sort"
        />
        <TextInput
          aria-label={t("queues.reference")}
          placeholder={t("queues.referenceFilter")}
          defaultValue={filters.reference ?? ""}
          onKeyDown={(e) => {
            if (e.key === "Enter") setParam("reference", e.currentTarget.value.trim() || null);
          }}
          onBlur={(e) => setParam("reference", e.currentTarget.value.trim() || null)}
          w={220}
          data-testid="reference-filter"
        />
      </Group>
      <Panel>
        {list.isLoading ? <PageLoader /> : null}
        {list.isError ? <QueryError error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.isSuccess && list.items.length === 0 ? (
          <EmptyPanel
            icon={<IconStack2 size={32} />}
            title={t("queues.noItems")}
            description={t("queues.noItemsHint")}
            testId="items-empty"
          />
        ) : null}
        {list.items.length > 0 ? (
          <ListTable
            minWidth={900}
            testId="items-table"
            head={
              <>
                <Table.Th>{t("queues.id")}</Table.Th>
                <Table.Th>{t("queues.statusLabel")}</Table.Th>
                <Table.Th>{t("queues.reference")}</Table.Th>
                <Table.Th>{t("queues.priorityLabel")}</Table.Th>
                <Table.Th>{t("queues.progress")}</Table.Th>
                <Table.Th>{t("queues.dueDate")}</Table.Th>
                <Table.Th>{t("queues.createdAt")}</Table.Th>
              </>
            }
          >
            {list.items.map((item) => (
              <Table.Tr
                key={item.id}
                onClick={() => setParam("item", String(item.id))}
                style={{ cursor: "pointer" }}
                data-testid={`item-row-${item.id}`}
              >
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    #{item.id}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <ItemStatusBadge status={item.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{item.reference ?? "—"}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{t(`queues.priority.${item.priority}`)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={1}>
                    {item.exception?.reason ?? item.progress ?? "—"}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    <Time value={item.dueDate} />
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    <Time value={item.createdAt} />
                  </Text>
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
      <ItemDrawer
        itemId={openItem}
        canEdit={canEdit}
        onClose={() => setParam("item", null)}
        onOpen={(next) => setParam("item", String(next))}
      />
      <AddItemModal queueId={queueId} opened={adding} onClose={() => setAdding(false)} />
      <UploadItemsModal queueId={queueId} opened={uploading} onClose={() => setUploading(false)} />
    </>
  );
}

/** `queue-items/:id` (alert links): opens the item in its queue's page. */
export function QueueItemRedirect() {
  const ctx = useTenant();
  const { id = "0" } = useParams();
  const item = useQuery({
    queryKey: tenantKey(ctx, "queue-item", Number(id)),
    queryFn: () => queueApi(ctx.api.base).item(Number(id)),
  });
  if (item.isLoading) return <PageLoader />;
  if (!item.data) return <QueryError error={item.error} />;
  return <Navigate to={ctx.path(`queues/${item.data.queueId}?item=${item.data.id}`)} replace />;
}
