import { NumberInput, Select, Stack, Switch } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { showNestedErrors } from "../automation/json";
import { tenantKey, useTenant } from "../automation/tenant";
import { queueApi } from "../queues/api";
import { type Trigger, triggersApi } from "./api";
import { JobSettingsFields, jobSettingsBody, NameAndProcess, sharedFields, useJobSettings } from "./TriggerFormParts";

const FIELDS = [...sharedFields, "queueId", "minItems", "maxConcurrentJobs", "itemsPerJob"] as const;

/**
 * Create or edit a queue trigger: a queue of the folder (fixed once created: one trigger per
 * queue), the process, the three numbers, and the settings of the jobs it starts.
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
  const queues = useQuery({
    queryKey: tenantKey(ctx, "queues", folderId),
    queryFn: () => queueClient.list(folderId),
  });
  const state = useJobSettings(trigger);
  const [queueId, setQueueId] = useState<string | null>(trigger?.queueId ? String(trigger.queueId) : null);
  const [minItems, setMinItems] = useState<string | number>(trigger?.minItems ?? 1);
  const [maxJobs, setMaxJobs] = useState<string | number>(trigger?.maxConcurrentJobs ?? 1);
  const [itemsPerJob, setItemsPerJob] = useState<string | number>(trigger?.itemsPerJob ?? 1);
  const { pending, invalid, run } = useFormSubmit(errors, formRef, (error) =>
    showNestedErrors(errors, error, "inputArguments"),
  );
  const num = (v: string | number) => (typeof v === "number" ? v : 1);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const shared = jobSettingsBody(state, t("validation.required"), t("automation.invalidJson"));
    const local = "errors" in shared ? shared.errors : {};
    if (!queueId) local.queueId = t("validation.required");
    if (Object.keys(local).length || "errors" in shared) return invalid(local);
    const body = {
      ...shared.body,
      minItems: num(minItems),
      maxConcurrentJobs: num(maxJobs),
      itemsPerJob: num(itemsPerJob),
    };
    await run(async () => {
      if (trigger) await api.update(trigger.id, body);
      else await api.createQueue(folderId, { ...body, queueId: Number(queueId) });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "triggers") });
      notifications.show({
        color: "teal",
        message: trigger ? t("common.saved") : t("triggers.created", { name: body.name }),
      });
      onClose();
    });
  };

  const number = (
    name: (typeof FIELDS)[number],
    label: string,
    hint: string,
    value: string | number,
    onChange: (v: string | number) => void,
    max: number,
    testId: string,
  ) => (
    <NumberInput
      name={name}
      label={label}
      description={hint}
      value={value}
      onChange={onChange}
      min={1}
      max={max}
      allowDecimal={false}
      error={errors.fieldErrors[name]}
      data-testid={testId}
    />
  );

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="queue-trigger-form">
      <Stack gap="md">
        <NameAndProcess folderId={folderId} state={state} errors={errors}>
          <Select
            name="queueId"
            label={t("triggers.queue")}
            description={trigger ? t("triggers.queueFixedHint") : t("triggers.queueHint")}
            data={(queues.data?.items ?? []).map((q) => ({ value: String(q.id), label: q.name }))}
            value={queueId}
            onChange={(v) => {
              setQueueId(v);
              errors.clearField("queueId");
            }}
            error={errors.fieldErrors.queueId}
            required
            searchable
            disabled={trigger !== null}
            data-testid="trigger-queue"
          />
          {number(
            "minItems",
            t("triggers.minItems"),
            t("triggers.minItemsHint"),
            minItems,
            setMinItems,
            10000,
            "trigger-min-items",
          )}
          {number(
            "maxConcurrentJobs",
            t("triggers.maxJobs"),
            t("triggers.maxJobsHint"),
            maxJobs,
            setMaxJobs,
            100,
            "trigger-max-jobs",
          )}
          {number(
            "itemsPerJob",
            t("triggers.itemsPerJob"),
            t("triggers.itemsPerJobHint"),
            itemsPerJob,
            setItemsPerJob,
            10000,
            "trigger-items-per-job",
          )}
        </NameAndProcess>
        <JobSettingsFields folderId={folderId} state={state} errors={errors} />
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
