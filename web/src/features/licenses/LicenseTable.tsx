import { ActionIcon, Badge, Group, Table, Text, Tooltip, VisuallyHidden } from "@mantine/core";
import { IconPencil } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import type { TenantLicense } from "../../api/types";
import { StatusBadge } from "../../components/badges";
import { useFormat } from "../../lib/format";

/** Expired red, 7 days or fewer orange, 30 or fewer yellow, otherwise green; no expiry grey. */
export function daysLeftColor(daysLeft: number | null): string {
  if (daysLeft === null) return "gray";
  if (daysLeft <= 0) return "red";
  if (daysLeft <= 7) return "orange";
  if (daysLeft <= 30) return "yellow";
  return "teal";
}

export function DaysLeftBadge({ daysLeft }: { daysLeft: number | null }) {
  const { t } = useTranslation();
  const label =
    daysLeft === null
      ? t("licenses.noExpiry")
      : daysLeft <= 0
        ? t("licenses.expired")
        : t("licenses.daysLeft", { count: daysLeft });
  return (
    <Badge
      color={daysLeftColor(daysLeft)}
      variant={daysLeft !== null && daysLeft <= 7 ? "filled" : "light"}
      data-testid="days-left"
      data-color={daysLeftColor(daysLeft)}
    >
      {label}
    </Badge>
  );
}

/** The tenants of one organization with their license; `onEdit` adds the edit action (host only). */
export function LicenseTable({
  licenses,
  onEdit,
}: {
  licenses: TenantLicense[];
  onEdit?: (license: TenantLicense) => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table className="dirigent-table" highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("licenses.tenant")}</Table.Th>
            <Table.Th ta="right">{t("licenses.robotSlots")}</Table.Th>
            <Table.Th>{t("licenses.expiresAt")}</Table.Th>
            <Table.Th>{t("licenses.remaining")}</Table.Th>
            {onEdit ? (
              <Table.Th w={56}>
                <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
              </Table.Th>
            ) : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {licenses.map((license) => (
            <Table.Tr key={license.tenantId} data-testid={`license-row-${license.orgSlug}-${license.tenantName}`}>
              <Table.Td>
                <Group gap="xs">
                  <Text size="sm" fw={600}>
                    {license.tenantName}
                  </Text>
                  {license.tenantStatus !== "active" ? (
                    <StatusBadge status={license.tenantStatus === "disabled" ? "disabled" : "active"} />
                  ) : null}
                </Group>
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm" data-testid="robot-slots" c={license.robotSlots === null ? "dimmed" : undefined}>
                  {license.robotSlots === null ? t("licenses.notAllocated") : format.number(license.robotSlots)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" data-testid="expires-at" c={license.expiresAt ? undefined : "dimmed"}>
                  {license.expiresAt ? format.date(license.expiresAt) : t("licenses.noExpiryDate")}
                </Text>
              </Table.Td>
              <Table.Td>
                <DaysLeftBadge daysLeft={license.daysLeft} />
              </Table.Td>
              {onEdit ? (
                <Table.Td>
                  <Group justify="flex-end">
                    <Tooltip label={t("licenses.edit")}>
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        onClick={() => onEdit(license)}
                        aria-label={t("licenses.editFor", { name: `${license.orgName} / ${license.tenantName}` })}
                        data-testid="edit-license"
                      >
                        <IconPencil size={18} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Licenses grouped by organization, in the order the server sorted them (by name). */
export function groupByOrganization(licenses: TenantLicense[]) {
  const groups = new Map<number, { orgId: number; orgName: string; orgSlug: string; items: TenantLicense[] }>();
  for (const license of licenses) {
    const group = groups.get(license.orgId) ?? {
      orgId: license.orgId,
      orgName: license.orgName,
      orgSlug: license.orgSlug,
      items: [],
    };
    group.items.push(license);
    groups.set(license.orgId, group);
  }
  return [...groups.values()];
}
