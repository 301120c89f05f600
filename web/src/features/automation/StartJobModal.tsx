import { Modal, NumberInput, Select, SimpleGrid, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import type { Process } from "../../api/types";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { ArgumentsInput } from "./ArgumentsInput";
import { parseJsonObject, prettyJson, showNestedErrors } from "./json";
import { tenantKey, useFolderOptions, useTenant } from "./tenant";

const FIELDS = [
  "folder",
  "processId",
  "inputArguments",
  "count",
  "machineId",
  "priority",
  "stopAfterSeconds",
  "killAfterSeconds",
] as const;

const optionalNumber = (value: string | number) => (typeof value === "number" ? value : undefined);

function StartJobForm({
  initialFolderId,
  initialProcess,
  onClose,
}: {
  initialFolderId: number | null;
  initialProcess?: Process;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const folderOptions = useFolderOptions((f) => ctx.canFolder("jobs.create", f.id));
  const [folderId, setFolderId] = useState<string | null>(
    initialFolderId && folderOptions.some((o) => o.value === String(initialFolderId))
      ? String(initialFolderId)
      : (folderOptions[0]?.value ?? null),
  );
  const [processId, setProcessId] = useState<string | null>(initialProcess ? String(initialProcess.id) : null);
  const [args, setArgs] = useState(initialProcess ? prettyJson(initialProcess.inputArguments) : "{}");
  const [count, setCount] = useState<string | number>(1);
  const [machineId, setMachineId] = useState<string | null>(null);
  const [priority, setPriority] = useState<string | number>(initialProcess?.priority ?? 50);
  const [stopAfter, setStopAfter] = useState<string | number>("");
  const [killAfter, setKillAfter] = useState<string | number>("");
  const { pending, invalid, run } = useFormSubmit(errors, formRef, (error) =>
    showNestedErrors(errors, error, "inputArguments"),
  );

  const processes = useQuery({
    queryKey: tenantKey(ctx, "processes", Number(folderId)),
    queryFn: () => ctx.api.processes(Number(folderId)),
    enabled: !!folderId,
  });
  const machines = useQuery({
    queryKey: tenantKey(ctx, "machines"),
    queryFn: ctx.api.machines,
    enabled: ctx.canTenant("machines.view"),
  });
  const process = processes.data?.items.find((p) => String(p.id) === processId);
  // The entry point's inputSchema, for the typed arguments form.
  const packages = useQuery({
    queryKey: tenantKey(ctx, "packages"),
    queryFn: ctx.api.packages,
    enabled: !!process && ctx.canTenant("packages.view"),
  });
  const pkg = packages.data?.items.find((p) => p.name === process?.packageName);
  const version = pkg?.versions.find((v) => v.version === (process?.packageVersion ?? pkg.latestVersion));
  const inputSchema = version?.entryPoints.find((e) => e.name === process?.entryPoint)?.inputSchema;

  // A newly chosen process brings its defaults.
  const lastProcess = useRef<string | null>(processId);
  useEffect(() => {
    if (process && lastProcess.current !== String(process.id)) {
      lastProcess.current = String(process.id);
      setArgs(prettyJson(process.inputArguments));
      setPriority(process.priority);
    }
  }, [process]);

  const machineOptions = (machines.data?.items ?? [])
    .filter((m) => !folderId || m.folderIds.includes(Number(folderId)))
    .map((m) => ({ value: String(m.id), label: `${m.name} · ${t(`machines.state.${m.state}`)}` }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!folderId) local.folder = t("validation.required");
    if (!processId) local.processId = t("validation.required");
    const inputArguments = parseJsonObject(args);
    if (!inputArguments) local.inputArguments = t("automation.invalidJson");
    if (Object.keys(local).length > 0) return invalid(local);
    await run(async () => {
      const { items } = await ctx.api.startJobs(Number(folderId), {
        processId: Number(processId),
        inputArguments: inputArguments ?? {},
        count: optionalNumber(count),
        machineId: machineId ? Number(machineId) : undefined,
        priority: optionalNumber(priority),
        stopAfterSeconds: optionalNumber(stopAfter),
        killAfterSeconds: optionalNumber(killAfter),
      });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "jobs") });
      notifications.show({ color: "teal", message: t("jobs.started", { count: items.length }) });
      onClose();
      const first = items[0];
      if (items.length === 1 && first) void navigate(ctx.path(`jobs/${first.id}`));
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="start-job-form">
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            name="folder"
            label={t("automation.folder")}
            data={folderOptions}
            value={folderId}
            onChange={(v) => {
              setFolderId(v);
              setProcessId(null);
              setMachineId(null);
              errors.clearField("folder");
            }}
            allowDeselect={false}
            searchable
            error={errors.fieldErrors.folder}
            data-testid="start-folder"
          />
          <Select
            name="processId"
            label={t("jobs.process")}
            placeholder={processes.isPending ? t("common.loading") : t("jobs.chooseProcess")}
            data={(processes.data?.items ?? []).map((p) => ({ value: String(p.id), label: p.name }))}
            value={processId}
            onChange={(v) => {
              setProcessId(v);
              errors.clearField("processId");
            }}
            searchable
            nothingFoundMessage={t("jobs.noProcesses")}
            error={errors.fieldErrors.processId}
            data-testid="start-process"
          />
        </SimpleGrid>
        {process ? (
          <Text size="xs" c="dimmed">
            {t("jobs.processInfo", {
              package: process.packageName,
              version: process.packageVersion ?? t("processes.latest"),
              entryPoint: process.entryPoint,
            })}
          </Text>
        ) : null}
        <ArgumentsInput
          label={t("jobs.inputArguments")}
          description={t("jobs.inputArgumentsHint")}
          value={args}
          onChange={(v) => {
            setArgs(v);
            errors.clearField("inputArguments");
          }}
          error={errors.fieldErrors.inputArguments}
          testId="start-input"
          schema={inputSchema}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput
            name="count"
            label={t("jobs.count")}
            value={count}
            onChange={setCount}
            min={1}
            max={100}
            allowDecimal={false}
            error={errors.fieldErrors.count}
            data-testid="start-count"
          />
          <NumberInput
            name="priority"
            label={t("fields.priority")}
            value={priority}
            onChange={setPriority}
            min={1}
            max={100}
            allowDecimal={false}
            error={errors.fieldErrors.priority}
          />
          <Select
            name="machineId"
            label={t("jobs.targetMachine")}
            placeholder={t("jobs.anyMachine")}
            data={machineOptions}
            value={machineId}
            onChange={setMachineId}
            clearable
            error={errors.fieldErrors.machineId}
            data-testid="start-machine"
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NumberInput
            name="stopAfterSeconds"
            label={t("jobs.stopAfter")}
            description={t("jobs.secondsOptional")}
            value={stopAfter}
            onChange={setStopAfter}
            min={1}
            max={604800}
            allowDecimal={false}
            error={errors.fieldErrors.stopAfterSeconds}
          />
          <NumberInput
            name="killAfterSeconds"
            label={t("jobs.killAfter")}
            description={t("jobs.secondsOptional")}
            value={killAfter}
            onChange={setKillAfter}
            min={1}
            max={604800}
            allowDecimal={false}
            error={errors.fieldErrors.killAfterSeconds}
          />
        </SimpleGrid>
        <FormError message={errors.formError} />
        <FormButtons onCancel={onClose} pending={pending} submitLabel={t("jobs.start")} testId="start-job-submit" />
      </Stack>
    </form>
  );
}

/** "Start job": folder, process, input arguments (prefilled with the process's defaults) and options. */
export function StartJobModal({
  opened,
  onClose,
  folderId,
  process,
}: {
  opened: boolean;
  onClose: () => void;
  folderId: number | null;
  process?: Process;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t("jobs.startTitle")}
      size="lg"
      centered
      data-testid="start-job-modal"
    >
      {opened ? <StartJobForm initialFolderId={folderId} initialProcess={process} onClose={onClose} /> : null}
    </Modal>
  );
}
