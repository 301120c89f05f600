import {
  Badge,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  PasswordInput,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconBroadcast, IconList, IconPencil, IconPlus, IconSend, IconTrash, IconWebhook } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useConfirm } from "../../../components/ConfirmModal";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { FormButtons } from "../../../components/FormButtons";
import { FormError } from "../../../components/feedback";
import { ListTable, RowActions } from "../../../components/ListTable";
import { ResourceListPage } from "../../../features/automation/FolderResourcePage";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { type Webhook, webhookEvents, webhooksApi } from "../../../features/webhooks/api";
import { useErrorText, useFormErrors } from "../../../lib/errors";
import { useFormat } from "../../../lib/format";
import { useFormSubmit } from "../../../lib/useFormSubmit";

const FIELDS = ["url", "events", "description", "secret", "enabled"] as const;
type EventName = (typeof webhookEvents)[number];
type Underscored<T> = T extends `${infer A}.${infer B}` ? `${A}_${B}` : never;
const eventKey = (e: EventName) => e.replace(".", "_") as Underscored<EventName>;

/** The event checkboxes, grouped by what they are about. */
const groups: { key: "jobs" | "robots" | "queues" | "other"; events: EventName[] }[] = [
  { key: "jobs", events: ["job.created", "job.started", "job.finished", "job.faulted", "job.stopped"] },
  { key: "robots", events: ["robot.connected", "robot.disconnected"] },
  { key: "queues", events: ["queueItem.added", "queueItem.completed", "queueItem.failed"] },
  { key: "other", events: ["trigger.failed", "alert.raised"] },
];

function WebhookForm({ webhook, onClose }: { webhook: Webhook | null; onClose: () => void }) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => webhooksApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const { pending, invalid, run } = useFormSubmit(errors, formRef);
  const [url, setUrl] = useState(webhook?.url ?? "https://");
  const [description, setDescription] = useState(webhook?.description ?? "");
  const [events, setEvents] = useState<EventName[]>(webhook?.events ?? ["job.finished"]);
  const [secret, setSecret] = useState("");
  const [removeSecret, setRemoveSecret] = useState(false);
  const [enabled, setEnabled] = useState(webhook?.enabled ?? true);
  const toggle = (e: EventName, on: boolean) =>
    setEvents((current) => (on ? [...current, e] : current.filter((x) => x !== e)));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!url.trim()) local.url = t("validation.required");
    if (events.length === 0) local.events = t("webhooks.chooseEvent");
    if (Object.keys(local).length) return invalid(local);
    const body = {
      url: url.trim(),
      events: webhookEvents.filter((e) => events.includes(e)),
      description: description.trim() || null,
      enabled,
      ...(secret ? { secret } : removeSecret ? { secret: null } : {}),
    };
    await run(async () => {
      if (webhook) await api.update(webhook.id, body);
      else await api.create(body);
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "webhooks") });
      notifications.show({ color: "teal", message: t("common.saved") });
      onClose();
    });
  };
  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="webhook-form">
      <Stack gap="md">
        <TextInput
          name="url"
          label={t("webhooks.url")}
          description={t("webhooks.urlHint")}
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          error={errors.fieldErrors.url}
          required
          data-autofocus
        />
        <TextInput
          name="description"
          label={t("webhooks.description")}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.fieldErrors.description}
        />
        <Stack gap={6}>
          <Text size="sm" fw={500}>
            {t("webhooks.events")}
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            {groups.map((g) => (
              <Stack key={g.key} gap={4}>
                <Text size="xs" c="dimmed" fw={700} tt="uppercase">
                  {t(`webhooks.groups.${g.key}`)}
                </Text>
                {g.events.map((e) => (
                  <Checkbox
                    key={e}
                    label={
                      <span>
                        {t(`webhooks.event.${eventKey(e)}`)}{" "}
                        <Text span size="xs" c="dimmed" ff="monospace">
                          {e}
                        </Text>
                      </span>
                    }
                    checked={events.includes(e)}
                    onChange={(ev) => toggle(e, ev.currentTarget.checked)}
                    data-testid={`event-${e}`}
                  />
                ))}
              </Stack>
            ))}
          </SimpleGrid>
          {errors.fieldErrors.events ? (
            <Text size="xs" c="red">
              {errors.fieldErrors.events}
            </Text>
          ) : null}
        </Stack>
        <PasswordInput
          name="secret"
          label={t("webhooks.secret")}
          description={webhook?.hasSecret ? t("webhooks.secretKept") : t("webhooks.secretHint")}
          value={secret}
          onChange={(e) => setSecret(e.currentTarget.value)}
          error={errors.fieldErrors.secret}
          autoComplete="new-password"
        />
        {webhook?.hasSecret ? (
          <Checkbox
            label={t("webhooks.removeSecret")}
            checked={removeSecret}
            onChange={(e) => setRemoveSecret(e.currentTarget.checked)}
          />
        ) : null}
        <Switch label={t("webhooks.enabled")} checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <FormError message={errors.formError} />
        <FormButtons onCancel={onClose} pending={pending} testId="webhook-submit" gap="md" />
      </Stack>
    </form>
  );
}

export function WebhookStatus({ webhook }: { webhook: Webhook }) {
  const { t } = useTranslation();
  const f = useFormat();
  if (!webhook.enabled) return <Badge color="gray">{t("webhooks.disabled")}</Badge>;
  if (webhook.pausedUntil && webhook.pausedUntil > new Date().toISOString())
    return (
      <Badge color="orange" title={webhook.pausedReason ?? ""}>
        {t("webhooks.pausedUntil", { time: f.dateTime(webhook.pausedUntil) })}
      </Badge>
    );
  if (webhook.consecutiveFailures > 0)
    return <Badge color="red">{t("webhooks.failing", { count: webhook.consecutiveFailures })}</Badge>;
  return <Badge color="teal">{t("webhooks.active")}</Badge>;
}

/** The tenant's Integrations: outgoing webhooks (docs/monitoring-and-webhooks.md). */
export default function WebhooksPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => webhooksApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [confirm, confirmModal] = useConfirm();
  const [dialog, setDialog] = useState<{ webhook: Webhook | null } | null>(null);
  const query = useQuery({ queryKey: tenantKey(ctx, "webhooks"), queryFn: api.list });
  const canCreate = ctx.canTenant("webhooks.create");
  const canEdit = ctx.canTenant("webhooks.edit");
  const canDelete = ctx.canTenant("webhooks.delete");
  const items = query.data?.items ?? [];
  const newButton = canCreate ? (
    <Button leftSection={<IconPlus size={18} />} onClick={() => setDialog({ webhook: null })} data-testid="new-webhook">
      {t("webhooks.new")}
    </Button>
  ) : null;
  const ping = async (w: Webhook) => {
    try {
      const d = await api.ping(w.id);
      const attempt = d.attemptLog[0];
      notifications.show({
        color: d.status === "succeeded" ? "teal" : "red",
        message:
          d.status === "succeeded"
            ? t("webhooks.pingOk", { code: attempt?.responseCode ?? "", ms: attempt?.durationMs ?? 0 })
            : t("webhooks.pingFailed", { reason: attempt?.reason ?? "" }),
      });
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error) });
    }
  };
  const remove = (w: Webhook) =>
    confirm({
      title: t("webhooks.deleteTitle"),
      message: t("webhooks.deleteBody", { url: w.url }),
      confirmLabel: t("common.delete"),
      action: async () => {
        await api.remove(w.id);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "webhooks") });
      },
      successMessage: t("webhooks.deleted"),
    });
  return (
    <>
      <ResourceListPage
        title={t("webhooks.title")}
        description={t("webhooks.pageDescription")}
        actions={newButton}
        query={query}
        isEmpty={items.length === 0}
        empty={
          <EmptyPanel
            icon={<IconWebhook size={32} />}
            title={t("webhooks.none")}
            description={t("webhooks.noneHint")}
            action={newButton}
            testId="webhooks-empty"
          />
        }
      >
        <ListTable
          minWidth={700}
          testId="webhooks-table"
          head={
            <>
              <Table.Th>{t("webhooks.url")}</Table.Th>
              <Table.Th>{t("webhooks.events")}</Table.Th>
              <Table.Th>{t("fields.status")}</Table.Th>
              <Table.Th w={60}>
                <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
              </Table.Th>
            </>
          }
        >
          {items.map((w) => (
            <Table.Tr key={w.id} data-testid={`webhook-row-${w.id}`}>
              <Table.Td>
                <Text size="sm" fw={600} component={Link} to={String(w.id)} style={{ wordBreak: "break-all" }}>
                  {w.url}
                </Text>
                {w.description ? (
                  <Text size="xs" c="dimmed">
                    {w.description}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {w.events.map((e) => (
                    <Badge key={e} variant="light" tt="none" size="sm">
                      {e}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <WebhookStatus webhook={w} />
              </Table.Td>
              <Table.Td>
                <RowActions name={w.url}>
                  <Menu.Item leftSection={<IconList size={16} />} component={Link} to={String(w.id)}>
                    {t("webhooks.deliveries")}
                  </Menu.Item>
                  {canEdit ? (
                    <>
                      <Menu.Item leftSection={<IconSend size={16} />} onClick={() => void ping(w)}>
                        {t("webhooks.ping")}
                      </Menu.Item>
                      <Menu.Item leftSection={<IconPencil size={16} />} onClick={() => setDialog({ webhook: w })}>
                        {t("common.edit")}
                      </Menu.Item>
                    </>
                  ) : null}
                  {canDelete ? (
                    <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => remove(w)}>
                      {t("common.delete")}
                    </Menu.Item>
                  ) : null}
                </RowActions>
              </Table.Td>
            </Table.Tr>
          ))}
        </ListTable>
      </ResourceListPage>
      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={
          <Group gap="xs">
            <IconBroadcast size={18} />
            {dialog?.webhook ? t("webhooks.edit") : t("webhooks.new")}
          </Group>
        }
        size="lg"
        centered
        data-testid="webhook-modal"
      >
        {dialog ? <WebhookForm webhook={dialog.webhook} onClose={() => setDialog(null)} /> : null}
      </Modal>
      {confirmModal}
    </>
  );
}
