import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Menu,
  Modal,
  MultiSelect,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import {
  IconAlertTriangle,
  IconCheck,
  IconCopy,
  IconKey,
  IconPencil,
  IconPlus,
  IconRobot,
  IconTrash,
} from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { publicApi } from "../../../api/endpoints";
import type { Machine, MachineWithKey } from "../../../api/types";
import { useConfirm } from "../../../components/ConfirmModal";
import { SortableTh, TableToolbar } from "../../../components/DataTable";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { FormButtons } from "../../../components/FormButtons";
import { FormError } from "../../../components/feedback";
import { ListTable, RowActions } from "../../../components/ListTable";
import { LoadMore } from "../../../components/LoadMore";
import { Time } from "../../../components/Time";
import { RobotStateBadge } from "../../../features/automation/badges";
import { ResourceListPage } from "../../../features/automation/FolderResourcePage";
import { NoPermission, tenantKey, useFolderOptions, useTenant } from "../../../features/automation/tenant";
import { liveSafetyRefetchMs } from "../../../features/automation/useTenantChanges";
import { useFormErrors } from "../../../lib/errors";
import { useFormat } from "../../../lib/format";
import { useFormSubmit } from "../../../lib/useFormSubmit";
import { useClientRows, useListControls } from "../../../lib/useListControls";

const FIELDS = ["name", "description", "slots", "folderIds"] as const;

function MachineForm({
  machine,
  onClose,
  onCreated,
}: {
  machine: Machine | null;
  onClose: () => void;
  onCreated: (m: MachineWithKey) => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const folderOptions = useFolderOptions();
  const [name, setName] = useState(machine?.name ?? "");
  const [description, setDescription] = useState(machine?.description ?? "");
  const [slots, setSlots] = useState<string | number>(machine?.slots ?? 1);
  const [folderIds, setFolderIds] = useState<string[]>((machine?.folderIds ?? []).map(String));
  const { pending, invalid, run } = useFormSubmit(errors, formRef);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = t("validation.required");
    if (typeof slots !== "number") local.slots = t("validation.range", { min: 1, max: 100 });
    if (Object.keys(local).length) return invalid(local);
    const body = {
      name: name.trim(),
      description: description.trim() || null,
      slots: Number(slots),
      folderIds: folderIds.map(Number),
    };
    await run(async () => {
      if (machine) {
        await ctx.api.updateMachine(machine.id, body);
        notifications.show({ color: "teal", message: t("common.saved") });
        onClose();
      } else {
        onCreated(await ctx.api.createMachine(body));
      }
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "machines") });
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="machine-form">
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
          data-autofocus
          required
        />
        <TextInput
          name="description"
          label={t("fields.description")}
          description={t("common.optional")}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.fieldErrors.description}
        />
        <NumberInput
          name="slots"
          label={t("machines.slots")}
          description={t("machines.slotsHint")}
          value={slots}
          onChange={setSlots}
          min={1}
          max={100}
          allowDecimal={false}
          error={errors.fieldErrors.slots}
        />
        <MultiSelect
          name="folderIds"
          label={t("machines.folders")}
          description={t("machines.foldersHint")}
          data={folderOptions}
          value={folderIds}
          onChange={setFolderIds}
          searchable
          clearable
          error={errors.fieldErrors.folderIds}
          data-testid="machine-folders"
        />
        {folderIds.length === 0 && (
          <Alert color="yellow" variant="light" icon={<IconAlertTriangle />} data-testid="machine-no-folders">
            {t("machines.noFoldersWarning")}
          </Alert>
        )}
        <FormError message={errors.formError} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={machine ? t("common.save") : t("machines.create")}
          testId="machine-submit"
          gap="md"
        />
      </Stack>
    </form>
  );
}

/** The key of a machine, shown once after creating it or regenerating it. */
function KeyView({ machine, onClose }: { machine: MachineWithKey; onClose: () => void }) {
  const { t } = useTranslation();
  const agent = useQuery({ queryKey: ["agent-download"], queryFn: publicApi.agentDownload, retry: false });
  return (
    <Stack gap="md" data-testid="machine-key">
      <Alert color="yellow" variant="light" icon={<IconAlertTriangle />} title={t("machines.keyOnceTitle")}>
        {t("machines.keyOnceBody")}
      </Alert>
      <div>
        <Text size="sm" fw={600} mb={4}>
          {t("machines.key")}
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Code block style={{ flex: 1, wordBreak: "break-all" }} data-testid="machine-key-value">
            {machine.key}
          </Code>
          <Copy value={machine.key} />
        </Group>
      </div>
      <div>
        <Text size="sm" fw={600} mb={4}>
          {t("machines.connectCommand")}
        </Text>
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <Code
            block
            style={{ flex: 1, wordBreak: "break-all", whiteSpace: "pre-wrap" }}
            data-testid="machine-connect-command"
          >
            {machine.connectCommand}
          </Code>
          <Copy value={machine.connectCommand} testId="copy-command" />
        </Group>
        <Text size="xs" c="dimmed" mt={4}>
          {t("machines.connectHint")}
        </Text>
        {agent.data && (
          <Text size="xs" c="dimmed" mt={4} data-testid="agent-checksum" style={{ wordBreak: "break-all" }}>
            {t("machines.agentChecksum", { sha256: agent.data.sha256 })}
          </Text>
        )}
      </div>
      <Group justify="flex-end">
        <Button onClick={onClose} data-testid="machine-key-done">
          {t("machines.keyDone")}
        </Button>
      </Group>
    </Stack>
  );
}

function Copy({ value, testId = "copy-key" }: { value: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? t("automation.copied") : t("automation.copy")}>
          <ActionIcon
            variant="light"
            color={copied ? "teal" : "gray"}
            size="lg"
            onClick={copy}
            aria-label={t("automation.copy")}
            data-testid={testId}
          >
            {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

type Dialog = { kind: "create" } | { kind: "edit"; machine: Machine } | { kind: "key"; machine: MachineWithKey };

export default function MachinesPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const canView = ctx.canTenant("machines.view");
  const query = useQuery({
    queryKey: tenantKey(ctx, "machines"),
    queryFn: ctx.api.machines,
    enabled: canView,
    refetchInterval: liveSafetyRefetchMs,
  });
  const controls = useListControls();
  const table = useClientRows(query.data?.items ?? [], controls, {
    text: (m) => `${m.name} ${m.description ?? ""}`,
    sortValues: {
      name: (m) => m.name,
      state: (m) => m.state,
      slots: (m) => m.slots,
      lastHeartbeat: (m) => m.sessions.find((s) => !s.disconnectedAt)?.lastHeartbeatAt ?? null,
    },
  });
  if (!canView) return <NoPermission />;
  const machines = table.rows;
  const invalidate = () => queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "machines") });

  const regenerate = (machine: Machine) =>
    confirm({
      title: t("machines.regenerateTitle", { name: machine.name }),
      message: t("machines.regenerateBody"),
      confirmLabel: t("machines.regenerate"),
      color: "orange",
      action: async () => {
        const next = await ctx.api.regenerateMachineKey(machine.id);
        await invalidate();
        setDialog({ kind: "key", machine: next });
      },
    });
  const remove = (machine: Machine) =>
    confirm({
      title: t("machines.deleteTitle", { name: machine.name }),
      message: t("machines.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await ctx.api.deleteMachine(machine.id);
        await invalidate();
      },
      successMessage: t("machines.deleted", { name: machine.name }),
    });

  const newButton = ctx.canTenant("machines.create") ? (
    <Button
      leftSection={<IconPlus size={18} />}
      onClick={() => setDialog({ kind: "create" })}
      data-testid="new-machine"
    >
      {t("machines.new")}
    </Button>
  ) : null;
  const title =
    dialog?.kind === "key"
      ? t("machines.keyTitle", { name: dialog.machine.name })
      : dialog?.kind === "edit"
        ? t("machines.editTitle", { name: dialog.machine.name })
        : t("machines.new");

  return (
    <>
      <ResourceListPage
        title={t("machines.title")}
        description={t("machines.description")}
        actions={newButton}
        query={query}
        loading={query.isPending}
        isEmpty={(query.data?.items.length ?? 0) === 0}
        toolbar={
          (query.data?.items.length ?? 0) > 0 ? (
            <TableToolbar
              controls={controls}
              shown={machines.length}
              total={table.total}
              searchPlaceholder={t("machines.searchPlaceholder")}
            />
          ) : null
        }
        footer={<LoadMore hasMore={table.hasMore} loading={false} onLoad={table.loadMore} />}
        empty={
          <EmptyPanel
            icon={<IconRobot size={32} />}
            title={t("machines.empty")}
            description={t("machines.emptyHint")}
            action={newButton}
            testId="machines-empty"
          />
        }
      >
        <ListTable
          minWidth={960}
          testId="machines-table"
          actionsColumn
          head={
            <>
              <SortableTh field="name" controls={controls}>
                {t("fields.name")}
              </SortableTh>
              <SortableTh field="state" controls={controls}>
                {t("fields.state")}
              </SortableTh>
              <SortableTh field="slots" controls={controls}>
                {t("machines.slots")}
              </SortableTh>
              <Table.Th>{t("machines.folders")}</Table.Th>
              <Table.Th>{t("machines.robot")}</Table.Th>
              <SortableTh field="lastHeartbeat" controls={controls}>
                {t("machines.lastHeartbeat")}
              </SortableTh>
            </>
          }
        >
          {machines.map((machine) => {
            const live = machine.sessions.find((s) => !s.disconnectedAt) ?? machine.sessions[0];
            return (
              <Table.Tr key={machine.id} data-testid={`machine-row-${machine.name}`}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {machine.name}
                  </Text>
                  <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
                    {machine.description || t("machines.keyHint", { hint: machine.keyHint })}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <RobotStateBadge state={machine.state} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{machine.slots}</Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {machine.folderIds.length === 0 ? (
                      <Text size="sm" c="dimmed">
                        {t("machines.noFolders")}
                      </Text>
                    ) : (
                      machine.folderIds.map((id) => (
                        <Badge key={id} variant="light" color="gray" tt="none">
                          {ctx.folderPath(id)}
                        </Badge>
                      ))
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  {live && !live.disconnectedAt ? (
                    <Stack gap={0}>
                      <Text size="sm">{live.hostName}</Text>
                      <Text size="xs" c="dimmed">
                        {live.os} · {t("machines.agentVersion", { version: live.agentVersion })}
                      </Text>
                    </Stack>
                  ) : (
                    <Text size="sm" c="dimmed">
                      {t("machines.notConnected")}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    <Time value={live?.lastHeartbeatAt} seconds fallback={format.never} />
                  </Text>
                </Table.Td>
                <Table.Td>
                  {ctx.canTenant("machines.edit") || ctx.canTenant("machines.delete") ? (
                    <Group justify="flex-end">
                      <RowActions name={machine.name}>
                        {ctx.canTenant("machines.edit") ? (
                          <>
                            <Menu.Item
                              leftSection={<IconPencil size={16} />}
                              onClick={() => setDialog({ kind: "edit", machine })}
                              data-testid="edit"
                            >
                              {t("common.edit")}
                            </Menu.Item>
                            <Menu.Item
                              leftSection={<IconKey size={16} />}
                              onClick={() => regenerate(machine)}
                              data-testid="regenerate-key"
                            >
                              {t("machines.regenerate")}
                            </Menu.Item>
                          </>
                        ) : null}
                        {ctx.canTenant("machines.delete") ? (
                          <>
                            <Menu.Divider />
                            <Menu.Item
                              color="red"
                              leftSection={<IconTrash size={16} />}
                              onClick={() => remove(machine)}
                              data-testid="delete"
                            >
                              {t("common.delete")}
                            </Menu.Item>
                          </>
                        ) : null}
                      </RowActions>
                    </Group>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </ListTable>
      </ResourceListPage>
      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={title}
        size={dialog?.kind === "key" ? "xl" : "md"}
        centered
        closeOnClickOutside={dialog?.kind !== "key"}
        data-testid="machine-modal"
      >
        {dialog?.kind === "key" ? (
          <KeyView machine={dialog.machine} onClose={() => setDialog(null)} />
        ) : dialog ? (
          <MachineForm
            machine={dialog.kind === "edit" ? dialog.machine : null}
            onClose={() => setDialog(null)}
            onCreated={(m) => setDialog({ kind: "key", machine: m })}
          />
        ) : null}
      </Modal>
      {confirmModal}
    </>
  );
}
