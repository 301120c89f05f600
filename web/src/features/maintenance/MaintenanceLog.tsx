import { Table, Text } from "@mantine/core";
import { IconHistory } from "@tabler/icons-react";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import type { MaintenanceState } from "../../api/types";
import { PhaseBadge } from "../../components/badges";
import { EmptyPanel } from "../../components/EmptyPanel";
import { Panel } from "../../components/feedback";
import { Time } from "../../components/Time";

/** The phase changes of the installation and of tenants, newest first. */
export function MaintenanceLog({ state }: { state: MaintenanceState }) {
  const { t } = useTranslation();
  const tenantNames = useMemo(
    () => new Map(state.tenants.map((tenant) => [tenant.tenantId, `${tenant.orgName} / ${tenant.tenantName}`])),
    [state.tenants],
  );
  const entries = [...state.log].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <Panel title={t("maintenance.log")}>
      {entries.length === 0 ? (
        <EmptyPanel icon={<IconHistory size={28} />} title={t("maintenance.logEmpty")} />
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table className="dirigent-table" data-testid="maintenance-log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("audit.time")}</Table.Th>
                <Table.Th>{t("maintenance.phaseLabel")}</Table.Th>
                <Table.Th>{t("maintenance.scope")}</Table.Th>
                <Table.Th>{t("maintenance.by")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((entry) => (
                <Table.Tr key={`${entry.createdAt}|${entry.phase}|${entry.tenantId ?? "host"}`}>
                  <Table.Td>
                    <Text size="sm">
                      <Time value={entry.createdAt} seconds />
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <PhaseBadge phase={entry.phase} size="sm" />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {entry.tenantId === null
                        ? t("maintenance.wholeInstallation")
                        : (tenantNames.get(entry.tenantId) ?? t("maintenance.tenantNumber", { id: entry.tenantId }))}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{entry.actorName ?? "—"}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Panel>
  );
}
