import { Anchor, Badge, Button, Group, SegmentedControl, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAdjustments, IconChecks } from "@tabler/icons-react";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import {
  type AlertComponent,
  type AlertSeverity,
  alertComponents,
  alertMessage,
  alertPagePath,
  alertSeverities,
} from "../../../../../src/shared/alerts";
import { Panel, QueryError } from "../../../components/feedback";
import { PageHeader } from "../../../components/PageHeader";
import { Time } from "../../../components/Time";
import { type AlertFilters, alertsApi } from "../../../features/alerts/api";
import { severityColor } from "../../../features/automation/badges";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { localInputToIso } from "../../../lib/format";

/** The full alerts page of a tenant: filters, read state, mark read and mark all read. */
export default function AlertsPage() {
  const { t, i18n } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => alertsApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const [severity, setSeverity] = useState<AlertSeverity | null>(null);
  const [component, setComponent] = useState<AlertComponent | null>(null);
  const [state, setState] = useState<"all" | "read" | "unread">("all");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const filters: AlertFilters = {
    ...(severity && { severity }),
    ...(component && { component }),
    ...(state !== "all" && { state }),
    ...(localInputToIso(from) && { from: localInputToIso(from) }),
    ...(localInputToIso(to) && { to: localInputToIso(to) }),
  };
  const key = tenantKey(ctx, "alerts-page", filters);
  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => api.list({ ...filters, ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: 0,
    getNextPageParam: (last) => (last.items.length === 50 ? last.items[last.items.length - 1]?.id : undefined),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "alerts-page") });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  const unread = query.data?.pages[0]?.unread ?? 0;
  const locale = i18n.resolvedLanguage === "de" ? "de" : "en";

  const markRead = async (id: number) => {
    await api.markRead([id]);
    await refresh();
  };
  const markAll = async () => {
    await api.markAllRead();
    notifications.show({ color: "teal", message: t("alerts.markedAllRead") });
    await refresh();
  };

  return (
    <>
      <PageHeader
        title={t("alerts.pageTitle")}
        description={t("alerts.pageDescription")}
        actions={
          <>
            <Button
              variant="default"
              leftSection={<IconAdjustments size={16} />}
              component={Link}
              to={ctx.path("alerts/preferences")}
              data-testid="alerts-preferences-link"
            >
              {t("alerts.preferences")}
            </Button>
            <Button leftSection={<IconChecks size={16} />} onClick={() => void markAll()} data-testid="alerts-mark-all">
              {t("alerts.markAllRead")}
            </Button>
          </>
        }
      />
      <Panel>
        <Stack gap="md" p="md">
          <Group gap="md" align="flex-end" wrap="wrap">
            <Select
              label={t("alerts.filterSeverity")}
              placeholder={t("alerts.any")}
              data={alertSeverities.map((s) => ({ value: s, label: t(`alerts.severity.${s}`) }))}
              value={severity}
              onChange={(v) => setSeverity(v as AlertSeverity | null)}
              clearable
              w={190}
              data-testid="alerts-filter-severity"
            />
            <Select
              label={t("alerts.filterComponent")}
              placeholder={t("alerts.any")}
              data={alertComponents.map((c) => ({ value: c, label: t(`alerts.components.${c}`) }))}
              value={component}
              onChange={(v) => setComponent(v as AlertComponent | null)}
              clearable
              w={190}
              data-testid="alerts-filter-component"
            />
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                {t("alerts.filterState")}
              </Text>
              <SegmentedControl
                value={state}
                onChange={(v) => setState(v as typeof state)}
                data={[
                  { value: "all", label: t("alerts.stateAll") },
                  { value: "unread", label: t("alerts.stateUnread") },
                  { value: "read", label: t("alerts.stateRead") },
                ]}
                data-testid="alerts-filter-state"
              />
            </Stack>
            <TextInput
              type="datetime-local"
              label={t("alerts.filterFrom")}
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              data-testid="alerts-filter-from"
            />
            <TextInput
              type="datetime-local"
              label={t("alerts.filterTo")}
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              data-testid="alerts-filter-to"
            />
            <Badge size="lg" variant="light" color={unread > 0 ? "red" : "gray"} data-testid="alerts-unread">
              {t("alerts.unread", { count: unread })}
            </Badge>
          </Group>
          {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="sm" highlightOnHover data-testid="alerts-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("alerts.columnSeverity")}</Table.Th>
                  <Table.Th>{t("alerts.columnComponent")}</Table.Th>
                  <Table.Th>{t("alerts.columnMessage")}</Table.Th>
                  <Table.Th>{t("alerts.columnTime")}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((alert) => {
                  const target = alertPagePath(ctx.tenantId, alert.link);
                  const message = alertMessage(alert.kind, alert.details, locale) ?? alert.message;
                  return (
                    <Table.Tr key={alert.id} data-testid="alerts-row" data-read={alert.read}>
                      <Table.Td>
                        <Badge variant="light" color={severityColor[alert.severity]}>
                          {t(`alerts.severity.${alert.severity}`)}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{t(`alerts.components.${alert.component}`)}</Table.Td>
                      <Table.Td>
                        <Text size="sm" fw={alert.read ? 400 : 600}>
                          {target ? (
                            <Anchor component={Link} to={target} inherit>
                              {message}
                            </Anchor>
                          ) : (
                            message
                          )}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c="dimmed">
                          <Time value={alert.createdAt} />
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        {alert.read ? (
                          <Badge variant="outline" color="gray">
                            {t("alerts.readBadge")}
                          </Badge>
                        ) : (
                          <Button
                            size="compact-sm"
                            variant="subtle"
                            onClick={() => void markRead(alert.id)}
                            data-testid="alerts-mark-read"
                          >
                            {t("alerts.markRead")}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {!query.isPending && items.length === 0 ? (
            <Text c="dimmed" ta="center" data-testid="alerts-none">
              {t("alerts.noMatch")}
            </Text>
          ) : null}
          {query.hasNextPage ? (
            <Group justify="center">
              <Button variant="default" loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
                {t("alerts.loadMore")}
              </Button>
            </Group>
          ) : null}
        </Stack>
      </Panel>
    </>
  );
}
