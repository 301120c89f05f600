import { Grid, Group, Select, Stack, Table, Text } from "@mantine/core";
import { IconServer2 } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { MaintenanceState } from "../../api/types";
import { PhaseBadge } from "../../components/badges";
import { EmptyPanel } from "../../components/EmptyPanel";
import { Panel } from "../../components/feedback";
import { Time } from "../../components/Time";
import { useFormat } from "../../lib/format";
import { type Actions, PhaseButtons } from "./actions";

/** Maintenance of single tenants: pick organization and tenant, plus the tenants currently in maintenance. */
export function TenantMaintenancePanel({ state, actions }: { state: MaintenanceState; actions: Actions }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [orgSlug, setOrgSlug] = useState<string | null>(null);
  const [tenantId, setTenantId] = useState<string | null>(null);
  const orgs = useQuery({ queryKey: ["host", "organizations", "options"], queryFn: () => hostApi.organizations({}) });
  const tenantsEndpoints = orgSlug ? hostApi.tenants(orgSlug) : null;
  const tenants = useQuery({
    queryKey: tenantsEndpoints?.key ?? ["host", "organization", "-", "tenants"],
    queryFn: () => (tenantsEndpoints ? tenantsEndpoints.list() : Promise.resolve({ items: [] })),
    enabled: !!tenantsEndpoints,
  });
  const inMaintenance = state.tenants.filter((tenant) => tenant.phase !== "none");
  const selectedTenant = tenants.data?.items.find((tenant) => String(tenant.id) === tenantId) ?? null;
  const selectedPhase = state.tenants.find((tenant) => String(tenant.tenantId) === tenantId)?.phase ?? "none";
  const orgName = orgs.data?.items.find((org) => org.slug === orgSlug)?.name ?? "";

  return (
    <Panel title={t("maintenance.tenantTitle")}>
      <Stack gap="md" p="md">
        <Text size="sm" c="dimmed">
          {t("maintenance.tenantDescription")}
        </Text>
        <Grid align="flex-end" gap="sm">
          <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
            <Select
              label={t("maintenance.organization")}
              placeholder={t("maintenance.chooseOrganization")}
              searchable
              nothingFoundMessage={t("common.nothingFound")}
              data={(orgs.data?.items ?? []).map((org) => ({ value: org.slug, label: org.name }))}
              value={orgSlug}
              onChange={(value) => {
                setOrgSlug(value);
                setTenantId(null);
              }}
              data-testid="maintenance-org"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
            <Select
              label={t("maintenance.tenant")}
              placeholder={t("maintenance.chooseTenant")}
              disabled={!orgSlug}
              data={(tenants.data?.items ?? []).map((tenant) => ({ value: String(tenant.id), label: tenant.name }))}
              value={tenantId}
              onChange={setTenantId}
              data-testid="maintenance-tenant"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 6 }}>
            {selectedTenant ? (
              <Group gap="sm" wrap="nowrap" data-testid="selected-tenant-maintenance">
                <PhaseBadge phase={selectedPhase} />
                <PhaseButtons
                  phase={selectedPhase}
                  scope={{ tenantId: selectedTenant.id, label: `${orgName} / ${selectedTenant.name}` }}
                  actions={actions}
                  size="xs"
                />
              </Group>
            ) : null}
          </Grid.Col>
        </Grid>
      </Stack>
      {inMaintenance.length === 0 ? (
        <EmptyPanel icon={<IconServer2 size={28} />} title={t("maintenance.noTenants")} />
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table className="dirigent-table" data-testid="tenant-maintenance-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("maintenance.organization")}</Table.Th>
                <Table.Th>{t("maintenance.tenant")}</Table.Th>
                <Table.Th>{t("maintenance.phaseLabel")}</Table.Th>
                <Table.Th>{t("maintenance.since")}</Table.Th>
                <Table.Th>{t("maintenance.expectedEnd")}</Table.Th>
                <Table.Th>{t("maintenance.triggersSkipped")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {inMaintenance.map((tenant) => (
                <Table.Tr key={tenant.tenantId} data-testid={`tenant-maintenance-${tenant.tenantId}`}>
                  <Table.Td>{tenant.orgName}</Table.Td>
                  <Table.Td>{tenant.tenantName}</Table.Td>
                  <Table.Td>
                    <PhaseBadge phase={tenant.phase} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      <Time value={tenant.window?.startedAt} />
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {tenant.window?.expectedEndAt
                        ? format.dateTime(tenant.window.expectedEndAt)
                        : t("maintenance.noExpectedEnd")}
                    </Text>
                  </Table.Td>
                  <Table.Td>{format.number(tenant.window?.triggersSkipped ?? 0)}</Table.Td>
                  <Table.Td>
                    <Group justify="flex-end">
                      <PhaseButtons
                        phase={tenant.phase}
                        scope={{ tenantId: tenant.tenantId, label: `${tenant.orgName} / ${tenant.tenantName}` }}
                        actions={actions}
                        size="xs"
                      />
                    </Group>
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
