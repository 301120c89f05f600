import {
  Badge,
  Button,
  Drawer,
  Group,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  Tooltip,
} from "@mantine/core";
import { IconInbox, IconMailForward, IconRefresh } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import type { EmailEndpoints } from "../../api/endpoints";
import { type OutboxMessage, type OutboxStatus, outboxStatusList } from "../../api/types";
import { useConfirm } from "../../components/ConfirmModal";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { LoadMore } from "../../components/LoadMore";
import { useFormat } from "../../lib/format";
import { useServerText } from "../../lib/serverText";
import { useCursorList } from "../../lib/useCursorList";
import { OutboxStatusBadge, useTemplateLabel } from "./labels";

/**
 * The e-mail outbox of the host (every message) or of one organization: newest first, filtered by
 * status, page by page; a message opens in a drawer with its rendered preview and Resend.
 */
export function OutboxView({
  endpoints,
  initialStatus = null,
}: {
  endpoints: EmailEndpoints;
  initialStatus?: OutboxStatus | null;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const templateLabel = useTemplateLabel();
  const serverText = useServerText();
  const [status, setStatus] = useState<OutboxStatus | null>(initialStatus);
  const [openId, setOpenId] = useState<number | null>(null);
  // Statuses move on their own (queued → sent): the list refreshes while it is on screen.
  const list = useCursorList(
    [...endpoints.key, "outbox", status ?? "all"],
    (cursor) => endpoints.outbox({ status, cursor }),
    { refetchInterval: 4000 },
  );

  return (
    <>
      <Group justify="space-between" mb="md" wrap="wrap" gap="sm">
        <SegmentedControl
          value={status ?? "all"}
          onChange={(value) => setStatus(value === "all" ? null : (value as OutboxStatus))}
          data={[
            { value: "all", label: t("email.outbox.all") },
            ...outboxStatusList.map((s) => ({ value: s, label: t(`email.status.${s}`) })),
          ]}
          aria-label={t("email.outbox.filter")}
          data-testid="outbox-status-filter"
        />
        <Button
          variant="subtle"
          leftSection={<IconRefresh size={16} />}
          onClick={() => void list.refetch()}
          loading={list.isRefetching && !list.isFetchingNextPage}
          data-testid="outbox-refresh"
        >
          {t("email.outbox.refresh")}
        </Button>
      </Group>
      <Panel>
        {list.isPending ? <PageLoader /> : null}
        {list.isError ? <QueryError error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.isSuccess && list.items.length === 0 ? (
          <EmptyPanel
            icon={<IconInbox size={32} />}
            title={status ? t("email.outbox.emptyFiltered") : t("email.outbox.empty")}
            description={status ? undefined : t("email.outbox.emptyBody")}
            testId="outbox-empty"
          />
        ) : null}
        {list.items.length > 0 ? (
          <Table.ScrollContainer minWidth={920}>
            <Table
              highlightOnHover
              className="dirigent-table"
              data-testid="outbox-table"
              styles={{ th: { whiteSpace: "nowrap" } }}
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("email.outbox.created")}</Table.Th>
                  <Table.Th>{t("email.outbox.to")}</Table.Th>
                  <Table.Th>{t("email.outbox.subject")}</Table.Th>
                  <Table.Th>{t("email.outbox.template")}</Table.Th>
                  <Table.Th>{t("fields.status")}</Table.Th>
                  <Table.Th ta="right">{t("email.outbox.attempts")}</Table.Th>
                  <Table.Th>{t("email.outbox.lastError")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.items.map((message) => (
                  <Table.Tr
                    key={message.id}
                    onClick={() => setOpenId(message.id)}
                    style={{ cursor: "pointer" }}
                    data-testid={`outbox-row-${message.id}`}
                    data-to={message.to}
                    data-template={message.template}
                    data-status={message.status}
                  >
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                        {format.date(message.createdAt)}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {format.time(message.createdAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                        {message.to}
                      </Text>
                    </Table.Td>
                    <Table.Td miw={220}>
                      <Text
                        size="sm"
                        fw={500}
                        lineClamp={2}
                        component="button"
                        type="button"
                        onClick={() => setOpenId(message.id)}
                        style={{ background: "none", border: 0, padding: 0, textAlign: "left", cursor: "pointer" }}
                        data-testid="outbox-open"
                      >
                        {message.subject ?? templateLabel(message.template)}
                      </Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      <Badge variant="outline" color="gray" tt="none" fw={500} style={{ minWidth: "max-content" }}>
                        {templateLabel(message.template)}
                      </Badge>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      <OutboxStatusBadge status={message.status} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Text size="sm">{format.number(message.attempts)}</Text>
                    </Table.Td>
                    <Table.Td w={180} maw={200}>
                      {message.lastError ? (
                        <Tooltip label={serverText.outboxError(message.lastError)} multiline w={360} withinPortal>
                          <Text size="xs" c="red.8" lineClamp={2}>
                            {message.lastSmtpCode ? `${message.lastSmtpCode} · ` : ""}
                            {serverText.outboxError(message.lastError)}
                          </Text>
                        </Tooltip>
                      ) : (
                        <Text size="sm" c="dimmed">
                          —
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
        <LoadMore
          hasMore={!!list.hasNextPage}
          loading={list.isFetchingNextPage}
          onLoad={() => void list.fetchNextPage()}
        />
      </Panel>
      <OutboxDrawer endpoints={endpoints} id={openId} onClose={() => setOpenId(null)} />
    </>
  );
}

function OutboxDrawer({
  endpoints,
  id,
  onClose,
}: {
  endpoints: EmailEndpoints;
  id: number | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const templateLabel = useTemplateLabel();
  const serverText = useServerText();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [shownId, setShownId] = useState<number | null>(id);
  // Keep the last message while the drawer slides out.
  if (id !== null && id !== shownId) setShownId(id);
  const query = useQuery({
    queryKey: [...endpoints.key, "outbox", "message", shownId],
    queryFn: () => endpoints.outboxMessage(shownId as number),
    enabled: shownId !== null,
    refetchInterval: (q) => (q.state.data && ["queued", "sending"].includes(q.state.data.status) ? 2000 : false),
  });
  const message = query.data;

  const resend = (m: OutboxMessage) =>
    confirm({
      title: t("email.outbox.resendTitle"),
      message: t("email.outbox.resendBody", { to: m.to }),
      confirmLabel: t("email.outbox.resend"),
      color: "indigo",
      action: async () => {
        await endpoints.resend(m.id);
        await queryClient.invalidateQueries({ queryKey: [...endpoints.key, "outbox"] });
      },
      successMessage: t("email.outbox.resent", { to: m.to }),
    });

  const meta = (label: string, value: ReactNode, testId?: string) => (
    <div data-testid={testId}>
      <Text size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ wordBreak: "break-word" }}>
        {value ?? "—"}
      </Text>
    </div>
  );

  return (
    <>
      <Drawer
        opened={id !== null}
        onClose={onClose}
        position="right"
        size={720}
        title={<Text fw={600}>{t("email.outbox.message")}</Text>}
        data-testid="outbox-drawer"
      >
        {query.isPending && shownId !== null ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {message ? (
          <Stack gap="md" data-testid="outbox-detail" data-status={message.status}>
            <Group justify="space-between" align="flex-start" wrap="nowrap">
              <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
                <Text fw={700} fz="lg" data-testid="outbox-detail-subject">
                  {message.preview.subject}
                </Text>
                <Group gap="xs">
                  <OutboxStatusBadge status={message.status} />
                  <Badge variant="outline" color="gray" tt="none" fw={500}>
                    {templateLabel(message.template)}
                  </Badge>
                  <Badge variant="outline" color="gray">
                    {message.locale.toUpperCase()}
                  </Badge>
                </Group>
              </Stack>
              <Button
                leftSection={<IconMailForward size={18} />}
                onClick={() => resend(message)}
                disabled={message.status === "sending"}
                style={{ flexShrink: 0 }}
                data-testid="outbox-resend"
              >
                {t("email.outbox.resend")}
              </Button>
            </Group>
            <Paper withBorder radius="md" p="md">
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="sm">
                {meta(
                  t("email.outbox.to"),
                  message.toName ? `${message.toName} <${message.to}>` : message.to,
                  "outbox-detail-to",
                )}
                {meta(t("email.outbox.created"), format.dateTimeSeconds(message.createdAt))}
                {meta(t("email.outbox.sentAt"), format.dateTimeSeconds(message.sentAt))}
                {meta(t("email.outbox.attempts"), format.number(message.attempts))}
                {message.status === "queued"
                  ? meta(t("email.outbox.nextAttempt"), format.dateTimeSeconds(message.nextAttemptAt))
                  : null}
                {meta(
                  t("email.outbox.settingsSource"),
                  message.settingsSource === "host"
                    ? t("email.org.sourceHost")
                    : message.settingsSource === "organization"
                      ? t("email.org.sourceOrganization")
                      : null,
                )}
                {meta(t("email.outbox.messageId"), message.messageId ? <code>{message.messageId}</code> : null)}
                {meta(t("email.outbox.smtpCode"), message.lastSmtpCode)}
              </SimpleGrid>
              {message.lastError ? (
                <Paper mt="sm" p="sm" radius="sm" bg="var(--mantine-color-red-0)" data-testid="outbox-detail-error">
                  <Text size="xs" c="red.8" fw={600}>
                    {t("email.outbox.lastError")}
                  </Text>
                  <Text size="sm" c="red.9" style={{ wordBreak: "break-word" }}>
                    {serverText.outboxError(message.lastError)}
                  </Text>
                </Paper>
              ) : null}
            </Paper>
            <Tabs defaultValue="html" keepMounted={false}>
              <Tabs.List>
                <Tabs.Tab value="html" data-testid="outbox-tab-html">
                  {t("email.outbox.htmlVersion")}
                </Tabs.Tab>
                <Tabs.Tab value="text" data-testid="outbox-tab-text">
                  {t("email.outbox.textVersion")}
                </Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="html" pt="sm">
                <EmailPreviewFrame html={message.preview.html} title={message.preview.subject} />
              </Tabs.Panel>
              <Tabs.Panel value="text" pt="sm">
                <Paper withBorder radius="md" p="md" bg="var(--mantine-color-gray-0)">
                  <Text
                    size="sm"
                    ff="monospace"
                    style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}
                    data-testid="outbox-preview-text"
                  >
                    {message.preview.text}
                  </Text>
                </Paper>
              </Tabs.Panel>
            </Tabs>
            <Text size="xs" c="dimmed">
              {t("email.outbox.maskedHint")}
            </Text>
          </Stack>
        ) : null}
      </Drawer>
      {confirmModal}
    </>
  );
}

/**
 * A rendered e-mail in a fully sandboxed iframe (no scripts, no same origin, no forms): the HTML
 * is shown exactly as a mail client would, and cannot touch the app.
 */
export function EmailPreviewFrame({ html, title, height = 520 }: { html: string; title: string; height?: number }) {
  return (
    <iframe
      sandbox=""
      srcDoc={html}
      title={title}
      referrerPolicy="no-referrer"
      style={{
        width: "100%",
        height,
        border: "1px solid var(--mantine-color-default-border)",
        borderRadius: 8,
        background: "#fff",
      }}
      data-testid="email-preview-frame"
    />
  );
}
