import {
  Alert,
  Chip,
  Group,
  List,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client";
import { DateTimeInput } from "../../components/DateTimeInput";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { showNestedErrors } from "../automation/json";
import { tenantKey, useTenant } from "../automation/tenant";
import { formatInZone, type Preview, type Trigger, timeZones, triggersApi } from "./api";
import {
  cronToPreset,
  defaultPreset,
  type Preset,
  type PresetKind,
  presetKinds,
  presetToCron,
  weekDays,
} from "./presets";
import {
  JobSettingsFields,
  jobSettingsBody,
  MinutesInput,
  minutesToSeconds,
  NameAndProcess,
  sharedFields,
  useJobSettings,
} from "./TriggerFormParts";

const FIELDS = [
  ...sharedFields,
  "cron",
  "timeZone",
  "calendarId",
  "jobCount",
  "alertPendingSeconds",
  "alertRunningSeconds",
  "endDate",
] as const;

/** Create or edit a time trigger: presets or raw cron, with the summary and next 5 runs before saving. */
export function TriggerForm({
  folderId,
  trigger,
  defaultZone,
  onClose,
}: {
  folderId: number;
  trigger: Trigger | null;
  defaultZone: string;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => triggersApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const calendars = useQuery({ queryKey: tenantKey(ctx, "calendars"), queryFn: api.calendars });
  const initialPreset = trigger?.cron ? cronToPreset(trigger.cron) : defaultPreset("daily");
  const state = useJobSettings(trigger);
  const [mode, setMode] = useState<"preset" | "advanced">(initialPreset ? "preset" : "advanced");
  const [preset, setPreset] = useState<Preset>(initialPreset ?? defaultPreset("daily"));
  const [rawCron, setRawCron] = useState(trigger?.cron ?? presetToCron(defaultPreset("daily")));
  const [ownZone, setZone] = useState<string>(trigger?.timeZone ?? defaultZone);
  const [calendarId, setCalendarId] = useState<string | null>(trigger?.calendarId ? String(trigger.calendarId) : null);
  const [jobCount, setJobCount] = useState<string | number>(trigger?.jobCount ?? 1);
  const [pendingAlert, setPendingAlert] = useState<string | number>(
    trigger?.alertPendingSeconds ? trigger.alertPendingSeconds / 60 : "",
  );
  const [runningAlert, setRunningAlert] = useState<string | number>(
    trigger?.alertRunningSeconds ? trigger.alertRunningSeconds / 60 : "",
  );
  const [endDate, setEndDate] = useState(trigger?.endDate ? trigger.endDate.slice(0, 16) : "");
  const cron = mode === "preset" ? presetToCron(preset) : rawCron;
  // A trigger with a calendar runs in the calendar's zone (the API refuses any other).
  const calendarZone = calendars.data?.items.find((c) => String(c.id) === calendarId)?.timeZone ?? null;
  const zone = calendarZone ?? ownZone;
  const { pending, invalid, run } = useFormSubmit(errors, formRef, (error) =>
    showNestedErrors(errors, error, "inputArguments"),
  );

  // The live preview: asked again 300 ms after the schedule, zone or calendar last changed.
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api
        .preview({ cron, timeZone: zone, ...(calendarId ? { calendarId: Number(calendarId) } : {}) }, controller.signal)
        .then((p) => {
          setPreview(p);
          setPreviewError(null);
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          setPreview(null);
          setPreviewError(
            error instanceof ApiError
              ? ((error.errors.map((e) => `${e.path}: ${e.message}`).join("\n") || error.detail) ?? error.title)
              : String(error),
          );
        });
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, cron, zone, calendarId]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const shared = jobSettingsBody(state, t("validation.required"), t("automation.invalidJson"));
    if ("errors" in shared) return invalid(shared.errors);
    const body = {
      ...shared.body,
      cron,
      timeZone: zone,
      calendarId: calendarId ? Number(calendarId) : null,
      jobCount: typeof jobCount === "number" ? jobCount : 1,
      alertPendingSeconds: minutesToSeconds(pendingAlert),
      alertRunningSeconds: minutesToSeconds(runningAlert),
      endDate: endDate ? new Date(endDate).toISOString() : null,
    };
    await run(async () => {
      if (trigger) await api.update(trigger.id, body);
      else await api.create(folderId, body);
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "triggers") });
      notifications.show({
        color: "teal",
        message: trigger ? t("common.saved") : t("triggers.created", { name: body.name }),
      });
      onClose();
    });
  };

  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = useMemo(() => timeZones(), []);
  const lang = i18n.resolvedLanguage ?? "en";

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="trigger-form">
      <Stack gap="md">
        <NameAndProcess folderId={folderId} state={state} errors={errors} />

        <Stack gap={6}>
          <Group justify="space-between">
            <Text size="sm" fw={500}>
              {t("triggers.schedule")}
            </Text>
            <SegmentedControl
              size="xs"
              value={mode}
              onChange={(v) => {
                if (v === "advanced") setRawCron(cron);
                setMode(v as "preset" | "advanced");
              }}
              data={[
                { value: "preset", label: t("triggers.modePreset") },
                { value: "advanced", label: t("triggers.modeAdvanced") },
              ]}
              data-testid="trigger-mode"
            />
          </Group>
          {mode === "preset" ? (
            <PresetEditor preset={preset} onChange={setPreset} />
          ) : (
            <TextInput
              name="cron"
              label={t("triggers.cron")}
              description={t("triggers.cronHint")}
              value={rawCron}
              onChange={(e) => {
                setRawCron(e.currentTarget.value);
                errors.clearField("cron");
              }}
              error={errors.fieldErrors.cron}
              styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
              data-testid="trigger-cron"
            />
          )}
          {mode === "preset" ? (
            <Text size="xs" c="dimmed" ff="monospace" data-testid="trigger-cron-text">
              {cron}
            </Text>
          ) : null}
        </Stack>

        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            name="timeZone"
            label={t("triggers.timeZone")}
            data={zones}
            value={zone}
            onChange={(v) => setZone(v ?? defaultZone)}
            description={calendarZone ? t("triggers.zoneOfCalendar") : undefined}
            disabled={calendarZone !== null}
            searchable
            allowDeselect={false}
            error={errors.fieldErrors.timeZone}
            data-testid="trigger-zone"
          />
          <Select
            name="calendarId"
            label={t("triggers.calendar")}
            description={t("triggers.calendarHint")}
            data={(calendars.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }))}
            value={calendarId}
            onChange={setCalendarId}
            clearable
            placeholder={t("triggers.noCalendar")}
            error={errors.fieldErrors.calendarId}
          />
        </SimpleGrid>

        <Paper withBorder p="sm" radius="md" data-testid="trigger-preview">
          {previewError ? (
            <Alert color="red" variant="light" p="xs" data-testid="preview-error">
              <Text size="sm" style={{ whiteSpace: "pre-line" }}>
                {previewError}
              </Text>
            </Alert>
          ) : preview ? (
            <Stack gap={4}>
              <Text size="sm" fw={600} data-testid="preview-summary">
                {preview.summary}
              </Text>
              <Text size="xs" c="dimmed">
                {t("triggers.nextRuns", { zone: preview.timeZone })}
              </Text>
              <List size="sm" spacing={2}>
                {preview.times.map((time) => (
                  <List.Item key={time} data-testid="preview-time">
                    {formatInZone(time, preview.timeZone, lang)}
                    {viewerZone !== preview.timeZone ? (
                      <Text span size="xs" c="dimmed">
                        {" "}
                        · {t("triggers.yourTime")}: {formatInZone(time, viewerZone, lang)}
                      </Text>
                    ) : null}
                  </List.Item>
                ))}
              </List>
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              {t("common.loading")}
            </Text>
          )}
        </Paper>

        <JobSettingsFields folderId={folderId} state={state} errors={errors}>
          <NumberInput
            name="jobCount"
            label={t("triggers.jobCount")}
            value={jobCount}
            onChange={setJobCount}
            min={1}
            max={100}
            allowDecimal={false}
            error={errors.fieldErrors.jobCount}
          />
          <MinutesInput
            name="alertPendingSeconds"
            label={t("triggers.alertPending")}
            value={pendingAlert}
            onChange={setPendingAlert}
            error={errors.fieldErrors.alertPendingSeconds}
          />
          <MinutesInput
            name="alertRunningSeconds"
            label={t("triggers.alertRunning")}
            value={runningAlert}
            onChange={setRunningAlert}
            error={errors.fieldErrors.alertRunningSeconds}
          />
          <DateTimeInput
            name="endDate"
            kind="datetime-local"
            label={t("triggers.endDate")}
            description={t("common.optional")}
            value={endDate}
            onChange={(v) => setEndDate(v)}
            error={errors.fieldErrors.endDate}
          />
        </JobSettingsFields>
        <Switch
          label={t("triggers.enabled")}
          checked={state.enabled}
          onChange={(e) => state.setEnabled(e.currentTarget.checked)}
        />
        <FormError message={errors.formError} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={trigger ? t("common.save") : t("triggers.create")}
          testId="trigger-submit"
          gap="md"
        />
      </Stack>
    </form>
  );
}

function PresetEditor({ preset, onChange }: { preset: Preset; onChange: (p: Preset) => void }) {
  const { t } = useTranslation();
  const time = "time" in preset ? preset.time : "09:00";
  const timeInput = (
    <DateTimeInput
      kind="time"
      label={t("triggers.at")}
      value={time}
      onChange={(v) => onChange({ ...preset, time: v || "00:00" } as Preset)}
      data-testid="preset-time"
    />
  );
  return (
    <Stack gap="xs">
      <Group grow align="flex-end">
        <Select
          label={t("triggers.repeat")}
          data={presetKinds.map((k) => ({ value: k, label: t(`triggers.preset.${k}`) }))}
          value={preset.kind}
          onChange={(v) => v && onChange(defaultPreset(v as PresetKind))}
          allowDeselect={false}
          data-testid="preset-kind"
        />
        {preset.kind === "minutes" ? (
          <NumberInput
            label={t("triggers.everyMinutes")}
            value={preset.every}
            onChange={(v) => onChange({ ...preset, every: typeof v === "number" ? v : 1 })}
            min={1}
            max={59}
            allowDecimal={false}
            data-testid="preset-every"
          />
        ) : null}
        {preset.kind === "hourly" ? (
          <NumberInput
            label={t("triggers.atMinute")}
            value={preset.minute}
            onChange={(v) => onChange({ ...preset, minute: typeof v === "number" ? v : 0 })}
            min={0}
            max={59}
            allowDecimal={false}
          />
        ) : null}
        {preset.kind === "monthly" ? (
          <NumberInput
            label={t("triggers.onDay")}
            value={preset.day}
            onChange={(v) => onChange({ ...preset, day: typeof v === "number" ? v : 1 })}
            min={1}
            max={31}
            allowDecimal={false}
          />
        ) : null}
        {preset.kind === "daily" || preset.kind === "weekly" || preset.kind === "monthly" ? timeInput : null}
      </Group>
      {preset.kind === "weekly" ? (
        <Chip.Group
          multiple
          value={preset.days}
          onChange={(days) => onChange({ ...preset, days: days.length ? days : preset.days })}
        >
          <Group gap={6} data-testid="preset-days">
            {weekDays.map((d) => (
              <Chip key={d} value={d} size="xs">
                {t(`triggers.day.${d}`)}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
      ) : null}
    </Stack>
  );
}
