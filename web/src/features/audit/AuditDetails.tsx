import { Button, Code, Group, Paper, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { AuditEntry } from "../../api/types";
import { Time } from "../../components/Time";
import { useFormat } from "../../lib/format";
import { useServerText } from "../../lib/serverText";
import { actorKindLabel } from "./AuditCells";

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** One level of nesting flattened to `parent.child` paths, so a settings object shows its fields. */
function flatten(value: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!isRecord(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    if (isRecord(v) && Object.keys(v).length > 0 && Object.keys(v).length <= 20)
      for (const [sub, w] of Object.entries(v)) out.set(`${key}.${sub}`, w);
    else out.set(key, v);
  }
  return out;
}

interface DiffRow {
  key: string;
  before: unknown;
  after: unknown;
  changed: boolean;
  inBefore: boolean;
  inAfter: boolean;
}

/** The fields of before and after, changed ones first (each list in key order). */
export function diffRows(before: unknown, after: unknown): DiffRow[] {
  const b = flatten(before);
  const a = flatten(after);
  const keys = [...new Set([...b.keys(), ...a.keys()])].sort();
  const rows = keys.map((key) => ({
    key,
    before: b.get(key),
    after: a.get(key),
    inBefore: b.has(key),
    inAfter: a.has(key),
    changed: before != null && after != null && JSON.stringify(b.get(key)) !== JSON.stringify(a.get(key)),
  }));
  return [...rows.filter((r) => r.changed), ...rows.filter((r) => !r.changed)];
}

/** `smtpHost` → "Smtp host", `folderIds` → "Folder ids": the fallback label of a key without a translation. */
function humanize(key: string): string {
  const words = key
    .replace(/([a-z\d])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function useFieldLabel() {
  const { t } = useTranslation();
  const lookup = t as unknown as (key: string, options: { defaultValue: string }) => string;
  return (path: string) =>
    path
      .split(".")
      .map((part) => lookup(`audit.field.${part}`, { defaultValue: humanize(part) }))
      .join(" › ");
}

/**
 * Where a field's stored code has its words: the last part of the field's path → the translation
 * groups to try, in order (a job's `state` is a job state, a machine's is a machine state).
 */
const codeGroups: Record<string, string[]> = {
  role: ["roles"],
  state: ["jobs.state", "machines.state"],
  status: ["status", "queues.status", "webhooks.status", "email.status"],
  phase: ["maintenance.phase"],
  priority: ["queues.priority"],
  reviewStatus: ["queues.review"],
  type: ["assets.types"],
  valueType: ["assets.types"],
  tlsMode: ["email.tlsModes"],
  authMethod: ["email.authMethods"],
  severity: ["alerts.severity"],
  kind: ["announcements.kinds"],
  callMode: ["triggers.callModes"],
  events: ["webhooks.event"],
  components: ["alertEmails.components"],
  channel: ["alertPrefs.channels"],
};

const languageNames: Record<string, string> = { en: "English", de: "Deutsch" };

/** An ISO 8601 instant as the server writes it (`2026-12-05T13:41:54.000Z`). */
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A stored code in the reader's language when the field is known to hold codes; else as it is. */
function useCodeText() {
  const { t, i18n } = useTranslation();
  const serverText = useServerText();
  const lookup = t as unknown as (key: string) => string;
  return (path: string, value: string): string => {
    const field = path.split(".").pop() ?? path;
    if (field === "roles" || field === "roleName") return serverText.roleName({ name: value });
    // Languages by their own names, as everywhere else (the language menu, the users list).
    if (field === "locale") return languageNames[value] ?? value;
    for (const group of codeGroups[field] ?? [])
      if (i18n.exists(`${group}.${value}`)) return lookup(`${group}.${value}`);
    return value;
  };
}

function ValueText({ path, value, present }: { path: string; value: unknown; present: boolean }) {
  const { t } = useTranslation();
  const codeText = useCodeText();
  if (!present || value === null || value === undefined)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  if (typeof value === "string" && isoInstant.test(value) && !Number.isNaN(Date.parse(value)))
    return (
      <Text size="sm">
        <Time value={value} seconds />
      </Text>
    );
  let text: string;
  if (typeof value === "boolean") text = value ? t("audit.yes") : t("audit.no");
  else if (Array.isArray(value))
    text =
      value.length === 0
        ? t("audit.none")
        : value
            .map((v) =>
              typeof v === "object" ? JSON.stringify(v) : typeof v === "string" ? codeText(path, v) : String(v),
            )
            .join(", ");
  else if (typeof value === "object") text = JSON.stringify(value);
  else if (typeof value === "string") text = codeText(path, value);
  else text = String(value);
  return (
    <Text size="sm" style={{ wordBreak: "break-word", whiteSpace: "pre-wrap" }}>
      {text}
    </Text>
  );
}

/** Before and after as a table of labelled fields, the changed ones marked. */
function DiffTable({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  const label = useFieldLabel();
  const rows = diffRows(entry.before, entry.after);
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="audit-no-data">
        {t("audit.noData")}
      </Text>
    );
  return (
    <Table withTableBorder verticalSpacing={6} data-testid="audit-diff">
      <Table.Thead>
        <Table.Tr>
          <Table.Th w="30%">{t("audit.field.title")}</Table.Th>
          <Table.Th>{t("audit.before")}</Table.Th>
          <Table.Th>{t("audit.after")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr
            key={row.key}
            data-testid={`audit-diff-${row.key}`}
            data-changed={row.changed}
            bg={row.changed ? "var(--mantine-color-yellow-0)" : undefined}
          >
            <Table.Td>
              <Text size="sm" fw={row.changed ? 600 : 400}>
                {label(row.key)}
              </Text>
            </Table.Td>
            <Table.Td c={row.changed ? "red.8" : undefined}>
              <ValueText path={row.key} value={row.before} present={row.inBefore} />
            </Table.Td>
            <Table.Td c={row.changed ? "teal.8" : undefined}>
              <ValueText path={row.key} value={row.after} present={row.inAfter} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
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
  const [raw, setRaw] = useState(false);
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
      <DiffTable entry={entry} />
      <Group>
        <Button size="xs" variant="subtle" onClick={() => setRaw((r) => !r)} data-testid="audit-raw-toggle">
          {raw ? t("audit.hideRaw") : t("audit.showRaw")}
        </Button>
      </Group>
      {raw ? (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <JsonBlock title={t("audit.before")} value={entry.before} testId="audit-before" />
          <JsonBlock title={t("audit.after")} value={entry.after} testId="audit-after" />
        </SimpleGrid>
      ) : null}
    </Stack>
  );
}
