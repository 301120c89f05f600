import { Anchor, Badge, Select, SimpleGrid, Stack, Table, Tabs, Text } from "@mantine/core";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { TenantDashboard } from "../../../../../src/shared/api/monitoring";
import type { MonitoringRange } from "../../../../../src/shared/monitoring";
import { PageLoader, Panel } from "../../../components/feedback";
import { PageHeader } from "../../../components/PageHeader";
import { RobotStateBadge } from "../../../features/automation/badges";
import { NoPermission, useTenant } from "../../../features/automation/tenant";
import {
  bucketTimes,
  RangeBar,
  Stat,
  StatGrid,
  TimeAreas,
  TimeBars,
  useDuration,
  useTimeFormat,
} from "../../../features/monitoring/charts";
import { useDashboardStream } from "../../../features/monitoring/useDashboardStream";
import { useFormat } from "../../../lib/format";

const colors = {
  started: "var(--mantine-color-blue-6)",
  successful: "var(--mantine-color-green-6)",
  faulted: "var(--mantine-color-red-6)",
  stopped: "var(--mantine-color-gray-5)",
  newItems: "var(--mantine-color-blue-5)",
  inProgress: "var(--mantine-color-orange-5)",
  abandoned: "var(--mantine-color-yellow-6)",
  busy: "var(--mantine-color-violet-6)",
};

const slaColor = { none: "gray", ok: "green", atRisk: "orange", overdue: "red" } as const;

/** The tenant's live monitoring: jobs, machines and robots, queues (server-sent events, never polled). */
export default function MonitoringPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const [range, setRange] = useState<MonitoringRange>("1h");
  const [tab, setTab] = useState<string | null>("jobs");
  const { data, status } = useDashboardStream<TenantDashboard>(`${ctx.api.base}/monitoring/stream?range=${range}`);
  const format = useTimeFormat(data?.timeZone ?? "UTC", data?.unit ?? "minute", data?.range ?? range);
  return (
    <>
      <PageHeader title={t("monitoring.title")} description={t("monitoring.description")} />
      <RangeBar range={range} onRange={setRange} status={status} timeZone={data?.timeZone ?? null} />
      {!data ? (
        <PageLoader />
      ) : (
        <Tabs value={tab} onChange={setTab} keepMounted={false}>
          <Tabs.List mb="md">
            <Tabs.Tab value="jobs" data-testid="monitoring-tab-jobs">
              {t("monitoring.tabs.jobs")}
            </Tabs.Tab>
            <Tabs.Tab value="machines" data-testid="monitoring-tab-machines">
              {t("monitoring.tabs.machines")}
            </Tabs.Tab>
            <Tabs.Tab value="queues" data-testid="monitoring-tab-queues">
              {t("monitoring.tabs.queues")}
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="jobs">
            <JobsPanel data={data} format={format} />
          </Tabs.Panel>
          <Tabs.Panel value="machines">
            {data.machines ? <MachinesPanel data={data} format={format} /> : <NoPermission />}
          </Tabs.Panel>
          <Tabs.Panel value="queues">
            <QueuesPanel data={data} format={format} />
          </Tabs.Panel>
        </Tabs>
      )}
    </>
  );
}

type Format = ReturnType<typeof useTimeFormat>;

function JobsPanel({ data, format }: { data: TenantDashboard; format: Format }) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const f = useFormat();
  const duration = useDuration();
  const jobs = data.jobs;
  const percent = (v: number | null) => (v === null ? "—" : `${f.number(Math.round(v * 1000) / 10)} %`);
  return (
    <Stack gap="lg">
      <StatGrid>
        <Stat label={t("monitoring.jobs.pending")} value={f.number(jobs.now.pending)} testId="stat-pending" />
        <Stat
          label={t("monitoring.jobs.running")}
          value={f.number(jobs.now.running + jobs.now.stopping + jobs.now.terminating)}
          testId="stat-running"
          color="blue"
        />
        <Stat label={t("monitoring.jobs.successRate")} value={percent(jobs.successRate)} testId="stat-success-rate" />
        <Stat
          label={t("monitoring.jobs.finished")}
          value={f.number(jobs.totals.successful + jobs.totals.faulted + jobs.totals.stopped)}
          testId="stat-finished"
        />
      </StatGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Panel title={t(`monitoring.jobs.startedPer.${data.unit}`)}>
          <TimeBars
            data={jobs.series}
            format={format}
            testId="chart-started"
            series={[{ key: "started", label: t("monitoring.jobs.started"), color: colors.started }]}
          />
        </Panel>
        <Panel title={t(`monitoring.jobs.finishedPer.${data.unit}`)}>
          <TimeBars
            data={jobs.series}
            format={format}
            testId="chart-finished"
            series={[
              { key: "successful", label: t("monitoring.jobs.successful"), color: colors.successful },
              { key: "faulted", label: t("monitoring.jobs.faulted"), color: colors.faulted },
              { key: "stopped", label: t("monitoring.jobs.stopped"), color: colors.stopped },
            ]}
          />
        </Panel>
      </SimpleGrid>
      <Panel title={t("monitoring.jobs.processes")}>
        {jobs.processes.length === 0 ? (
          <Text c="dimmed" p="md" size="sm">
            {t("monitoring.jobs.noJobs")}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table data-testid="process-health">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("monitoring.jobs.process")}</Table.Th>
                  <Table.Th>{t("monitoring.jobs.folder")}</Table.Th>
                  <Table.Th ta="right">{t("monitoring.jobs.successful")}</Table.Th>
                  <Table.Th ta="right">{t("monitoring.jobs.faulted")}</Table.Th>
                  <Table.Th ta="right">{t("monitoring.jobs.stopped")}</Table.Th>
                  <Table.Th ta="right">{t("monitoring.jobs.average")}</Table.Th>
                  <Table.Th ta="right">{t("monitoring.jobs.p95")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {jobs.processes.map((p) => (
                  <Table.Tr key={p.processId} data-testid="process-health-row">
                    <Table.Td>{p.processName}</Table.Td>
                    <Table.Td>{ctx.folderPath(p.folderId)}</Table.Td>
                    <Table.Td ta="right">{f.number(p.successful)}</Table.Td>
                    <Table.Td ta="right">{f.number(p.faulted)}</Table.Td>
                    <Table.Td ta="right">{f.number(p.stopped)}</Table.Td>
                    <Table.Td ta="right">{duration(p.averageSeconds)}</Table.Td>
                    <Table.Td ta="right">{duration(p.p95Seconds)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Panel>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Panel title={t("monitoring.jobs.longestRunning")}>
          {jobs.longestRunning.length === 0 ? (
            <Text c="dimmed" p="md" size="sm">
              {t("monitoring.jobs.noneRunning")}
            </Text>
          ) : (
            <Table data-testid="longest-running">
              <Table.Tbody>
                {jobs.longestRunning.map((j) => (
                  <Table.Tr key={j.id}>
                    <Table.Td>
                      <Anchor component={Link} to={ctx.path(`jobs/${j.id}`)}>
                        {j.processName} #{j.id}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{j.machineName ?? "—"}</Table.Td>
                    <Table.Td ta="right">{duration(j.runningSeconds)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Panel>
        <Panel title={t("monitoring.jobs.mostFaulted")}>
          {jobs.mostFaulted.length === 0 ? (
            <Text c="dimmed" p="md" size="sm">
              {t("monitoring.jobs.noFaults")}
            </Text>
          ) : (
            <Table data-testid="most-faulted">
              <Table.Tbody>
                {jobs.mostFaulted.map((p) => (
                  <Table.Tr key={p.processId}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {p.processName}
                      </Text>
                      <Text size="xs" c="dimmed" lineClamp={2} style={{ wordBreak: "break-word" }}>
                        {p.lastError ?? "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Badge color="red" variant="light">
                        {f.number(p.faulted)}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Text size="xs" c="dimmed">
                        {f.dateTime(p.lastFaultedAt)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Panel>
      </SimpleGrid>
    </Stack>
  );
}

function MachinesPanel({ data, format }: { data: TenantDashboard; format: Format }) {
  const { t } = useTranslation();
  const f = useFormat();
  const machines = data.machines;
  if (!machines) return null;
  return (
    <Stack gap="lg">
      <StatGrid>
        {(["available", "busy", "unresponsive", "disconnected"] as const).map((s) => (
          <Stat
            key={s}
            label={t(`machines.state.${s}`)}
            value={f.number(machines.now[s])}
            testId={`stat-robots-${s}`}
          />
        ))}
      </StatGrid>
      <Panel title={t("monitoring.machines.utilisation")}>
        <TimeAreas
          data={machines.utilisation}
          format={format}
          unit=" %"
          yMax={100}
          testId="chart-utilisation"
          series={[{ key: "percent", label: t("monitoring.machines.busyPercent"), color: colors.busy }]}
        />
      </Panel>
      <Panel title={t("monitoring.machines.sessions")}>
        <Table.ScrollContainer minWidth={720}>
          <Table data-testid="machine-sessions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("monitoring.machines.machine")}</Table.Th>
                <Table.Th>{t("monitoring.machines.state")}</Table.Th>
                <Table.Th ta="right">{t("monitoring.machines.slots")}</Table.Th>
                <Table.Th>{t("monitoring.machines.host")}</Table.Th>
                <Table.Th>{t("monitoring.machines.os")}</Table.Th>
                <Table.Th>{t("monitoring.machines.version")}</Table.Th>
                <Table.Th>{t("monitoring.machines.lastHeartbeat")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {machines.machines.flatMap((m) =>
                (m.sessions.length ? m.sessions : [null]).map((s, i) => (
                  <Table.Tr key={`${m.id}-${s?.id ?? "none"}`}>
                    <Table.Td>{i === 0 ? m.name : ""}</Table.Td>
                    <Table.Td>
                      <RobotStateBadge state={s?.state ?? m.state} />
                    </Table.Td>
                    <Table.Td ta="right">{i === 0 ? `${m.busySlots} / ${m.slots}` : ""}</Table.Td>
                    <Table.Td>{s?.hostName ?? "—"}</Table.Td>
                    <Table.Td>{s?.os ?? "—"}</Table.Td>
                    <Table.Td>{s?.agentVersion ?? "—"}</Table.Td>
                    <Table.Td>{f.dateTimeSeconds(s?.lastHeartbeatAt ?? null)}</Table.Td>
                  </Table.Tr>
                )),
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Panel>
    </Stack>
  );
}

function QueuesPanel({ data, format }: { data: TenantDashboard; format: Format }) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const f = useFormat();
  const duration = useDuration();
  const [queueId, setQueueId] = useState<string | null>(null);
  const series = useMemo(() => {
    const byT = new Map<
      string,
      { t: string; newItems: number; inProgress: number; successful: number; failed: number }
    >();
    for (const t of bucketTimes(data.from, data.to, data.unit))
      byT.set(t, { t, newItems: 0, inProgress: 0, successful: 0, failed: 0 });
    for (const r of data.queues.series) {
      if (queueId && String(r.queueId) !== queueId) continue;
      const p = byT.get(r.t) ?? { t: r.t, newItems: 0, inProgress: 0, successful: 0, failed: 0 };
      p.newItems += r.newItems;
      p.inProgress += r.inProgress;
      p.successful += r.successful;
      p.failed += r.failed + r.abandoned;
      byT.set(r.t, p);
    }
    return [...byT.values()];
  }, [data.queues.series, data.from, data.to, data.unit, queueId]);
  if (data.queues.queues.length === 0)
    return (
      <Text c="dimmed" size="sm" data-testid="queues-empty">
        {t("monitoring.queues.none")}
      </Text>
    );
  return (
    <Stack gap="lg">
      <Select
        w={280}
        label={t("monitoring.queues.queue")}
        placeholder={t("monitoring.queues.all")}
        clearable
        value={queueId}
        onChange={setQueueId}
        data={data.queues.queues.map((q) => ({ value: String(q.id), label: q.name }))}
      />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Panel title={t("monitoring.queues.open")}>
          <TimeAreas
            data={series}
            format={format}
            testId="chart-queue-open"
            series={[
              { key: "newItems", label: t("monitoring.queues.new"), color: colors.newItems },
              { key: "inProgress", label: t("monitoring.queues.inProgress"), color: colors.inProgress },
            ]}
          />
        </Panel>
        <Panel title={t("monitoring.queues.results")}>
          <TimeBars
            data={series}
            format={format}
            testId="chart-queue-results"
            series={[
              { key: "successful", label: t("monitoring.queues.successful"), color: colors.successful },
              { key: "failed", label: t("monitoring.queues.failedOrAbandoned"), color: colors.faulted },
            ]}
          />
        </Panel>
      </SimpleGrid>
      <Panel title={t("monitoring.queues.title")}>
        <Table.ScrollContainer minWidth={720}>
          <Table data-testid="queue-health">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("monitoring.queues.queue")}</Table.Th>
                <Table.Th>{t("monitoring.jobs.folder")}</Table.Th>
                <Table.Th ta="right">{t("monitoring.queues.new")}</Table.Th>
                <Table.Th ta="right">{t("monitoring.queues.inProgress")}</Table.Th>
                <Table.Th ta="right">{t("monitoring.queues.successful")}</Table.Th>
                <Table.Th ta="right">{t("monitoring.queues.failed")}</Table.Th>
                <Table.Th ta="right">{t("monitoring.queues.abandoned")}</Table.Th>
                <Table.Th ta="right">{t("monitoring.queues.processing")}</Table.Th>
                <Table.Th>{t("monitoring.queues.sla")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.queues.queues.map((q) => (
                <Table.Tr key={q.id}>
                  <Table.Td>
                    <Anchor component={Link} to={ctx.path(`queues/${q.id}`)}>
                      {q.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{ctx.folderPath(q.folderId)}</Table.Td>
                  <Table.Td ta="right">{f.number(q.newItems)}</Table.Td>
                  <Table.Td ta="right">{f.number(q.inProgress)}</Table.Td>
                  <Table.Td ta="right">{f.number(q.successful)}</Table.Td>
                  <Table.Td ta="right">{f.number(q.failed)}</Table.Td>
                  <Table.Td ta="right">{f.number(q.abandoned)}</Table.Td>
                  <Table.Td ta="right">{duration(q.averageProcessingSeconds)}</Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <Badge
                      color={slaColor[q.sla]}
                      variant="light"
                      styles={{ root: { flex: "none" }, label: { overflow: "visible" } }}
                      data-testid="queue-sla"
                    >
                      {t(`monitoring.queues.slaState.${q.sla}`)}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Panel>
    </Stack>
  );
}
