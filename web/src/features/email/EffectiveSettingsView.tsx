import { Badge, Group, SimpleGrid, Stack, Text } from "@mantine/core";
import { IconCheck, IconX } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { EmailSettingsView } from "../../api/types";

/** The settings in force, read-only (the seed's fields first), for an organization that inherits them. */
export function EffectiveSettingsView({ settings }: { settings: EmailSettingsView }) {
  const { t } = useTranslation();
  const none = (
    <Text span c="dimmed">
      —
    </Text>
  );
  const yesNo = (value: boolean) => (
    <Group gap={4} component="span" wrap="nowrap">
      {value ? <IconCheck size={14} color="var(--mantine-color-teal-7)" /> : <IconX size={14} />}
      {value ? t("email.yes") : t("email.no")}
    </Group>
  );
  const rows: [string, string, ReactNode][] = [
    ["smtpHost", t("email.fields.smtpHost"), settings.smtpHost || none],
    ["smtpDomain", t("email.fields.smtpDomain"), settings.smtpDomain || none],
    ["smtpPort", t("email.fields.smtpPort"), String(settings.smtpPort)],
    ["smtpUsername", t("email.fields.smtpUsername"), settings.smtpUsername || none],
    [
      "smtpPassword",
      t("email.fields.smtpPassword"),
      settings.hasSmtpPassword ? t("email.storedHidden") : t("email.notSet"),
    ],
    ["fromAddress", t("email.fields.fromAddress"), settings.fromAddress || none],
    ["fromDisplayName", t("email.fields.fromDisplayName"), settings.fromDisplayName || none],
    ["secureConnection", t("email.fields.secureConnection"), yesNo(settings.secureConnection)],
    ["tlsMode", t("email.fields.tlsMode"), t(`email.tlsModes.${settings.tlsMode}`)],
    ["authMethod", t("email.fields.authMethod"), t(`email.authMethods.${settings.authMethod}`)],
  ];
  return (
    <Stack gap="sm" data-testid="email-effective">
      <Group gap="xs">
        <Text size="sm" fw={600}>
          {t("email.fields.enabled")}:
        </Text>
        <Badge variant="light" color={settings.enabled ? "teal" : "gray"} data-testid="email-effective-enabled">
          {settings.enabled ? t("email.on") : t("email.off")}
        </Badge>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="sm">
        {rows.map(([key, label, value]) => (
          <div key={key} data-field={key}>
            <Text size="xs" c="dimmed" fw={600}>
              {label}
            </Text>
            <Text size="sm" style={{ wordBreak: "break-word" }}>
              {value}
            </Text>
          </div>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
