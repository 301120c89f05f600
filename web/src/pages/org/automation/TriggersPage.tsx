import {
  Badge,
  Button,
  Group,
  Menu,
  Modal,
  SegmentedControl,
  Switch,
  Table,
  Text,
  Tooltip,
  VisuallyHidden,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconClock, IconHistory, IconPlayerPause, IconPlayerPlay, IconPlus } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useConfirm } from "../../../components/ConfirmModal";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { EditDeleteActions, ListTable } from "../../../components/ListTable";
import { FolderResourcePage, NoFolderPage } from "../../../features/automation/FolderResourcePage";
import { tenantKey, useSelectedFolder, useTenant } from "../../../features/automation/tenant";
import { queueApi } from "../../../features/queues/api";
import { formatInZone, type Trigger, triggersApi } from "../../../features/triggers/api";
import { HttpTriggerForm } from "../../../features/triggers/HttpTriggerForm";
import { QueueTriggerForm } from "../../../features/triggers/QueueTriggerForm";
import { TriggerForm } from "../../../features/triggers/TriggerForm";
import { useErrorText } from "../../../lib/errors";
import { useServerText } from "../../../lib/serverText";

type TriggerKind = "time" | "queue" | "http";

/**
 * The triggers of a folder: time triggers (schedule, next run in the trigger's zone and the
 * viewer's), HTTP triggers (method and path), queue triggers (queue, min items, max jobs); last
 * result, on/off.
 */
export default function TriggersPage() {
  const { t, i18n } = useTranslation();
  const serverText = useServerText();
  const ctx = useTenant();
  const api = useMemo(() => triggersApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [confirm, confirmModal] = useConfirm();
  const [folder, selectFolder] = useSelectedFolder();
  const [dialog, setDialog] = useState<{ trigger: Trigger | null; kind: TriggerKind } | null>(null);
  const settings = useQuery({ queryKey: tenantKey(ctx, "settings"), queryFn: api.settings });
  const query = useQuery({
    queryKey: tenantKey(ctx, "triggers", folder?.id ?? 0),
    queryFn: () => api.list(folder?.id ?? 0),
    enabled: !!folder && ctx.canFolder("triggers.view", folder.id),
  });
  const queues = useQuery({
    queryKey: tenantKey(ctx, "queues", folder?.id ?? 0),
    queryFn: () => queueApi(ctx.api.base).list(folder?.id ?? 0),
    enabled: !!folder && ctx.canFolder("queues.view", folder.id),
  });
  const queueNames = new Map((queues.data?.items ?? []).map((q) => [q.id, q.name]));
  if (!folder) return <NoFolderPage title={t("triggers.title")} description={t("triggers.description")} />;
  const lang = i18n.resolvedLanguage ?? "en";
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const tenantZone = settings.data?.timeZone ?? "UTC";
  const triggers = query.data?.items ?? [];
  const canCreate = ctx.canFolder("triggers.create", folder.id);
  const canEdit = ctx.canFolder("triggers.edit", folder.id);
  const canDelete = ctx.canFolder("triggers.delete", folder.id);
  const refresh = () => queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "triggers") });

  const toggle = async (trigger: Trigger, enabled: boolean) => {
    try {
      await api.setEnabled(trigger.id, enabled);
      await refresh();
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error) });
    }
  };
  const runNow = async (trigger: Trigger) => {
    try {
      const res = await api.runNow(trigger.id);
      notifications.show({ color: "teal", message: t("triggers.started", { count: res.items.length }) });
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error) });
    }
  };
  const bulk = async (enabled: boolean) => {
    try {
      const res = await api.bulkEnabled(enabled, folder.id);
      notifications.show({
        color: "teal",
        message: t(enabled ? "triggers.resumed" : "triggers.paused", { count: res.count }),
      });
      await refresh();
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error) });
    }
  };
  const remove = (trigger: Trigger) =>
    confirm({
      title: t("triggers.deleteTitle", { name: trigger.name }),
      message: t("triggers.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await api.remove(trigger.id);
        await refresh();
      },
      successMessage: t("triggers.deleted", { name: trigger.name }),
    });

  const newButton = canCreate ? (
    <Button
      leftSection={<IconPlus size={18} />}
      onClick={() => setDialog({ trigger: null, kind: "time" })}
      data-testid="new-trigger"
    >
      {t("triggers.new")}
    </Button>
  ) : null;

  return (
    <>
      <FolderResourcePage
        title={t("triggers.title")}
        description={t("triggers.description")}
        folder={folder}
        onFolderChange={selectFolder}
        actions={
          <>
            {canEdit && triggers.length > 0 ? (
              <>
                <Button
                  variant="default"
                  leftSection={<IconPlayerPause size={16} />}
                  onClick={() => void bulk(false)}
                  data-testid="pause-all"
                >
                  {t("triggers.pauseAll")}
                </Button>
                <Button
                  variant="default"
                  leftSection={<IconPlayerPlay size={16} />}
                  onClick={() => void bulk(true)}
                  data-testid="resume-all"
                >
                  {t("triggers.resumeAll")}
                </Button>
              </>
            ) : null}
            {newButton}
          </>
        }
        query={query}
        canView={ctx.canFolder("triggers.view", folder.id)}
        isEmpty={triggers.length === 0}
        empty={
          <EmptyPanel
            icon={<IconClock size={32} />}
            title={t("triggers.empty", { folder: folder.path })}
            description={t("triggers.emptyHint")}
            action={newButton}
            testId="triggers-empty"
          />
        }
      >
        <ListTable
          minWidth={900}
          testId="triggers-table"
          head={
            <>
              <Table.Th>{t("fields.name")}</Table.Th>
              <Table.Th>{t("triggers.schedule")}</Table.Th>
              <Table.Th>{t("triggers.nextRun")}</Table.Th>
              <Table.Th>{t("triggers.lastResult")}</Table.Th>
              <Table.Th>{t("triggers.enabled")}</Table.Th>
              <Table.Th w={150}>
                <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
              </Table.Th>
            </>
          }
        >
          {triggers.map((tr) => (
            <Table.Tr key={tr.id} data-testid={`trigger-row-${tr.name}`}>
              <Table.Td>
                <Text size="sm" fw={600} component={Link} to={ctx.path(`triggers/${tr.id}`)}>
                  {tr.name}
                </Text>
                <Badge
                  ml={6}
                  size="xs"
                  variant="light"
                  color={tr.type === "http" ? "grape" : tr.type === "queue" ? "teal" : undefined}
                >
                  {tr.type === "http"
                    ? t("triggers.typeHttp")
                    : tr.type === "queue"
                      ? t("triggers.typeQueue")
                      : t("triggers.typeTime")}
                </Badge>
              </Table.Td>
              <Table.Td>
                {tr.type === "queue" ? (
                  <>
                    <Text size="sm" data-testid="trigger-queue-name">
                      {t("triggers.queueLabel", {
                        name: (tr.queueId && queueNames.get(tr.queueId)) ?? `#${tr.queueId}`,
                      })}
                    </Text>
                    <Text size="xs" c="dimmed" data-testid="trigger-queue-rule">
                      {t("triggers.queueRule", {
                        min: tr.minItems,
                        max: tr.maxConcurrentJobs,
                        per: tr.itemsPerJob,
                      })}
                    </Text>
                  </>
                ) : tr.type === "http" ? (
                  <Text size="sm" ff="monospace">
                    {tr.method} …/triggers/http/{tr.slug}
                  </Text>
                ) : (
                  <>
                    <Text size="sm" data-testid="trigger-summary">
                      {tr.summary}
                    </Text>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {tr.cron} · {tr.timeZone}
                    </Text>
                  </>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="sm" data-testid="trigger-next">
                  {formatInZone(tr.nextFireTime, tr.timeZone ?? tenantZone, lang)}
                </Text>
                {tr.nextFireTime ? (
                  <Text size="xs" c="dimmed">
                    {[
                      tr.timeZone !== tenantZone
                        ? `${t("triggers.tenantTime")}: ${formatInZone(tr.nextFireTime, tenantZone, lang)}`
                        : null,
                      viewerZone !== tr.timeZone && viewerZone !== tenantZone
                        ? `${t("triggers.yourTime")}: ${formatInZone(tr.nextFireTime, viewerZone, lang)}`
                        : null,
                    ]
                      .filter(Boolean)
                      .join(" · ")}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <Tooltip label={tr.lastResult ?? ""} disabled={!tr.lastResult} multiline w={320}>
                  <Text size="sm" c={tr.lastResult && tr.lastResult !== "fired" ? "orange" : undefined} lineClamp={2}>
                    {tr.lastResult ? (tr.lastResult === "fired" ? t("triggers.outcome.fired") : tr.lastResult) : "—"}
                  </Text>
                </Tooltip>
                {tr.disabledReason ? (
                  <Text size="xs" c="dimmed">
                    {serverText.triggerDisabledReason(tr)}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <Switch
                  checked={tr.enabled}
                  disabled={!canEdit}
                  onChange={(e) => void toggle(tr, e.currentTarget.checked)}
                  aria-label={t("triggers.enabledFor", { name: tr.name })}
                  data-testid="trigger-enabled"
                />
              </Table.Td>
              <Table.Td>
                <Group gap={4} justify="flex-end" wrap="nowrap">
                  <Button
                    size="xs"
                    variant="subtle"
                    component={Link}
                    to={ctx.path(`triggers/${tr.id}`)}
                    leftSection={<IconHistory size={14} />}
                  >
                    {t("triggers.history")}
                  </Button>
                  <EditDeleteActions
                    name={tr.name}
                    onEdit={canEdit ? () => setDialog({ trigger: tr, kind: tr.type as TriggerKind }) : undefined}
                    onDelete={canDelete ? () => remove(tr) : undefined}
                  >
                    {ctx.canFolder("jobs.create", folder.id) ? (
                      <Menu.Item leftSection={<IconPlayerPlay size={16} />} onClick={() => void runNow(tr)}>
                        {t("triggers.runNow")}
                      </Menu.Item>
                    ) : null}
                  </EditDeleteActions>
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
          dialog?.trigger
            ? t("triggers.editTitle", { name: dialog.trigger.name })
            : t("triggers.newIn", { folder: folder.path })
        }
        size="xl"
        centered
        data-testid="trigger-modal"
      >
        {dialog && !dialog.trigger ? (
          <SegmentedControl
            mb="md"
            value={dialog.kind}
            onChange={(v) => setDialog({ trigger: null, kind: v as TriggerKind })}
            data={[
              { value: "time", label: t("triggers.kindTime") },
              { value: "queue", label: t("triggers.kindQueue") },
              { value: "http", label: t("triggers.kindHttp") },
            ]}
            data-testid="trigger-kind"
          />
        ) : null}
        {dialog?.kind === "queue" ? (
          <QueueTriggerForm folderId={folder.id} trigger={dialog.trigger} onClose={() => setDialog(null)} />
        ) : dialog?.kind === "http" ? (
          <HttpTriggerForm folderId={folder.id} trigger={dialog.trigger} onClose={() => setDialog(null)} />
        ) : dialog ? (
          <TriggerForm
            folderId={folder.id}
            trigger={dialog.trigger}
            defaultZone={tenantZone}
            onClose={() => setDialog(null)}
          />
        ) : null}
      </Modal>
      {confirmModal}
    </>
  );
}
