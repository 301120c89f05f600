import { ActionIcon, Badge, Drawer, ScrollArea, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { IconEye, IconHistory } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { API_BASE, withQuery } from "../../api/client";
import type { AuditFilters, AuditPaging } from "../../api/endpoints";
import type { AuditEntry, Page } from "../../api/types";
import { SortableTh, TableToolbar } from "../../components/DataTable";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { LoadMore } from "../../components/LoadMore";
import { Time } from "../../components/Time";
import { useServerText } from "../../lib/serverText";
import { useCursorList } from "../../lib/useCursorList";
import { type ListControls, useListControls } from "../../lib/useListControls";
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

/** The filters as the URL's query, keeping the table's sort and page size. */
function withTableParams(current: URLSearchParams, filters: [string, string | undefined][]): URLSearchParams {
  const next = new URLSearchParams(filters.filter(([, v]) => !!v) as [string, string][]);
  for (const key of ["sort", "size"]) {
    const value = current.get(key);
    if (value) next.set(key, value);
  }
  return next;
}

/** The log is newest first by default: its time column shows that, and toggles oldest first / newest first. */
function audited(controls: ListControls): Pick<ListControls, "sort" | "toggleSort"> {
  const oldestFirst = controls.sortParam === "time";
  return {
    sort: { field: "time", desc: !oldestFirst },
    toggleSort: () => controls.toggleSort("time"),
  };
}

interface AuditLogViewProps {
  /** Query-cache key prefix, e.g. `["host", "audit"]`. */
  queryKey: readonly unknown[];
  fetchPage: (filters: AuditFilters & AuditPaging) => Promise<Page<AuditEntry>>;
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
  const serverText = useServerText();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFrom(params), [params]);
  const [selected, setSelected] = useState<AuditEntry | null>(null);
  const [drawerOpened, setDrawerOpened] = useState(false);

  const controls = useListControls({ search: false });
  const paging = { sort: controls.sortParam === "time" ? "time" : undefined, limit: controls.pageSize };
  const list = useCursorList([...queryKey, filters, paging], (cursor) =>
    fetchPage({ ...filters, ...paging, cursor, total: true }),
  );
  const total = list.data?.pages[0]?.total ?? null;
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
        onApply={(next) => setParams(withTableParams(params, Object.entries(next)))}
        onReset={() => setParams(withTableParams(params, []))}
        active={active}
        csvHref={csvHref}
      />
      <Panel>
        <TableToolbar controls={controls} shown={list.items.length} total={total} searchable={false} />
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
                  <SortableTh field="time" controls={audited(controls)}>
                    {t("audit.time")}
                  </SortableTh>
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
                        <Time value={entry.time} seconds />
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
