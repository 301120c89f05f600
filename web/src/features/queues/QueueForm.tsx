import { NumberInput, Select, SimpleGrid, Stack, Switch, Textarea, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { parseJsonObject } from "../automation/json";
import { tenantKey, useTenant } from "../automation/tenant";
import { type Queue, type QueueInput, queueApi } from "./api";

const FIELDS = [
  "name",
  "description",
  "maxRetries",
  "slaMinutes",
  "riskSlaMinutes",
  "specificDataSchema",
  "outputDataSchema",
  "processId",
] as const;

const schemaText = (schema: Record<string, unknown> | null | undefined) =>
  schema ? JSON.stringify(schema, null, 2) : "";

/** Creates a queue in a folder, or edits one (the unique-reference switch is fixed after creation). */
export function QueueForm({
  folderId,
  queue,
  onClose,
}: {
  folderId: number;
  queue: Queue | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const { pending, invalid, run } = useFormSubmit(errors, formRef);
  const processes = useQuery({
    queryKey: tenantKey(ctx, "processes", folderId),
    queryFn: () => ctx.api.processes(folderId),
    enabled: ctx.canFolder("processes.view", folderId),
  });
  const [name, setName] = useState(queue?.name ?? "");
  const [description, setDescription] = useState(queue?.description ?? "");
  const [uniqueReference, setUniqueReference] = useState(queue?.uniqueReference ?? false);
  const [autoRetry, setAutoRetry] = useState(queue?.autoRetry ?? true);
  const [maxRetries, setMaxRetries] = useState<string | number>(queue?.maxRetries ?? 1);
  const [retryAbandoned, setRetryAbandoned] = useState(queue?.retryAbandoned ?? false);
  const [sla, setSla] = useState<string | number>(queue?.slaMinutes ?? "");
  const [riskSla, setRiskSla] = useState<string | number>(queue?.riskSlaMinutes ?? "");
  const [specific, setSpecific] = useState(schemaText(queue?.specificDataSchema));
  const [output, setOutput] = useState(schemaText(queue?.outputDataSchema));
  const [processId, setProcessId] = useState<string | null>(queue?.processId ? String(queue.processId) : null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = t("validation.required");
    const specificSchema = specific.trim() ? parseJsonObject(specific) : null;
    const outputSchema = output.trim() ? parseJsonObject(output) : null;
    if (specific.trim() && !specificSchema) local.specificDataSchema = t("automation.invalidJson");
    if (output.trim() && !outputSchema) local.outputDataSchema = t("automation.invalidJson");
    if (Object.keys(local).length) return invalid(local);
    const body: QueueInput = {
      name: name.trim(),
      description: description.trim(),
      autoRetry,
      maxRetries: typeof maxRetries === "number" ? maxRetries : 1,
      retryAbandoned,
      slaMinutes: typeof sla === "number" ? sla : null,
      riskSlaMinutes: typeof riskSla === "number" ? riskSla : null,
      specificDataSchema: specificSchema,
      outputDataSchema: outputSchema,
      processId: processId ? Number(processId) : null,
    };
    const queues = queueApi(ctx.api.base);
    await run(async () => {
      if (queue) await queues.update(queue.id, body);
      else await queues.create(folderId, { ...body, uniqueReference });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "queues") });
      notifications.show({
        color: "teal",
        message: queue ? t("common.saved") : t("queues.created", { name: body.name }),
      });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="queue-form">
      <Stack gap="md">
        <TextInput
          name="name"
          label={t("fields.name")}
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            errors.clearField("name");
          }}
          error={errors.fieldErrors.name}
          maxLength={50}
          required
          data-autofocus
          data-testid="queue-name"
        />
        <TextInput
          name="description"
          label={t("fields.description")}
          description={t("common.optional")}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.fieldErrors.description}
          maxLength={250}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Switch
            label={t("queues.uniqueReference")}
            description={queue ? t("queues.uniqueReferenceFixed") : t("queues.uniqueReferenceHint")}
            checked={uniqueReference}
            onChange={(e) => setUniqueReference(e.currentTarget.checked)}
            disabled={!!queue}
          />
          <Switch
            label={t("queues.retryAbandoned")}
            checked={retryAbandoned}
            onChange={(e) => setRetryAbandoned(e.currentTarget.checked)}
          />
          <Switch
            label={t("queues.autoRetry")}
            description={t("queues.autoRetryHint")}
            checked={autoRetry}
            onChange={(e) => setAutoRetry(e.currentTarget.checked)}
          />
          <NumberInput
            name="maxRetries"
            label={t("queues.maxRetries")}
            value={maxRetries}
            onChange={setMaxRetries}
            min={0}
            max={50}
            allowDecimal={false}
            disabled={!autoRetry}
            error={errors.fieldErrors.maxRetries}
          />
          <NumberInput
            name="slaMinutes"
            label={t("queues.slaMinutes")}
            description={t("common.optional")}
            value={sla}
            onChange={setSla}
            min={1}
            allowDecimal={false}
            error={errors.fieldErrors.slaMinutes}
          />
          <NumberInput
            name="riskSlaMinutes"
            label={t("queues.riskSlaMinutes")}
            description={t("common.optional")}
            value={riskSla}
            onChange={setRiskSla}
            min={1}
            allowDecimal={false}
            error={errors.fieldErrors.riskSlaMinutes}
          />
        </SimpleGrid>
        <Select
          name="processId"
          label={t("queues.process")}
          description={t("common.optional")}
          data={(processes.data?.items ?? []).map((p) => ({ value: String(p.id), label: p.name }))}
          value={processId}
          onChange={setProcessId}
          clearable
          error={errors.fieldErrors.processId}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Textarea
            name="specificDataSchema"
            label={t("queues.specificSchema")}
            description={t("queues.schemaHint")}
            value={specific}
            onChange={(e) => {
              setSpecific(e.currentTarget.value);
              errors.clearField("specificDataSchema");
            }}
            autosize
            minRows={3}
            maxRows={10}
            ff="monospace"
            error={errors.fieldErrors.specificDataSchema}
          />
          <Textarea
            name="outputDataSchema"
            label={t("queues.outputSchema")}
            description={t("queues.schemaHint")}
            value={output}
            onChange={(e) => {
              setOutput(e.currentTarget.value);
              errors.clearField("outputDataSchema");
            }}
            autosize
            minRows={3}
            maxRows={10}
            ff="monospace"
            error={errors.fieldErrors.outputDataSchema}
          />
        </SimpleGrid>
        <FormError message={errors.formError} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={queue ? t("common.save") : t("queues.create")}
          testId="queue-submit"
          gap="md"
        />
      </Stack>
    </form>
  );
}
