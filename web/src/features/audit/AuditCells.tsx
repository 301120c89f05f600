import { Stack, Text } from "@mantine/core";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import type { AuditEntry } from "../../api/types";
import { useServerText } from "../../lib/serverText";

export function ActorCell({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  if (!entry.actor)
    return (
      <Text size="sm" c="dimmed">
        {t("audit.system")}
      </Text>
    );
  return (
    <Stack gap={0}>
      <Text size="sm">{entry.actor.name ?? `#${entry.actor.id ?? "?"}`}</Text>
      <Text size="xs" c="dimmed">
        {actorKindLabel(entry.actor.kind, t)}
      </Text>
    </Stack>
  );
}

export function actorKindLabel(kind: string, t: TFunction): string {
  if (kind === "admin") return t("audit.actorKind.admin");
  if (kind === "user") return t("audit.actorKind.user");
  if (kind === "system") return t("audit.actorKind.system");
  if (kind === "robot") return t("audit.actorKind.robot");
  return kind;
}

export function TargetCell({ entry }: { entry: AuditEntry }) {
  const serverText = useServerText();
  if (!entry.target)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Stack gap={0}>
      <Text size="sm">{entry.target.name ?? `#${entry.target.id ?? "?"}`}</Text>
      <Text size="xs" c="dimmed">
        {serverText.targetType(entry.target.type)}
      </Text>
    </Stack>
  );
}
