import { NumberInput, Select, SimpleGrid, Stack, Switch, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { ArgumentsInput } from "../automation/ArgumentsInput";
import { parseJsonObject, prettyJson, showNestedErrors } from "../automation/json";
import { tenantKey, useTenant } from "../automation/tenant";
import { queueApi } from "../queues/api";
import { type Trigger, triggersApi } from "./api";

const FIELDS = [
  "name",
  "processId",
  "queueId",
  "minItems",
  "maxConcurrentJobs",
  "itemsPerJob",
  "inputArguments",
  "priority",
  "stopAfterSeconds",
  "killAfterSeconds",
] as const;

/**
 * Create a queue trigger (a queue of the folder, the process, the three numbers), or change an
 * existing one's numbers and enabled flag (the other fields: delete and create).
 */
export function QueueTriggerForm({
  folderId,
  trigger,
  onClose,
}: {
  folderId: number;
  trigger: Trigger | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => triggersApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queueClient = useMemo(() => queueApi(ctx.api.base), [ctx.api.base]);
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const processes = useQuery({
    queryKey: tenantKey(ctx, "processes", folderId),
    queryFn: () => ctx.api.processes(folderId),
  });
  const queues = useQuery({
    queryKey: tenantKey(ctx, "queues", folderId),
    queryFn: () => queueClient.list(folderId),
  });
  const editing = trigger !== null;
  const [name, setName] = useState(trigger?.name ?? "");
  const [processId, setProcessId] = useState<string | null>(trigger ? String(trigger.processId) : null);
  const [queueId, setQueueId] = useState<string | null>(trigger?.queueId ? String(trigger.queueId) : null);
  const [minItems, setMinItems] = useState<string | number>(trigger?.minItems ?? 1);
  const [maxJobs, setMaxJobs] = useState<string | number>(trigger?.maxConcurrentJobs ?? 1);
  const [itemsPerJob, setItemsPerJob] = useState<string | number>(trigger?.itemsPerJob ?? 1);
  const [args, setArgs] = useState(prettyJson(trigger?.inputArguments ?? {}));
  const [priority, setPriority] = useState<string | number>(trigger?.priority ?? "");
  const [stopMinutes, setStopMinutes] = useState<string | number>(
    trigger?.stopAfterSeconds ? trigger.stopAfterSeconds / 60 : "",
  );
  const [killMinutes, setKillMinutes] = useState<string | number>(
    trigger?.killAfterSeconds ? trigger.killAfterSeconds / 60 : "",
  );
  const [enabled, setEnabled] = useState(trigger?.enabled ?? true);
  const { pending, invalid, run } = useFormSubmit(errors, formRef, (error) =>
    showNestedErrors(errors, error, "inputArguments"),
  );
  const num = (v: string | number, fallback: number) => (typeof v === "number" ? v : fallback);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = t("validation.required");
    if (!processId) local.processId = t("validation.required");
    if (!queueId) local.queueId = t("validation.required");
    const inputArguments = parseJsonObject(args);
    if (!inputArguments) local.inputArguments = t("automation.invalidJson");
    if (Object.keys(local).length) return invalid(local);
    const minutes = (v: string | number) => (typeof v === "number" && v > 0 ? Math.round(v * 60) : null);
    const numbers = {
      minItems: num(minItems, 1),
      maxConcurrentJobs: num(maxJobs, 1),
      itemsPerJob: num(itemsPerJob, 1),
      enabled,
    };
    await run(async () => {
      if (trigger) await api.update(trigger.id, numbers);
      else
        await api.createQueue(folderId, {
          name: name.trim(),
          processId: Number(processId),
          queueId: Number(queueId),
          inputArguments: inputArguments ?? {},
          priority: typeof priority === "number" ? priority : null,
          stopAfterSeconds: minutes(stopMinutes),
          killAfterSeconds: minutes(killMinutes),
          ...numbers,
        });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "triggers") });
      notifications.show({
        color: "teal",
        message: trigger ? t("common.saved") : t("triggers.created", { name: name.trim() }),
      });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="queue-trigger-form">
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
            disabled={editing}
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
            disabled={editing}
            data-testid="trigger-process"
          />
          <Select
            name="queueId"
            label={t("triggers.queue")}
            description={t("triggers.queueHint")}
            data={(queues.data?.items ?? []).map((q) => ({ value: String(q.id), label: q.name }))}
            value={queueId}
            onChange={(v) => {
              setQueueId(v);
              errors.clearField("queueId");
            }}
            error={errors.fieldErrors.queueId}
            required
            searchable
            disabled={editing}
            data-testid="trigger-queue"
          />
          <NumberInput
            name="minItems"
            label={t("triggers.minItems")}
            description={t("triggers.minItemsHint")}
            value={minItems}
            onChange={setMinItems}
            min={1}
            max={10000}
            allowDecimal={false}
            error={errors.fieldErrors.minItems}
            data-testid="trigger-min-items"
          />
          <NumberInput
            name="maxConcurrentJobs"
            label={t("triggers.maxJobs")}
            description={t("triggers.maxJobsHint")}
            value={maxJobs}
            onChange={setMaxJobs}
            min={1}
            max={100}
            allowDecimal={false}
            error={errors.fieldErrors.maxConcurrentJobs}
            data-testid="trigger-max-jobs"
          />
          <NumberInput
            name="itemsPerJob"
            label={t("triggers.itemsPerJob")}
            description={t("triggers.itemsPerJobHint")}
            value={itemsPerJob}
            onChange={setItemsPerJob}
            min={1}
            max={10000}
            allowDecimal={false}
            error={errors.fieldErrors.itemsPerJob}
            data-testid="trigger-items-per-job"
          />
        </SimpleGrid>
        {editing ? (
          <Text size="xs" c="dimmed">
            {t("triggers.queueEditHint")}
          </Text>
        ) : (
          <>
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
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
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
            </SimpleGrid>
          </>
        )}
        <Switch label={t("triggers.enabled")} checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
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
