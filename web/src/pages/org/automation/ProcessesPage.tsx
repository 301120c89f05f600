import {
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconBriefcase, IconPlayerPlay, IconPlus } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Process } from "../../../api/types";
import { useConfirm } from "../../../components/ConfirmModal";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { FormButtons } from "../../../components/FormButtons";
import { FormError } from "../../../components/feedback";
import { EditDeleteActions, ListTable } from "../../../components/ListTable";
import { Time } from "../../../components/Time";
import { ArgumentsInput } from "../../../features/automation/ArgumentsInput";
import { FolderResourcePage, NoFolderPage } from "../../../features/automation/FolderResourcePage";
import { parseJsonObject, prettyJson, showNestedErrors } from "../../../features/automation/json";
import { StartJobModal } from "../../../features/automation/StartJobModal";
import { tenantKey, useSelectedFolder, useTenant } from "../../../features/automation/tenant";
import { useFormErrors } from "../../../lib/errors";
import { useFormSubmit } from "../../../lib/useFormSubmit";

const FIELDS = [
  "name",
  "description",
  "packageName",
  "packageVersion",
  "entryPoint",
  "inputArguments",
  "priority",
] as const;
const LATEST = "__latest__";

function ProcessForm({
  folderId,
  process,
  onClose,
}: {
  folderId: number;
  process: Process | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const packages = useQuery({
    queryKey: tenantKey(ctx, "packages"),
    queryFn: ctx.api.packages,
    enabled: ctx.canTenant("packages.view"),
  });
  const [name, setName] = useState(process?.name ?? "");
  const [description, setDescription] = useState(process?.description ?? "");
  const [packageName, setPackageName] = useState<string | null>(process?.packageName ?? null);
  const [version, setVersion] = useState<string>(process?.packageVersion ?? LATEST);
  const [entryPoint, setEntryPoint] = useState<string | null>(process?.entryPoint ?? null);
  const [args, setArgs] = useState(prettyJson(process?.inputArguments ?? {}));
  const [priority, setPriority] = useState<string | number>(process?.priority ?? 50);
  const { pending, invalid, run } = useFormSubmit(errors, formRef, (error) =>
    showNestedErrors(errors, error, "inputArguments"),
  );

  const pkg = packages.data?.items.find((p) => p.name === packageName);
  const chosenVersion = pkg?.versions.find((v) => v.version === (version === LATEST ? pkg.latestVersion : version));
  const entryPoints = chosenVersion?.entryPoints.map((e) => e.name) ?? (entryPoint ? [entryPoint] : []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = t("validation.required");
    if (!packageName) local.packageName = t("validation.required");
    const inputArguments = parseJsonObject(args);
    if (!inputArguments) local.inputArguments = t("automation.invalidJson");
    if (Object.keys(local).length) return invalid(local);
    const body = {
      name: name.trim(),
      description: description.trim() || null,
      packageName: packageName ?? "",
      packageVersion: version === LATEST ? null : version,
      entryPoint: entryPoint ?? undefined,
      inputArguments: inputArguments ?? {},
      priority: typeof priority === "number" ? priority : undefined,
    };
    await run(async () => {
      if (process) await ctx.api.updateProcess(process.id, body);
      else await ctx.api.createProcess(folderId, body);
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "processes") });
      notifications.show({
        color: "teal",
        message: process ? t("common.saved") : t("processes.created", { name: body.name }),
      });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="process-form">
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
          <NumberInput
            name="priority"
            label={t("fields.priority")}
            description={t("processes.priorityHint")}
            value={priority}
            onChange={setPriority}
            min={1}
            max={100}
            allowDecimal={false}
            error={errors.fieldErrors.priority}
          />
        </SimpleGrid>
        <TextInput
          name="description"
          label={t("fields.description")}
          description={t("common.optional")}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.fieldErrors.description}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            name="packageName"
            label={t("processes.package")}
            data={(packages.data?.items ?? []).map((p) => p.name)}
            value={packageName}
            onChange={(v) => {
              setPackageName(v);
              setVersion(LATEST);
              setEntryPoint(null);
              errors.clearField("packageName");
            }}
            searchable
            nothingFoundMessage={t("processes.noPackages")}
            error={errors.fieldErrors.packageName}
            required
            data-testid="process-package"
          />
          <Select
            name="entryPoint"
            label={t("processes.entryPoint")}
            data={entryPoints}
            value={entryPoint}
            onChange={setEntryPoint}
            placeholder={entryPoints[0] ? t("processes.entryPointDefault", { name: entryPoints[0] }) : undefined}
            disabled={!pkg}
            clearable
            error={errors.fieldErrors.entryPoint}
            data-testid="process-entry-point"
          />
        </SimpleGrid>
        <Select
          name="packageVersion"
          label={t("processes.version")}
          data={[
            {
              value: LATEST,
              // Before a package is picked there is no version to name ("Always the latest ()").
              label: pkg
                ? t("processes.latestVersion", { version: pkg.latestVersion })
                : t("processes.latestVersionAny"),
            },
            ...(pkg?.versions ?? []).map((v) => ({ value: v.version, label: v.version })),
          ]}
          value={version}
          onChange={(v) => setVersion(v ?? LATEST)}
          allowDeselect={false}
          disabled={!pkg}
          error={errors.fieldErrors.packageVersion}
          // A version may be 64 characters ("1.2.3-release-candidate.…"): the whole row, and the
          // list as wide as its longest entry, so no version is cut off.
          comboboxProps={{ width: "max-content", position: "bottom-start" }}
          styles={{ option: { whiteSpace: "nowrap" } }}
          data-testid="process-version"
        />
        <ArgumentsInput
          label={t("processes.defaultArguments")}
          description={t("processes.defaultArgumentsHint")}
          value={args}
          onChange={(v) => {
            setArgs(v);
            errors.clearField("inputArguments");
          }}
          error={errors.fieldErrors.inputArguments}
          testId="process-input"
        />
        <FormError message={errors.formError} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={process ? t("common.save") : t("processes.create")}
          testId="process-submit"
          gap="md"
        />
      </Stack>
    </form>
  );
}

export default function ProcessesPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [folder, selectFolder] = useSelectedFolder();
  const [dialog, setDialog] = useState<{ process: Process | null } | null>(null);
  const [start, setStart] = useState<Process | null>(null);
  const query = useQuery({
    queryKey: tenantKey(ctx, "processes", folder?.id ?? 0),
    queryFn: () => ctx.api.processes(folder?.id),
    enabled: !!folder && ctx.canFolder("processes.view", folder.id),
  });
  if (!folder) return <NoFolderPage title={t("processes.title")} description={t("processes.description")} />;
  const processes = query.data?.items ?? [];
  const canCreate = ctx.canFolder("processes.create", folder.id);
  const canEdit = ctx.canFolder("processes.edit", folder.id);
  const canDelete = ctx.canFolder("processes.delete", folder.id);
  const canStart = ctx.canFolder("jobs.create", folder.id);

  const remove = (p: Process) =>
    confirm({
      title: t("processes.deleteTitle", { name: p.name }),
      message: t("processes.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await ctx.api.deleteProcess(p.id);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "processes") });
      },
      successMessage: t("processes.deleted", { name: p.name }),
    });

  const newButton = canCreate ? (
    <Button leftSection={<IconPlus size={18} />} onClick={() => setDialog({ process: null })} data-testid="new-process">
      {t("processes.new")}
    </Button>
  ) : null;

  return (
    <>
      <FolderResourcePage
        title={t("processes.title")}
        description={t("processes.description")}
        folder={folder}
        onFolderChange={selectFolder}
        actions={newButton}
        query={query}
        canView={ctx.canFolder("processes.view", folder.id)}
        isEmpty={processes.length === 0}
        empty={
          <EmptyPanel
            icon={<IconBriefcase size={32} />}
            title={t("processes.empty", { folder: folder.path })}
            description={t("processes.emptyHint")}
            action={newButton}
            testId="processes-empty"
          />
        }
      >
        <ListTable
          minWidth={820}
          testId="processes-table"
          head={
            <>
              <Table.Th>{t("fields.name")}</Table.Th>
              <Table.Th>{t("processes.package")}</Table.Th>
              <Table.Th>{t("processes.entryPoint")}</Table.Th>
              <Table.Th>{t("fields.priority")}</Table.Th>
              <Table.Th>{t("processes.updated")}</Table.Th>
              <Table.Th w={140}>
                <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
              </Table.Th>
            </>
          }
        >
          {processes.map((p) => (
            <Table.Tr key={p.id} data-testid={`process-row-${p.name}`}>
              <Table.Td>
                <Text size="sm" fw={600}>
                  {p.name}
                </Text>
                {p.description ? (
                  <Text size="xs" c="dimmed">
                    {p.description}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <Group gap={6}>
                  <Text size="sm">{p.packageName}</Text>
                  <Badge variant="light" color={p.packageVersion ? "gray" : "indigo"} tt="none">
                    {p.packageVersion ?? t("processes.latest")}
                  </Badge>
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {p.entryPoint}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{p.priority}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed">
                  <Time value={p.updatedAt} />
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap={4} justify="flex-end" wrap="nowrap">
                  {canStart ? (
                    <Button
                      size="xs"
                      variant="light"
                      leftSection={<IconPlayerPlay size={14} />}
                      onClick={() => setStart(p)}
                      data-testid="start-process"
                    >
                      {t("processes.start")}
                    </Button>
                  ) : null}
                  <EditDeleteActions
                    name={p.name}
                    onEdit={canEdit ? () => setDialog({ process: p }) : undefined}
                    onDelete={canDelete ? () => remove(p) : undefined}
                  />
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </ListTable>
      </FolderResourcePage>
      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={
          dialog?.process
            ? t("processes.editTitle", { name: dialog.process.name })
            : t("processes.newIn", { folder: folder.path })
        }
        // Wide enough for "Always the latest (…)" around the longest version a manifest allows (64).
        size="xl"
        centered
        data-testid="process-modal"
      >
        {dialog ? <ProcessForm folderId={folder.id} process={dialog.process} onClose={() => setDialog(null)} /> : null}
      </Modal>
      <StartJobModal
        opened={!!start}
        onClose={() => setStart(null)}
        folderId={folder.id}
        process={start ?? undefined}
      />
      {confirmModal}
    </>
  );
}
