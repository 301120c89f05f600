import { Badge, Group, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { HostDashboard } from "../../../../src/shared/api/monitoring";
import type { MonitoringRange } from "../../../../src/shared/monitoring";
import { PageLoader, Panel } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { RangeBar, Stat, StatGrid, TimeBars, useTimeFormat } from "../../features/monitoring/charts";
import { useDashboardStream } from "../../features/monitoring/useDashboardStream";
import { useFormat } from "../../lib/format";

/** The installation's live monitoring for system administrators. */
export default function HostMonitoringPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const [range, setRange] = useState<MonitoringRange>("24h");
  const { data, status } = useDashboardStream<HostDashboard>(`/host/monitoring/stream?range=${range}`);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = useTimeFormat(zone, "hour", range);
  return (
    <>
      <PageHeader title={t("monitoring.host.title")} description={t("monitoring.host.description")} />
      <RangeBar range={range} onRange={setRange} status={status} timeZone={zone} ranges={["24h", "7d"]} />
      {!data ? (
        <PageLoader />
      ) : (
        <Stack gap="lg">
          <StatGrid>
            <Stat label={t("monitoring.host.organizations")} value={f.number(data.organizations)} testId="stat-orgs" />
            <Stat label={t("monitoring.host.tenants")} value={f.number(data.tenants)} testId="stat-tenants" />
            <Stat
              label={t("monitoring.host.robots")}
              value={f.number(data.robotsConnected)}
              testId="stat-robots"
              color="green"
            />
            <Stat
              label={t("monitoring.host.maintenance")}
              value={t(`monitoring.host.phase.${data.maintenance.phase}`, { defaultValue: data.maintenance.phase })}
              testId="stat-maintenance"
              color={data.maintenance.phase === "none" ? undefined : "orange"}
            />
          </StatGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
            <Panel title={t("monitoring.host.jobsPerHour")}>
              <TimeBars
                data={data.jobs}
                format={format}
                testId="chart-host-jobs"
                series={[
                  { key: "successful", label: t("monitoring.jobs.successful"), color: "var(--mantine-color-green-6)" },
                  { key: "faulted", label: t("monitoring.jobs.faulted"), color: "var(--mantine-color-red-6)" },
                  { key: "stopped", label: t("monitoring.jobs.stopped"), color: "var(--mantine-color-gray-5)" },
                ]}
              />
            </Panel>
            <Panel title={t("monitoring.host.emailPerHour")}>
              <TimeBars
                data={data.email}
                format={format}
                testId="chart-host-email"
                series={[
                  { key: "sent", label: t("monitoring.host.sent"), color: "var(--mantine-color-green-6)" },
                  { key: "failed", label: t("monitoring.host.failed"), color: "var(--mantine-color-red-6)" },
                  { key: "held", label: t("monitoring.host.held"), color: "var(--mantine-color-orange-5)" },
                ]}
              />
            </Panel>
          </SimpleGrid>
          <Panel title={t("monitoring.host.connected")}>
            {data.connectedTenants.length === 0 ? (
              <Text c="dimmed" p="md" size="sm">
                {t("monitoring.host.noneConnected")}
              </Text>
            ) : (
              <Table data-testid="connected-tenants">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("monitoring.host.organization")}</Table.Th>
                    <Table.Th>{t("monitoring.host.tenant")}</Table.Th>
                    <Table.Th ta="right">{t("monitoring.host.robots")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.connectedTenants.map((c) => (
                    <Table.Tr key={c.tenantId}>
                      <Table.Td>{c.orgName}</Table.Td>
                      <Table.Td>{c.tenantName}</Table.Td>
                      <Table.Td ta="right">{f.number(c.robots)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Panel>
          {data.maintenance.tenants.length > 0 ? (
            <Panel title={t("monitoring.host.tenantsInMaintenance")}>
              <Group p="md" gap="xs">
                {data.maintenance.tenants.map((m) => (
                  <Badge key={m.tenantId} color="orange" variant="light">
                    {m.orgName} / {m.tenantName}: {t(`monitoring.host.phase.${m.phase}`, { defaultValue: m.phase })}
                  </Badge>
                ))}
              </Group>
            </Panel>
          ) : null}
        </Stack>
      )}
    </>
  );
}
