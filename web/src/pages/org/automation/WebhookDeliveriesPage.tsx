import { Accordion, Badge, Button, Code, Group, Stack, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowBack, IconRefresh, IconSend } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../../components/feedback";
import { PageHeader } from "../../../components/PageHeader";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { liveSafetyRefetchMs } from "../../../features/automation/useTenantChanges";
import { type WebhookDelivery, webhooksApi } from "../../../features/webhooks/api";
import { useErrorText } from "../../../lib/errors";
import { useFormat } from "../../../lib/format";
import { WebhookStatus } from "./WebhooksPage";

const statusColor = { pending: "yellow", succeeded: "teal", failed: "red" } as const;

/** One webhook's deliveries, newest first, each with every attempt; ping and redeliver. */
export default function WebhookDeliveriesPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const ctx = useTenant();
  const id = Number(useParams().id);
  const api = useMemo(() => webhooksApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const hook = useQuery({ queryKey: tenantKey(ctx, "webhooks", id), queryFn: () => api.get(id) });
  const deliveries = useQuery({
    queryKey: tenantKey(ctx, "webhooks", id, "deliveries"),
    queryFn: () => api.deliveries(id),
    refetchInterval: liveSafetyRefetchMs,
  });
  const canEdit = ctx.canTenant("webhooks.edit");
  const refresh = () => queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "webhooks") });
  const act = async (work: () => Promise<WebhookDelivery>, ok: (d: WebhookDelivery) => string) => {
    try {
      const d = await work();
      notifications.show({ color: d.status === "failed" ? "red" : "teal", message: ok(d) });
      await refresh();
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error) });
    }
  };
  const items = deliveries.data?.items ?? [];
  return (
    <>
      <PageHeader
        title={t("webhooks.deliveriesTitle")}
        description={hook.data?.url ?? ""}
        actions={
          <Group gap="xs">
            <Button variant="default" leftSection={<IconArrowBack size={16} />} component={Link} to="..">
              {t("webhooks.title")}
            </Button>
            {canEdit ? (
              <Button
                leftSection={<IconSend size={16} />}
                data-testid="ping-webhook"
                onClick={() =>
                  void act(
                    () => api.ping(id),
                    (d) =>
                      d.status === "succeeded"
                        ? t("webhooks.pingOk", {
                            code: d.attemptLog[0]?.responseCode ?? "",
                            ms: d.attemptLog[0]?.durationMs ?? 0,
                          })
                        : t("webhooks.pingFailed", { reason: d.attemptLog[0]?.reason ?? "" }),
                  )
                }
              >
                {t("webhooks.ping")}
              </Button>
            ) : null}
          </Group>
        }
      />
      {hook.data ? (
        <Group mb="sm">
          <WebhookStatus webhook={hook.data} />
          {hook.data.pausedReason && hook.data.pausedUntil ? (
            <Text size="sm" c="dimmed">
              {hook.data.pausedReason}
            </Text>
          ) : null}
        </Group>
      ) : null}
      <Panel>
        {deliveries.isLoading ? <PageLoader /> : null}
        {deliveries.isError ? <QueryError error={deliveries.error} onRetry={() => void deliveries.refetch()} /> : null}
        {deliveries.isSuccess && items.length === 0 ? (
          <EmptyPanel
            icon={<IconSend size={32} />}
            title={t("webhooks.noDeliveries")}
            description={t("webhooks.noDeliveriesHint")}
            testId="deliveries-empty"
          />
        ) : null}
        {items.length > 0 ? (
          <Accordion variant="separated" data-testid="deliveries">
            {items.map((d) => (
              <Accordion.Item key={d.id} value={String(d.id)} data-testid={`delivery-${d.id}`}>
                <Accordion.Control>
                  <Group justify="space-between" wrap="nowrap">
                    <Group gap="sm">
                      <Badge color={statusColor[d.status]}>{t(`webhooks.status.${d.status}`)}</Badge>
                      <Text size="sm" ff="monospace">
                        {d.event}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {f.dateTimeSeconds(d.createdAt)}
                      </Text>
                    </Group>
                    <Text size="xs" c="dimmed">
                      {t("webhooks.attemptCount", { count: d.attempts })}
                      {d.lastResponseCode ? ` · HTTP ${d.lastResponseCode}` : ""}
                    </Text>
                  </Group>
                </Accordion.Control>
                <Accordion.Panel>
                  <Stack gap="sm">
                    <Group justify="space-between">
                      <Text size="xs" c="dimmed">
                        {t("webhooks.deliveryId")}: <Code>{d.key}</Code>
                        {d.nextAttemptAt
                          ? ` · ${t("webhooks.nextAttempt", { time: f.dateTimeSeconds(d.nextAttemptAt) })}`
                          : ""}
                      </Text>
                      {canEdit && d.event !== "ping" ? (
                        <Button
                          size="xs"
                          variant="light"
                          leftSection={<IconRefresh size={14} />}
                          data-testid={`redeliver-${d.id}`}
                          onClick={() =>
                            void act(
                              () => api.redeliver(d.id),
                              () => t("webhooks.redelivering"),
                            )
                          }
                        >
                          {t("webhooks.redeliver")}
                        </Button>
                      ) : null}
                    </Group>
                    {d.attemptLog.length > 0 ? (
                      <Table withTableBorder striped fz="xs">
                        <Table.Thead>
                          <Table.Tr>
                            <Table.Th>{t("webhooks.attemptedAt")}</Table.Th>
                            <Table.Th>{t("fields.status")}</Table.Th>
                            <Table.Th>HTTP</Table.Th>
                            <Table.Th>{t("webhooks.duration")}</Table.Th>
                            <Table.Th>{t("webhooks.reason")}</Table.Th>
                          </Table.Tr>
                        </Table.Thead>
                        <Table.Tbody>
                          {d.attemptLog.map((a) => (
                            <Table.Tr key={a.id}>
                              <Table.Td>{f.dateTimeSeconds(a.attemptedAt)}</Table.Td>
                              <Table.Td>
                                <Badge size="xs" color={statusColor[a.status]}>
                                  {t(`webhooks.status.${a.status}`)}
                                </Badge>
                              </Table.Td>
                              <Table.Td>{a.responseCode ?? "—"}</Table.Td>
                              <Table.Td>{`${f.number(a.durationMs)} ms`}</Table.Td>
                              <Table.Td style={{ wordBreak: "break-word" }}>
                                {a.reason ?? ""}
                                {a.responseBody ? (
                                  <Code block mt={4} style={{ maxHeight: 120, overflow: "auto" }}>
                                    {a.responseBody}
                                  </Code>
                                ) : null}
                              </Table.Td>
                            </Table.Tr>
                          ))}
                        </Table.Tbody>
                      </Table>
                    ) : null}
                    <Code block style={{ maxHeight: 240, overflow: "auto" }}>
                      {JSON.stringify(d.payload, null, 2)}
                    </Code>
                  </Stack>
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        ) : null}
      </Panel>
    </>
  );
}
