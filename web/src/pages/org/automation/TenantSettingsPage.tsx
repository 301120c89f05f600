import { Button, Group, NumberInput, Select, SimpleGrid, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormError, PageLoader, Panel, QueryError } from "../../../components/feedback";
import { PageHeader } from "../../../components/PageHeader";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { timeZones, triggersApi } from "../../../features/triggers/api";
import { useFormErrors } from "../../../lib/errors";
import { useFormSubmit } from "../../../lib/useFormSubmit";

const FIELDS = [
  "timeZone",
  "triggerCatchUpSeconds",
  "triggerDisableFailedCount",
  "triggerDisableFailingDays",
  "logRetentionDays",
  "queueAbandonHours",
] as const;

/** The tenant's settings: its time zone (default of new triggers), catch-up grace of missed fire times, auto-disable, log retention, queue items' abandon period. */
export default function TenantSettingsPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => triggersApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: tenantKey(ctx, "settings"), queryFn: api.settings });
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const { pending, run } = useFormSubmit(errors, formRef);
  const [zone, setZone] = useState<string | null>(null);
  const [grace, setGrace] = useState<string | number>("");
  const [retention, setRetention] = useState<string | number>("");
  const [failCount, setFailCount] = useState<string | number>("");
  const [failDays, setFailDays] = useState<string | number>("");
  const [abandonHours, setAbandonHours] = useState<string | number>("");
  const zones = useMemo(() => timeZones(), []);
  useEffect(() => {
    if (!query.data) return;
    setZone(query.data.timeZone);
    setGrace(Math.round(query.data.triggerCatchUpSeconds / 60));
    setRetention(query.data.logRetentionDays);
    setFailCount(query.data.triggerDisableFailedCount);
    setFailDays(query.data.triggerDisableFailingDays);
    setAbandonHours(query.data.queueAbandonHours);
  }, [query.data]);
  if (query.isLoading) return <PageLoader />;
  if (query.isError) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  const canEdit = ctx.canTenant("settings.edit");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await api.saveSettings({
        ...(zone && { timeZone: zone }),
        ...(typeof grace === "number" && { triggerCatchUpSeconds: grace * 60 }),
        ...(typeof retention === "number" && { logRetentionDays: retention }),
        ...(typeof failCount === "number" && { triggerDisableFailedCount: failCount }),
        ...(typeof failDays === "number" && { triggerDisableFailingDays: failDays }),
        ...(typeof abandonHours === "number" && { queueAbandonHours: abandonHours }),
      });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "settings") });
      notifications.show({ color: "teal", message: t("common.saved") });
    });
  };
  return (
    <>
      <PageHeader title={t("triggers.settingsTitle")} description={t("triggers.settingsDescription")} />
      <Panel>
        <form ref={formRef} onSubmit={submit} noValidate data-testid="tenant-settings-form">
          <Stack gap="md" p="md" maw={720}>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Select
                name="timeZone"
                label={t("triggers.tenantZone")}
                description={t("triggers.tenantZoneHint")}
                data={zones}
                value={zone}
                onChange={setZone}
                searchable
                allowDeselect={false}
                disabled={!canEdit}
                error={errors.fieldErrors.timeZone}
                data-testid="settings-zone"
              />
              <NumberInput
                name="triggerCatchUpSeconds"
                label={t("triggers.catchUp")}
                description={t("triggers.catchUpHint")}
                value={grace}
                onChange={setGrace}
                min={0}
                max={1440}
                allowDecimal={false}
                disabled={!canEdit}
                error={errors.fieldErrors.triggerCatchUpSeconds}
              />
              <NumberInput
                name="triggerDisableFailedCount"
                label={t("triggers.disableCount")}
                description={t("triggers.disableCountHint")}
                value={failCount}
                onChange={setFailCount}
                min={0}
                max={100}
                allowDecimal={false}
                disabled={!canEdit}
                error={errors.fieldErrors.triggerDisableFailedCount}
              />
              <NumberInput
                name="triggerDisableFailingDays"
                label={t("triggers.disableDays")}
                value={failDays}
                onChange={setFailDays}
                min={1}
                max={30}
                allowDecimal={false}
                disabled={!canEdit}
                error={errors.fieldErrors.triggerDisableFailingDays}
              />
              <NumberInput
                name="logRetentionDays"
                label={t("triggers.logRetention")}
                value={retention}
                onChange={setRetention}
                min={1}
                max={3650}
                allowDecimal={false}
                disabled={!canEdit}
                error={errors.fieldErrors.logRetentionDays}
              />
              <NumberInput
                name="queueAbandonHours"
                label={t("triggers.abandonHours")}
                description={t("triggers.abandonHoursHint")}
                value={abandonHours}
                onChange={setAbandonHours}
                min={1}
                max={8760}
                allowDecimal={false}
                disabled={!canEdit}
                error={errors.fieldErrors.queueAbandonHours}
                data-testid="settings-abandon"
              />
            </SimpleGrid>
            {!canEdit ? (
              <Text size="sm" c="dimmed">
                {t("automation.noPermissionHint")}
              </Text>
            ) : null}
            <FormError message={errors.formError} />
            {canEdit ? (
              <Group justify="flex-end">
                <Button type="submit" loading={pending} data-testid="settings-submit">
                  {t("common.save")}
                </Button>
              </Group>
            ) : null}
          </Stack>
        </form>
      </Panel>
    </>
  );
}
