import { Alert, Badge, Button, Code, Drawer, Group, Stack, Table, Text, Timeline, Title } from "@mantine/core";
import { IconRefresh, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { PageLoader, QueryError } from "../../components/feedback";
import { Time } from "../../components/Time";
import { useErrorText } from "../../lib/errors";
import { useFormat } from "../../lib/format";
import { tenantKey, useTenant } from "../automation/tenant";
import { queueApi } from "./api";
import { ItemStatusBadge } from "./badges";

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** One item: its data, exception, history and retry chain; delete (new) and retry (failed/abandoned). */
export function ItemDrawer({
  itemId,
  canEdit,
  onClose,
  onOpen,
}: {
  itemId: number | null;
  canEdit: boolean;
  onClose: () => void;
  onOpen: (id: number) => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const errorText = useErrorText();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const queues = queueApi(ctx.api.base);
  const [actionError, setActionError] = useState<string | null>(null);
  const query = useQuery({
    queryKey: tenantKey(ctx, "queue-item", itemId ?? 0),
    queryFn: () => queues.item(itemId ?? 0),
    enabled: itemId !== null,
  });
  const item = query.data;
  const act = async (action: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await action();
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "queue-items") });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "queue-item") });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "queues") });
    } catch (error) {
      setActionError(errorText(error));
    }
  };
  return (
    <Drawer
      opened={itemId !== null}
      onClose={onClose}
      position="right"
      size="lg"
      title={<Title order={4}>{t("queues.itemTitle", { id: itemId ?? "" })}</Title>}
      data-testid="item-drawer"
    >
      {query.isLoading ? <PageLoader /> : null}
      {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
      {item ? (
        <Stack gap="md">
          <Group gap="xs">
            <ItemStatusBadge status={item.status} />
            <Badge variant="outline">{t(`queues.priority.${item.priority}`)}</Badge>
            {item.reviewStatus !== "none" ? (
              <Badge variant="light" color="violet">
                {t(`queues.review.${item.reviewStatus}`)}
              </Badge>
            ) : null}
          </Group>
          <Table withRowBorders={false} verticalSpacing={4}>
            <Table.Tbody>
              {(
                [
                  ["queues.reference", item.reference ?? "—"],
                  ["queues.key", item.key],
                  ["queues.progress", item.progress ?? "—"],
                  ["queues.deferDate", format.dateTime(item.deferDate)],
                  ["queues.dueDate", format.dateTime(item.dueDate)],
                  ["queues.createdBy", item.createdBy],
                  ["queues.createdAt", format.dateTimeSeconds(item.createdAt)],
                  ["queues.startedAt", format.dateTimeSeconds(item.startedAt)],
                  ["queues.endedAt", format.dateTimeSeconds(item.endedAt)],
                  ["queues.retryNumber", String(item.retryNumber + item.manualRetryNumber)],
                ] as const
              ).map(([label, value]) => (
                <Table.Tr key={label}>
                  <Table.Td w={160}>
                    <Text size="sm" c="dimmed">
                      {t(label)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ wordBreak: "break-all" }}>
                      {value}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {item.exception ? (
            <Alert color="red" title={t(`queues.exception.${item.exception.type}`)} data-testid="item-exception">
              <Text size="sm">{item.exception.reason}</Text>
              {item.exception.details ? (
                <Code block mt="xs">
                  {item.exception.details}
                </Code>
              ) : null}
            </Alert>
          ) : null}
          <Stack gap={4}>
            <Text fw={600} size="sm">
              {t("queues.specificContent")}
            </Text>
            <Code block data-testid="item-content">
              {json(item.specificContent)}
            </Code>
          </Stack>
          {item.output ? (
            <Stack gap={4}>
              <Text fw={600} size="sm">
                {t("queues.output")}
              </Text>
              <Code block data-testid="item-output">
                {json(item.output)}
              </Code>
            </Stack>
          ) : null}
          {canEdit && (item.status === "new" || item.status === "failed" || item.status === "abandoned") ? (
            <Group>
              {item.status === "new" ? (
                <Button
                  color="red"
                  variant="light"
                  leftSection={<IconTrash size={16} />}
                  onClick={() => void act(() => queues.deleteItem(item.id))}
                  data-testid="delete-item"
                >
                  {t("queues.deleteItem")}
                </Button>
              ) : (
                <Button
                  variant="light"
                  leftSection={<IconRefresh size={16} />}
                  onClick={() => void act(async () => onOpen((await queues.retryItem(item.id)).id))}
                  data-testid="retry-item"
                >
                  {t("queues.retry")}
                </Button>
              )}
            </Group>
          ) : null}
          {actionError ? <Alert color="red">{actionError}</Alert> : null}
          <Stack gap={4}>
            <Text fw={600} size="sm">
              {t("queues.history")}
            </Text>
            <Timeline bulletSize={14} lineWidth={2} data-testid="item-history">
              {item.history.map((h) => (
                <Timeline.Item key={h.id} title={t(`queues.action.${h.action}`, { defaultValue: h.action })}>
                  <Text size="xs" c="dimmed">
                    <Time value={h.at} seconds /> · {h.actor.name}
                  </Text>
                  {h.detail ? <Text size="xs">{h.detail}</Text> : null}
                </Timeline.Item>
              ))}
            </Timeline>
          </Stack>
          {item.retryChain.length > 1 ? (
            <Stack gap={4}>
              <Text fw={600} size="sm">
                {t("queues.retryChain")}
              </Text>
              <Table data-testid="retry-chain">
                <Table.Tbody>
                  {item.retryChain.map((c) => (
                    <Table.Tr
                      key={c.id}
                      onClick={() => onOpen(c.id)}
                      style={{ cursor: "pointer", fontWeight: c.id === item.id ? 600 : undefined }}
                    >
                      <Table.Td>#{c.id}</Table.Td>
                      <Table.Td>
                        <ItemStatusBadge status={c.status} />
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" c="dimmed">
                          <Time value={c.createdAt} seconds />
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
          ) : null}
        </Stack>
      ) : null}
    </Drawer>
  );
}
