import { Badge, Code, Group, Paper, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { AuditEntry } from "../../api/types";
import { useFormat } from "../../lib/format";
import { useServerText } from "../../lib/serverText";
import { actorKindLabel } from "./AuditCells";

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** Keys whose values differ between before and after (shallow, by JSON). */
function changedKeys(before: unknown, after: unknown): string[] {
  if (!isRecord(before) || !isRecord(after)) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

function JsonBlock({ title, value, testId }: { title: string; value: unknown; testId: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap={6}>
      <Text size="sm" fw={600}>
        {title}
      </Text>
      {value === null || value === undefined ? (
        <Paper withBorder p="sm" radius="sm" bg="var(--mantine-color-gray-0)">
          <Text size="sm" c="dimmed">
            {t("audit.noData")}
          </Text>
        </Paper>
      ) : (
        <Code block data-testid={testId} style={{ whiteSpace: "pre-wrap", wordBreak: "break-word", minHeight: 60 }}>
          {JSON.stringify(value, null, 2)}
        </Code>
      )}
    </Stack>
  );
}

/** Everything about one entry, with the data before and after the change side by side. */
export function AuditDetails({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  const format = useFormat();
  const serverText = useServerText();
  const changed = changedKeys(entry.before, entry.after);
  const rows: [string, string][] = [
    [t("audit.time"), format.dateTimeSeconds(entry.time)],
    [
      t("audit.actor"),
      entry.actor ? `${entry.actor.name ?? "—"} (${actorKindLabel(entry.actor.kind, t)})` : t("audit.system"),
    ],
    [t("audit.component"), serverText.auditComponent(entry.component)],
    [t("audit.action"), serverText.auditAction(entry.action)],
    [
      t("audit.target"),
      entry.target
        ? `${serverText.targetType(entry.target.type)}: ${entry.target.name ?? entry.target.id ?? "—"}`
        : "—",
    ],
    [t("audit.clientIp"), entry.clientIp ?? "—"],
    [t("audit.userAgent"), entry.userAgent ?? "—"],
  ];
  return (
    <Stack gap="lg">
      <Table withRowBorders={false} verticalSpacing={4} horizontalSpacing={0}>
        <Table.Tbody>
          {rows.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Td w={150} valign="top">
                <Text size="sm" c="dimmed">
                  {label}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ wordBreak: "break-word" }}>
                  {value}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {changed.length > 0 ? (
        <Group gap={6}>
          <Text size="sm" c="dimmed">
            {t("audit.changedFields")}
          </Text>
          {changed.map((key) => (
            <Badge key={key} variant="light" color="orange" tt="none">
              {key}
            </Badge>
          ))}
        </Group>
      ) : null}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        <JsonBlock title={t("audit.before")} value={entry.before} testId="audit-before" />
        <JsonBlock title={t("audit.after")} value={entry.after} testId="audit-after" />
      </SimpleGrid>
    </Stack>
  );
}
