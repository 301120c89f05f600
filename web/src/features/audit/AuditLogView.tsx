import { ActionIcon, Badge, Drawer, ScrollArea, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { IconEye, IconHistory } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { API_BASE, withQuery } from "../../api/client";
import type { AuditFilters } from "../../api/endpoints";
import type { AuditEntry, Page } from "../../api/types";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { LoadMore } from "../../components/LoadMore";
import { useFormat } from "../../lib/format";
import { useServerText } from "../../lib/serverText";
import { useCursorList } from "../../lib/useCursorList";
import { ActorCell, TargetCell } from "./AuditCells";
import { AuditDetails } from "./AuditDetails";
import { FILTER_KEYS, FilterForm } from "./AuditFilterForm";

function filtersFrom(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

interface AuditLogViewProps {
  /** Query-cache key prefix, e.g. `["host", "audit"]`. */
  queryKey: readonly unknown[];
  fetchPage: (filters: AuditFilters & { cursor?: string }) => Promise<Page<AuditEntry>>;
  /** Path of the CSV export below /api/v1, e.g. `/host/audit-logs.csv`. */
  csvPath: string;
}

/**
 * The audit log of the host or of one organization: filters kept in the URL's query string (so a
 * filtered view can be bookmarked and shared), "Load more" paging, a details drawer with the
 * before/after data side by side, and a CSV export of exactly what is filtered.
 */
export function AuditLogView({ queryKey, fetchPage, csvPath }: AuditLogViewProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const serverText = useServerText();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFrom(params), [params]);
  const [selected, setSelected] = useState<AuditEntry | null>(null);
  const [drawerOpened, setDrawerOpened] = useState(false);

  const list = useCursorList([...queryKey, filters], (cursor) => fetchPage({ ...filters, cursor }));
  const active = Object.keys(filters).length > 0;
  const csvHref = withQuery(`${API_BASE}${csvPath}`, { ...filters });

  const components = useMemo(
    () => [...new Set(list.items.map((e) => e.component).filter(Boolean))].sort(),
    [list.items],
  );
  const actions = useMemo(() => [...new Set(list.items.map((e) => e.action).filter(Boolean))].sort(), [list.items]);

  const openDetails = (entry: AuditEntry) => {
    setSelected(entry);
    setDrawerOpened(true);
  };

  return (
    <Stack gap="lg">
      <FilterForm
        key={params.toString()}
        filters={filters}
        components={components}
        actions={actions}
        onApply={(next) =>
          setParams(new URLSearchParams(Object.entries(next).filter(([, v]) => !!v) as [string, string][]))
        }
        onReset={() => setParams(new URLSearchParams())}
        active={active}
        csvHref={csvHref}
      />
      <Panel>
        {list.isPending ? <PageLoader /> : null}
        {list.isError ? <QueryError error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.isSuccess && list.items.length === 0 ? (
          <EmptyPanel
            icon={<IconHistory size={32} />}
            title={active ? t("audit.noMatch") : t("audit.empty")}
            description={active ? t("audit.noMatchBody") : t("audit.emptyBody")}
            testId="audit-empty"
          />
        ) : null}
        {list.items.length > 0 ? (
          <Table.ScrollContainer minWidth={900}>
            <Table highlightOnHover className="dirigent-table" data-testid="audit-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("audit.time")}</Table.Th>
                  <Table.Th>{t("audit.actor")}</Table.Th>
                  <Table.Th>{t("audit.component")}</Table.Th>
                  <Table.Th>{t("audit.action")}</Table.Th>
                  <Table.Th>{t("audit.target")}</Table.Th>
                  <Table.Th>{t("audit.clientIp")}</Table.Th>
                  <Table.Th w={48}>
                    <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.items.map((entry) => (
                  <Table.Tr
                    key={entry.id}
                    onClick={() => openDetails(entry)}
                    style={{ cursor: "pointer" }}
                    data-testid={`audit-row-${entry.id}`}
                    data-action={entry.action}
                    data-component={entry.component}
                  >
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                        {format.dateTimeSeconds(entry.time)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <ActorCell entry={entry} />
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color="gray" tt="none">
                        {serverText.auditComponent(entry.component)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {serverText.auditAction(entry.action)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <TargetCell entry={entry} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed" className="dirigent-mono">
                        {entry.clientIp ?? "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        aria-label={t("audit.showDetails")}
                        onClick={(event) => {
                          event.stopPropagation();
                          openDetails(entry);
                        }}
                      >
                        <IconEye size={18} />
                      </ActionIcon>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
        <LoadMore
          hasMore={!!list.hasNextPage}
          loading={list.isFetchingNextPage}
          onLoad={() => void list.fetchNextPage()}
        />
      </Panel>
      <Drawer
        opened={drawerOpened}
        onClose={() => setDrawerOpened(false)}
        position="right"
        size="xl"
        title={
          <Title order={3} fz="lg">
            {t("audit.details")}
          </Title>
        }
        scrollAreaComponent={ScrollArea.Autosize}
        data-testid="audit-details"
      >
        {selected ? <AuditDetails entry={selected} /> : null}
      </Drawer>
    </Stack>
  );
}
