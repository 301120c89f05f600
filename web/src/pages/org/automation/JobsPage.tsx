import { Anchor, Button, Group, Paper, Select, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconFilterOff, IconPlayerPlay, IconPlayerStop, IconRefresh } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { JobFilters, JobState } from "../../../api/types";
import { SelectAllTh, SelectTd, SortableTh, TableToolbar } from "../../../components/DataTable";
import { DateTimeInput } from "../../../components/DateTimeInput";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../../components/feedback";
import { LoadMore } from "../../../components/LoadMore";
import { PageHeader } from "../../../components/PageHeader";
import { Time } from "../../../components/Time";
import { JobStateBadge } from "../../../features/automation/badges";
import { StartJobModal } from "../../../features/automation/StartJobModal";
import { NoFolderAccess, tenantKey, useFolderOptions, useTenant } from "../../../features/automation/tenant";
import { liveSafetyRefetchMs } from "../../../features/automation/useTenantChanges";
import { useErrorText } from "../../../lib/errors";
import { localInputToIso } from "../../../lib/format";
import { useCursorList } from "../../../lib/useCursorList";
import { useListControls, useSelection } from "../../../lib/useListControls";

const states: JobState[] = ["pending", "running", "stopping", "terminating", "successful", "faulted", "stopped"];

export default function JobsPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [startOpen, setStartOpen] = useState(false);
  const folderOptions = useFolderOptions();
  const errorText = useErrorText();

  const filters: JobFilters = {
    state: (params.get("state") as JobState | null) ?? null,
    processId: Number(params.get("processId")) || null,
    machineId: Number(params.get("machineId")) || null,
    folderId: Number(params.get("folderId")) || null,
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
  const setFilter = (key: string, value: string | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  const hasFilters = Object.values(filters).some(Boolean);

  const processes = useQuery({ queryKey: tenantKey(ctx, "processes", "all"), queryFn: () => ctx.api.processes() });
  const machines = useQuery({
    queryKey: tenantKey(ctx, "machines"),
    queryFn: ctx.api.machines,
    enabled: ctx.canTenant("machines.view"),
  });
  const machineName = useMemo(() => new Map((machines.data?.items ?? []).map((m) => [m.id, m.name])), [machines.data]);

  const apiFilters = {
    ...filters,
    from: filters.from ? localInputToIso(filters.from) : undefined,
    to: filters.to ? localInputToIso(filters.to) : undefined,
  };
  const controls = useListControls();
  const listParams = { ...apiFilters, q: controls.query, sort: controls.sortParam, limit: controls.pageSize };
  const list = useCursorList(
    tenantKey(ctx, "jobs", listParams),
    (cursor) => ctx.api.jobs({ ...listParams, cursor, total: true }),
    // Fresh through the tenant's change feed (useTenantChanges); this is only the safety net.
    { refetchInterval: liveSafetyRefetchMs },
  );
  const total = list.data?.pages[0]?.total ?? null;
  // Only jobs that can still be stopped, in folders where the user may stop jobs, can be picked.
  const stoppable = list.items
    .filter((job) => (job.state === "pending" || job.state === "running") && ctx.canFolder("jobs.edit", job.folderId))
    .map((job) => job.id);
  const selection = useSelection(stoppable);
  const [stopping, setStopping] = useState(false);
  const stopSelected = async () => {
    setStopping(true);
    const ids = [...selection.selected];
    const results = await Promise.allSettled(ids.map((id) => ctx.api.stopJob(id, "stop")));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    setStopping(false);
    selection.clear();
    notifications.show(
      failed.length === 0
        ? { color: "teal", message: t("jobs.bulkStopped", { count: ids.length }) }
        : {
            color: "red",
            message: t("table.bulkPartly", {
              done: ids.length - failed.length,
              failed: failed.length,
              reason: errorText(failed[0]?.reason),
            }),
          },
    );
    void list.refetch();
  };

  const canStart = ctx.canFolder("jobs.create");
  const startButton = canStart ? (
    <Button leftSection={<IconPlayerPlay size={18} />} onClick={() => setStartOpen(true)} data-testid="start-job">
      {t("jobs.start")}
    </Button>
  ) : null;

  // No role in any folder: not "No jobs yet" (there may be many), and nothing to filter.
  if (ctx.noFolderAccess) {
    return (
      <>
        <PageHeader title={t("jobs.title")} description={t("jobs.description")} />
        <NoFolderAccess />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title={t("jobs.title")}
        description={t("jobs.description")}
        actions={
          <>
            <Button
              variant="default"
              leftSection={<IconRefresh size={16} />}
              onClick={() => void list.refetch()}
              loading={list.isRefetching && !list.isFetchingNextPage}
              data-testid="refresh-jobs"
            >
              {t("automation.refresh")}
            </Button>
            {startButton}
          </>
        }
      />
      <Paper withBorder radius="md" p="md" mb="md" data-testid="job-filters">
        <SimpleGrid cols={{ base: 1, sm: 3, lg: 6 }} spacing="sm">
          <Select
            label={t("fields.state")}
            placeholder={t("automation.all")}
            data={states.map((s) => ({ value: s, label: t(`jobs.state.${s}`) }))}
            value={filters.state ?? null}
            onChange={(v) => setFilter("state", v)}
            clearable
            data-testid="filter-state"
          />
          <Select
            label={t("jobs.process")}
            placeholder={t("automation.all")}
            data={(processes.data?.items ?? []).map((p) => ({
              value: String(p.id),
              label: `${p.name} (${ctx.folderPath(p.folderId)})`,
            }))}
            value={filters.processId ? String(filters.processId) : null}
            onChange={(v) => setFilter("processId", v)}
            clearable
            searchable
            data-testid="filter-process"
          />
          <Select
            label={t("jobs.machine")}
            placeholder={t("automation.all")}
            data={(machines.data?.items ?? []).map((m) => ({ value: String(m.id), label: m.name }))}
            value={filters.machineId ? String(filters.machineId) : null}
            onChange={(v) => setFilter("machineId", v)}
            clearable
            searchable
            disabled={!ctx.canTenant("machines.view")}
            data-testid="filter-machine"
          />
          <Select
            label={t("automation.folder")}
            placeholder={t("automation.all")}
            data={folderOptions}
            value={filters.folderId ? String(filters.folderId) : null}
            onChange={(v) => setFilter("folderId", v)}
            clearable
            data-testid="filter-folder"
          />
          <DateTimeInput
            kind="datetime-local"
            label={t("automation.from")}
            value={filters.from ?? ""}
            onChange={(v) => setFilter("from", v)}
            data-testid="filter-from"
          />
          <DateTimeInput
            kind="datetime-local"
            label={t("automation.to")}
            value={filters.to ?? ""}
            onChange={(v) => setFilter("to", v)}
            data-testid="filter-to"
          />
        </SimpleGrid>
        {hasFilters ? (
          <Group justify="flex-end" mt="xs">
            <Button
              size="xs"
              variant="subtle"
              leftSection={<IconFilterOff size={14} />}
              onClick={() => setParams(new URLSearchParams(), { replace: true })}
              data-testid="clear-filters"
            >
              {t("automation.clearFilters")}
            </Button>
          </Group>
        ) : null}
      </Paper>
      <Panel>
        <TableToolbar
          controls={controls}
          shown={list.items.length}
          total={total}
          selected={selection.selected.size}
          onClearSelection={selection.clear}
          searchPlaceholder={t("jobs.searchPlaceholder")}
          bulkActions={
            <Button
              size="xs"
              color="red"
              variant="light"
              leftSection={<IconPlayerStop size={14} />}
              loading={stopping}
              onClick={() => void stopSelected()}
              data-testid="stop-selected"
            >
              {t("jobs.stopSelected")}
            </Button>
          }
        />
        {list.isPending ? <PageLoader /> : null}
        {list.isError ? <QueryError error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.isSuccess && list.items.length === 0 ? (
          <EmptyPanel
            icon={<IconPlayerPlay size={32} />}
            title={hasFilters || controls.query ? t("jobs.emptyFiltered") : t("jobs.empty")}
            description={hasFilters || controls.query ? undefined : t("jobs.emptyHint")}
            action={hasFilters || controls.query ? undefined : startButton}
            testId="jobs-empty"
          />
        ) : null}
        {list.items.length > 0 ? (
          <Table.ScrollContainer minWidth={900}>
            <Table
              highlightOnHover
              className="dirigent-table"
              aria-busy={list.isPlaceholderData}
              data-testid="jobs-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <SelectAllTh ids={stoppable} selection={selection} />
                  <SortableTh field="processName" controls={controls}>
                    {t("jobs.job")}
                  </SortableTh>
                  <SortableTh field="state" controls={controls}>
                    {t("fields.state")}
                  </SortableTh>
                  <Table.Th>{t("automation.folder")}</Table.Th>
                  <Table.Th>{t("jobs.machine")}</Table.Th>
                  <SortableTh field="priority" controls={controls}>
                    {t("fields.priority")}
                  </SortableTh>
                  <SortableTh field="createdAt" controls={controls}>
                    {t("jobs.createdAt")}
                  </SortableTh>
                  <Table.Th>{t("jobs.duration")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.items.map((job) => (
                  <Table.Tr
                    key={job.id}
                    data-testid={`job-row-${job.id}`}
                    style={{ cursor: "pointer" }}
                    onClick={() => void navigate(ctx.path(`jobs/${job.id}`))}
                  >
                    <SelectTd
                      id={job.id}
                      label={`#${job.id}`}
                      selection={selection}
                      disabled={!stoppable.includes(job.id)}
                    />
                    <Table.Td>
                      <Stack gap={0}>
                        <Anchor
                          component={Link}
                          to={ctx.path(`jobs/${job.id}`)}
                          fw={600}
                          size="sm"
                          onClick={(e) => e.stopPropagation()}
                        >
                          {job.processName}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          #{job.id} · {job.entryPoint} ·{" "}
                          {job.source === "api"
                            ? t("jobs.sourceApi")
                            : job.source === "manual"
                              ? t("jobs.sourceManual")
                              : job.source}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <JobStateBadge state={job.state} size="sm" />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{ctx.folderPath(job.folderId)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={job.machineId ? undefined : "dimmed"}>
                        {job.machineId
                          ? (machineName.get(job.machineId) ?? `#${job.machineId}`)
                          : job.targetMachineId
                            ? t("jobs.waitingFor", {
                                name: machineName.get(job.targetMachineId) ?? `#${job.targetMachineId}`,
                              })
                            : "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{job.priority}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        <Time value={job.createdAt} seconds />
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {duration(job.startedAt, job.endedAt)}
                      </Text>
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
      <StartJobModal opened={startOpen} onClose={() => setStartOpen(false)} folderId={filters.folderId ?? null} />
    </>
  );
}

/** `1 h 2 min`, `42 s` from start to end (or now, while running). */
export function duration(startedAt: string | null, endedAt: string | null): string {
  if (!startedAt) return "—";
  const ms = (endedAt ? Date.parse(endedAt) : Date.now()) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
