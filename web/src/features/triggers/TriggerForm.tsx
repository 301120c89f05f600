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
import { ArgumentsInput } from "../automation/ArgumentsInput";
import { parseJsonObject, prettyJson, showNestedErrors } from "../automation/json";
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

const FIELDS = [
  "name",
  "processId",
  "cron",
  "timeZone",
  "calendarId",
  "inputArguments",
  "priority",
  "jobCount",
  "stopAfterSeconds",
  "killAfterSeconds",
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
  const processes = useQuery({
    queryKey: tenantKey(ctx, "processes", folderId),
    queryFn: () => ctx.api.processes(folderId),
  });
  const calendars = useQuery({ queryKey: tenantKey(ctx, "calendars"), queryFn: api.calendars });
  const initialPreset = trigger?.cron ? cronToPreset(trigger.cron) : defaultPreset("daily");
  const [name, setName] = useState(trigger?.name ?? "");
  const [processId, setProcessId] = useState<string | null>(trigger ? String(trigger.processId) : null);
  const [mode, setMode] = useState<"preset" | "advanced">(initialPreset ? "preset" : "advanced");
  const [preset, setPreset] = useState<Preset>(initialPreset ?? defaultPreset("daily"));
  const [rawCron, setRawCron] = useState(trigger?.cron ?? presetToCron(defaultPreset("daily")));
  const [zone, setZone] = useState<string>(trigger?.timeZone ?? defaultZone);
  const [calendarId, setCalendarId] = useState<string | null>(trigger?.calendarId ? String(trigger.calendarId) : null);
  const [args, setArgs] = useState(prettyJson(trigger?.inputArguments ?? {}));
  const [priority, setPriority] = useState<string | number>(trigger?.priority ?? "");
  const [jobCount, setJobCount] = useState<string | number>(trigger?.jobCount ?? 1);
  const [stopMinutes, setStopMinutes] = useState<string | number>(
    trigger?.stopAfterSeconds ? trigger.stopAfterSeconds / 60 : "",
  );
  const [killMinutes, setKillMinutes] = useState<string | number>(
    trigger?.killAfterSeconds ? trigger.killAfterSeconds / 60 : "",
  );
  const [pendingAlert, setPendingAlert] = useState<string | number>(
    trigger?.alertPendingSeconds ? trigger.alertPendingSeconds / 60 : "",
  );
  const [runningAlert, setRunningAlert] = useState<string | number>(
    trigger?.alertRunningSeconds ? trigger.alertRunningSeconds / 60 : "",
  );
  const [endDate, setEndDate] = useState(trigger?.endDate ? trigger.endDate.slice(0, 16) : "");
  const [enabled, setEnabled] = useState(trigger?.enabled ?? true);
  const cron = mode === "preset" ? presetToCron(preset) : rawCron;
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
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = t("validation.required");
    if (!processId) local.processId = t("validation.required");
    const inputArguments = parseJsonObject(args);
    if (!inputArguments) local.inputArguments = t("automation.invalidJson");
    if (Object.keys(local).length) return invalid(local);
    const minutes = (v: string | number) => (typeof v === "number" && v > 0 ? Math.round(v * 60) : null);
    const body = {
      name: name.trim(),
      processId: Number(processId),
      cron,
      timeZone: zone,
      calendarId: calendarId ? Number(calendarId) : null,
      inputArguments: inputArguments ?? {},
      priority: typeof priority === "number" ? priority : null,
      jobCount: typeof jobCount === "number" ? jobCount : 1,
      stopAfterSeconds: minutes(stopMinutes),
      killAfterSeconds: minutes(killMinutes),
      alertPendingSeconds: minutes(pendingAlert),
      alertRunningSeconds: minutes(runningAlert),
      endDate: endDate ? new Date(endDate).toISOString() : null,
      enabled,
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
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            name="name"
            label={t("fields.name")}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              errors.clearField("name");
            }}
            error={errors.fieldErrors.name}
            required
            data-autofocus
          />
          <Select
            name="processId"
            label={t("triggers.process")}
            data={(processes.data?.items ?? []).map((p) => ({ value: String(p.id), label: p.name }))}
            value={processId}
            onChange={(v) => {
              setProcessId(v);
              errors.clearField("processId");
            }}
            error={errors.fieldErrors.processId}
            required
            searchable
            data-testid="trigger-process"
          />
        </SimpleGrid>

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

        <ArgumentsInput
          label={t("triggers.arguments")}
          description={t("triggers.argumentsHint")}
          value={args}
          onChange={(v) => {
            setArgs(v);
            errors.clearField("inputArguments");
          }}
          error={errors.fieldErrors.inputArguments}
          testId="trigger-input"
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NumberInput
            name="priority"
            label={t("fields.priority")}
            description={t("triggers.priorityHint")}
            value={priority}
            onChange={setPriority}
            min={1}
            max={100}
            allowDecimal={false}
            error={errors.fieldErrors.priority}
          />
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
          <NumberInput
            name="stopAfterSeconds"
            label={t("triggers.stopAfter")}
            description={t("triggers.limitHint")}
            value={stopMinutes}
            onChange={setStopMinutes}
            min={1}
            max={15839}
            allowDecimal={false}
            error={errors.fieldErrors.stopAfterSeconds}
          />
          <NumberInput
            name="killAfterSeconds"
            label={t("triggers.killAfter")}
            description={t("triggers.killHint")}
            value={killMinutes}
            onChange={setKillMinutes}
            min={1}
            max={15839}
            allowDecimal={false}
            error={errors.fieldErrors.killAfterSeconds}
          />
          <NumberInput
            name="alertPendingSeconds"
            label={t("triggers.alertPending")}
            value={pendingAlert}
            onChange={setPendingAlert}
            min={1}
            max={15839}
            allowDecimal={false}
            error={errors.fieldErrors.alertPendingSeconds}
          />
          <NumberInput
            name="alertRunningSeconds"
            label={t("triggers.alertRunning")}
            value={runningAlert}
            onChange={setRunningAlert}
            min={1}
            max={15839}
            allowDecimal={false}
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
          <Switch
            mt="lg"
            label={t("triggers.enabled")}
            checked={enabled}
            onChange={(e) => setEnabled(e.currentTarget.checked)}
          />
        </SimpleGrid>
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
