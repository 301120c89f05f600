import { Alert, Badge, Button, Group, Select, Stack, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  type AlertChannel,
  type AlertKind,
  type AlertPreference,
  type AlertSeverity,
  alertChannels,
  alertComponents,
  alertSeverities,
  digestSeverities,
  severityAtLeast,
} from "../../../../../src/shared/alerts";
import { FormError, PageLoader, Panel, QueryError } from "../../../components/feedback";
import { PageHeader } from "../../../components/PageHeader";
import { alertsApi } from "../../../features/alerts/api";
import { severityColor } from "../../../features/automation/badges";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { triggersApi } from "../../../features/triggers/api";
import { useFormErrors } from "../../../lib/errors";

/**
 * Alert preferences: per component and channel (in-app, e-mail at once, every 10 minutes, daily
 * summary) the minimum severity or off; tenant administrators also set the defaults for new users.
 */
export default function AlertPreferencesPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => alertsApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const prefs = useQuery({ queryKey: tenantKey(ctx, "alert-preferences"), queryFn: api.preferences });
  const catalogue = useQuery({ queryKey: tenantKey(ctx, "alert-catalogue"), queryFn: api.catalogue });
  const settings = useQuery({
    queryKey: tenantKey(ctx, "settings"),
    queryFn: triggersApi(ctx.org, ctx.tenantId).settings,
  });
  const canEdit = ctx.canTenant("settings.edit");
  const defaults = useQuery({
    queryKey: tenantKey(ctx, "alert-preference-defaults"),
    queryFn: api.defaults,
    enabled: canEdit,
  });
  const queryClient = useQueryClient();
  if (prefs.isLoading || catalogue.isLoading) return <PageLoader />;
  if (prefs.isError) return <QueryError error={prefs.error} onRetry={() => void prefs.refetch()} />;
  if (!prefs.data || !catalogue.data) return null;
  const zone = settings.data?.timeZone ?? "UTC";
  return (
    <>
      <PageHeader title={t("alertPrefs.title")} description={t("alertPrefs.description")} />
      <Stack gap="lg">
        <Panel>
          <Stack gap="sm" p="md">
            <Text size="sm" c="dimmed" data-testid="alert-prefs-source">
              {prefs.data.source === "own" ? t("alertPrefs.own") : t("alertPrefs.defaults")}
            </Text>
            <PreferencesForm
              key={JSON.stringify(prefs.data)}
              testId="alert-prefs"
              saved={prefs.data.items}
              kinds={catalogue.data.items}
              zone={zone}
              onSave={async (items) => {
                const result = await api.savePreferences(items);
                queryClient.setQueryData(tenantKey(ctx, "alert-preferences"), result);
                notifications.show({ color: "teal", message: t("alertPrefs.saved") });
              }}
            />
            <Text size="xs" c="dimmed">
              {t("alertPrefs.visibility")}
            </Text>
          </Stack>
        </Panel>
        {canEdit && defaults.data ? (
          <Panel title={t("alertPrefs.defaultsTitle")}>
            <Stack gap="sm" p="md">
              <Text size="sm" c="dimmed">
                {t("alertPrefs.defaultsDescription")}
              </Text>
              <PreferencesForm
                key={JSON.stringify(defaults.data)}
                testId="alert-defaults"
                saved={defaults.data.items}
                kinds={catalogue.data.items}
                zone={zone}
                onSave={async (items) => {
                  const result = await api.saveDefaults(items);
                  queryClient.setQueryData(tenantKey(ctx, "alert-preference-defaults"), result);
                  await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "alert-preferences") });
                  notifications.show({ color: "teal", message: t("alertPrefs.defaultsSaved") });
                }}
              />
            </Stack>
          </Panel>
        ) : null}
      </Stack>
    </>
  );
}

function PreferencesForm({
  saved,
  kinds,
  zone,
  testId,
  onSave,
}: {
  saved: AlertPreference[];
  kinds: AlertKind[];
  zone: string;
  testId: string;
  onSave: (items: AlertPreference[]) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [items, setItems] = useState(saved);
  const [pending, setPending] = useState(false);
  const errors = useFormErrors(["items"] as const);
  const dirty = JSON.stringify(items) !== JSON.stringify(saved);
  const change = (component: string, channel: AlertChannel, value: string | null) =>
    setItems((current) =>
      current.map((p) => (p.component === component ? { ...p, [channel]: value === "off" ? null : value } : p)),
    );
  const options = (channel: AlertChannel) => [
    { value: "off", label: t("alertPrefs.off") },
    ...(channel === "digest" ? digestSeverities : alertSeverities).map((s) => ({
      value: s,
      label: t("alertPrefs.from", { severity: t(`alerts.severity.${s}`) }),
    })),
  ];
  const save = async () => {
    errors.clear();
    setPending(true);
    try {
      await onSave(items);
    } catch (error) {
      errors.show(error);
    } finally {
      setPending(false);
    }
  };
  return (
    <Stack gap="md" data-testid={testId}>
      <Table.ScrollContainer minWidth={900}>
        <Table verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("alertPrefs.component")}</Table.Th>
              {alertChannels.map((channel) => (
                <Table.Th key={channel}>
                  <Text size="sm" fw={600}>
                    {t(`alertPrefs.channels.${channel}`)}
                  </Text>
                  <Text size="xs" c="dimmed" fw={400}>
                    {t(`alertPrefs.channelHints.${channel}`, { zone })}
                  </Text>
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {alertComponents.map((component) => {
              const pref = items.find((p) => p.component === component);
              const own = kinds.filter((k) => k.component === component);
              return (
                <Table.Tr key={component} data-testid={`${testId}-${component}`}>
                  <Table.Td maw={300} miw={220}>
                    <Text fw={600} size="sm">
                      {t(`alerts.components.${component}`)}
                    </Text>
                    <Group gap={4} mt={4}>
                      {own.map((k) => {
                        const mailed = pref?.email ? severityAtLeast(k.severity, pref.email) : false;
                        return (
                          <Badge
                            key={k.kind}
                            size="sm"
                            tt="none"
                            h="auto"
                            styles={{ label: { whiteSpace: "normal", overflow: "visible" } }}
                            variant={mailed ? "filled" : "light"}
                            color={severityColor[k.severity]}
                            title={k.raised ? undefined : t("alerts.notRaisedYet")}
                            data-testid={`kind-${k.kind}`}
                          >
                            {t(`alerts.kinds.${k.kind}`, { defaultValue: k.kind })} ·{" "}
                            {t(`alerts.severity.${k.severity}`)}
                          </Badge>
                        );
                      })}
                    </Group>
                  </Table.Td>
                  {alertChannels.map((channel) => (
                    <Table.Td key={channel}>
                      <Select
                        aria-label={`${t(`alerts.components.${component}`)}: ${t(`alertPrefs.channels.${channel}`)}`}
                        data={options(channel)}
                        value={(pref?.[channel] as AlertSeverity | null) ?? "off"}
                        onChange={(v) => change(component, channel, v)}
                        allowDeselect={false}
                        w={140}
                        data-testid={`${testId}-${component}-${channel}`}
                      />
                    </Table.Td>
                  ))}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {errors.formError ? <Alert color="red">{errors.formError}</Alert> : null}
      <FormError message={errors.fieldErrors.items ?? null} type={errors.formErrorType} />
      <Group justify="flex-end">
        <Button onClick={() => void save()} disabled={!dirty} loading={pending} data-testid={`${testId}-save`}>
          {t("common.save")}
        </Button>
      </Group>
    </Stack>
  );
}
