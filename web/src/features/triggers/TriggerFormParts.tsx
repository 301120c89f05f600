import { NumberInput, Select, SimpleGrid, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import type { useFormErrors } from "../../lib/errors";
import { ArgumentsInput } from "../automation/ArgumentsInput";
import { parseJsonObject, prettyJson } from "../automation/json";
import { tenantKey, useTenant } from "../automation/tenant";
import type { Trigger } from "./api";

/**
 * What the time, queue and HTTP trigger forms share: the name and process, and the settings of
 * the jobs a trigger starts (input arguments, priority, stop-after and kill-after in minutes).
 */

/** The fields of these parts, for `useFormErrors` (an API error lands next to its field). */
export const sharedFields = [
  "name",
  "processId",
  "inputArguments",
  "priority",
  "stopAfterSeconds",
  "killAfterSeconds",
  "machineId",
] as const;

type FormErrors = ReturnType<typeof useFormErrors>;

/** Stop-after and kill-after as the UI shows them: whole minutes, 1 … 10 days 23 h 59 min. */
const maxLimitMinutes = 15_839;

/** Minutes typed in the form as seconds for the API (empty = null). */
export const minutesToSeconds = (v: string | number) => (typeof v === "number" && v > 0 ? Math.round(v * 60) : null);

/** The form's state of the name, process and job settings, initialised from `trigger` when editing. */
export function useJobSettings(trigger: Trigger | null) {
  const [name, setName] = useState(trigger?.name ?? "");
  const [processId, setProcessId] = useState<string | null>(trigger ? String(trigger.processId) : null);
  const [args, setArgs] = useState(prettyJson(trigger?.inputArguments ?? {}));
  const [priority, setPriority] = useState<string | number>(trigger?.priority ?? "");
  const [stopMinutes, setStopMinutes] = useState<string | number>(
    trigger?.stopAfterSeconds ? trigger.stopAfterSeconds / 60 : "",
  );
  const [killMinutes, setKillMinutes] = useState<string | number>(
    trigger?.killAfterSeconds ? trigger.killAfterSeconds / 60 : "",
  );
  const [machineId, setMachineId] = useState<string | null>(trigger?.machineId ? String(trigger.machineId) : null);
  const [enabled, setEnabled] = useState(trigger?.enabled ?? true);
  return {
    machineId,
    setMachineId,
    name,
    setName,
    processId,
    setProcessId,
    args,
    setArgs,
    priority,
    setPriority,
    stopMinutes,
    setStopMinutes,
    killMinutes,
    setKillMinutes,
    enabled,
    setEnabled,
  };
}
export type JobSettings = ReturnType<typeof useJobSettings>;

/**
 * Checks the shared fields in the browser (required name and process, JSON arguments) and returns
 * the errors, or the API body of the shared fields.
 */
export function jobSettingsBody(
  s: JobSettings,
  required: string,
  invalidJson: string,
):
  | { errors: Record<string, string> }
  | {
      body: {
        name: string;
        processId: number;
        inputArguments: Record<string, unknown>;
        priority: number | null;
        stopAfterSeconds: number | null;
        killAfterSeconds: number | null;
        machineId: number | null;
        enabled: boolean;
      };
    } {
  const errors: Record<string, string> = {};
  if (!s.name.trim()) errors.name = required;
  if (!s.processId) errors.processId = required;
  const inputArguments = parseJsonObject(s.args);
  if (!inputArguments) errors.inputArguments = invalidJson;
  if (Object.keys(errors).length > 0 || !inputArguments) return { errors };
  return {
    body: {
      name: s.name.trim(),
      processId: Number(s.processId),
      inputArguments,
      priority: typeof s.priority === "number" ? s.priority : null,
      stopAfterSeconds: minutesToSeconds(s.stopMinutes),
      killAfterSeconds: minutesToSeconds(s.killMinutes),
      machineId: s.machineId ? Number(s.machineId) : null,
      enabled: s.enabled,
    },
  };
}

/** The name and the folder's process (with `children` in the same two-column grid). */
export function NameAndProcess({
  folderId,
  state,
  errors,
  lockProcess = false,
  children,
}: {
  folderId: number;
  state: JobSettings;
  errors: FormErrors;
  lockProcess?: boolean;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const processes = useQuery({
    queryKey: tenantKey(ctx, "processes", folderId),
    queryFn: () => ctx.api.processes(folderId),
  });
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      <TextInput
        name="name"
        label={t("fields.name")}
        value={state.name}
        onChange={(e) => {
          state.setName(e.currentTarget.value);
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
        value={state.processId}
        onChange={(v) => {
          state.setProcessId(v);
          errors.clearField("processId");
        }}
        error={errors.fieldErrors.processId}
        required
        searchable
        disabled={lockProcess}
        data-testid="trigger-process"
      />
      {children}
    </SimpleGrid>
  );
}

/**
 * The input arguments, then the target machine (any of the folder's, or one), priority,
 * stop-after and kill-after (with `children` in the same grid).
 */
export function JobSettingsFields({
  folderId,
  state,
  errors,
  children,
}: {
  folderId: number;
  state: JobSettings;
  errors: FormErrors;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const machines = useQuery({
    queryKey: tenantKey(ctx, "machines"),
    queryFn: ctx.api.machines,
    enabled: ctx.canTenant("machines.view"),
  });
  const machineOptions = (machines.data?.items ?? [])
    .filter((m) => m.folderIds.includes(folderId))
    .map((m) => ({ value: String(m.id), label: m.name }));
  return (
    <>
      <ArgumentsInput
        label={t("triggers.arguments")}
        description={t("triggers.argumentsHint")}
        value={state.args}
        onChange={(v) => {
          state.setArgs(v);
          errors.clearField("inputArguments");
        }}
        error={errors.fieldErrors.inputArguments}
        testId="trigger-input"
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          name="machineId"
          label={t("jobs.targetMachine")}
          placeholder={t("triggers.anyMachine")}
          data={machineOptions}
          value={state.machineId}
          onChange={(v) => {
            state.setMachineId(v);
            errors.clearField("machineId");
          }}
          clearable
          error={errors.fieldErrors.machineId}
          data-testid="trigger-machine"
        />
        <NumberInput
          name="priority"
          label={t("fields.priority")}
          description={t("triggers.priorityHint")}
          value={state.priority}
          onChange={state.setPriority}
          min={1}
          max={100}
          allowDecimal={false}
          error={errors.fieldErrors.priority}
        />
        <NumberInput
          name="stopAfterSeconds"
          label={t("triggers.stopAfter")}
          description={t("triggers.limitHint")}
          value={state.stopMinutes}
          onChange={state.setStopMinutes}
          min={1}
          max={maxLimitMinutes}
          allowDecimal={false}
          error={errors.fieldErrors.stopAfterSeconds}
        />
        <NumberInput
          name="killAfterSeconds"
          label={t("triggers.killAfter")}
          description={t("triggers.killHint")}
          value={state.killMinutes}
          onChange={state.setKillMinutes}
          min={1}
          max={maxLimitMinutes}
          allowDecimal={false}
          error={errors.fieldErrors.killAfterSeconds}
        />
        {children}
      </SimpleGrid>
    </>
  );
}

/** A number of minutes up to the job limit (the time trigger's pending/running alerts). */
export function MinutesInput({
  name,
  label,
  value,
  onChange,
  error,
}: {
  name: string;
  label: string;
  value: string | number;
  onChange: (v: string | number) => void;
  error: ReactNode;
}) {
  return (
    <NumberInput
      name={name}
      label={label}
      value={value}
      onChange={onChange}
      min={1}
      max={maxLimitMinutes}
      allowDecimal={false}
      error={error}
    />
  );
}
