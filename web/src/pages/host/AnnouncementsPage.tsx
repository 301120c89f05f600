import { Badge, Button, Group, Menu, Stack, Table, Text } from "@mantine/core";
import { IconEye, IconPencil, IconPlus, IconSend, IconSpeakerphone, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { Announcement } from "../../api/types";
import { useConfirm } from "../../components/ConfirmModal";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { ListTable, RowActions } from "../../components/ListTable";
import { PageHeader } from "../../components/PageHeader";
import { Time } from "../../components/Time";
import { AnnouncementModal } from "../../features/announcements/AnnouncementModal";
import { AnnouncementPreviewModal } from "../../features/announcements/AnnouncementPreviewModal";

type Dialog = { kind: "edit"; announcement: Announcement | null } | { kind: "preview"; announcement: Announcement };

export default function AnnouncementsPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [dialog, setDialog] = useState<{ value: Dialog; opened: boolean } | null>(null);
  const query = useQuery({ queryKey: ["host", "announcements"], queryFn: hostApi.announcements });
  const items = query.data?.items ?? [];

  const open = (value: Dialog) => setDialog({ value, opened: true });
  const close = () => setDialog((d) => (d ? { ...d, opened: false } : d));
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["host", "announcements"] });

  const targetLabel = (a: Announcement) =>
    a.orgIds === null
      ? t("announcements.allOrganizations")
      : t("announcements.organizationCount", { count: a.orgIds.length });

  const send = (a: Announcement) =>
    confirm({
      title: t("announcements.sendTitle", { subject: a.subjectEn }),
      message: t("announcements.sendBody", { target: targetLabel(a) }),
      confirmLabel: t("announcements.send"),
      color: "indigo",
      action: async () => {
        await hostApi.sendAnnouncement(a.id);
        await refresh();
        await queryClient.invalidateQueries({ queryKey: ["host", "email"] });
        close();
      },
      successMessage: t("announcements.sentMessage"),
    });

  const remove = (a: Announcement) =>
    confirm({
      title: t("announcements.deleteTitle", { subject: a.subjectEn }),
      message: t("announcements.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await hostApi.deleteAnnouncement(a.id);
        await refresh();
      },
      successMessage: t("announcements.deleted"),
    });

  const newButton = (
    <Button
      leftSection={<IconPlus size={18} />}
      onClick={() => open({ kind: "edit", announcement: null })}
      data-testid="new-announcement"
    >
      {t("announcements.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("announcements.title")} description={t("announcements.description")} actions={newButton} />
      <Panel>
        {query.isPending ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {query.isSuccess && items.length === 0 ? (
          <EmptyPanel
            icon={<IconSpeakerphone size={32} />}
            title={t("announcements.empty")}
            description={t("announcements.emptyBody")}
            action={newButton}
            testId="announcements-empty"
          />
        ) : null}
        {items.length > 0 ? (
          <ListTable
            minWidth={900}
            testId="announcements-table"
            actionsColumn
            head={
              <>
                <Table.Th>{t("announcements.subject")}</Table.Th>
                <Table.Th>{t("announcements.kind")}</Table.Th>
                <Table.Th>{t("announcements.recipients")}</Table.Th>
                <Table.Th>{t("fields.status")}</Table.Th>
                <Table.Th>{t("fields.created")}</Table.Th>
              </>
            }
          >
            {items.map((a) => (
              <Table.Tr key={a.id} data-testid={`announcement-row-${a.id}`} data-state={a.sentAt ? "sent" : "draft"}>
                <Table.Td maw={340}>
                  <Stack gap={0}>
                    <Text
                      size="sm"
                      fw={600}
                      lineClamp={1}
                      component="button"
                      type="button"
                      onClick={() => open({ kind: "preview", announcement: a })}
                      style={{ background: "none", border: 0, padding: 0, textAlign: "left", cursor: "pointer" }}
                      data-testid="announcement-subject"
                    >
                      {a.subjectEn}
                    </Text>
                    <Text size="xs" c="dimmed" lineClamp={1} lang="de">
                      {a.subjectDe}
                    </Text>
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Badge
                    variant="light"
                    color={a.kind === "planned-maintenance" ? "orange" : "indigo"}
                    tt="none"
                    fw={500}
                  >
                    {t(`announcements.kinds.${a.kind}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{targetLabel(a)}</Text>
                  {a.sentAt ? (
                    <Text size="xs" c="dimmed" data-testid="announcement-recipient-count">
                      {t("announcements.recipientCount", { count: a.recipientCount ?? 0 })}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  <Stack gap={2} align="flex-start">
                    <Badge
                      variant={a.sentAt ? "filled" : "light"}
                      color={a.sentAt ? "teal" : "gray"}
                      data-testid="announcement-status"
                    >
                      {a.sentAt ? t("announcements.sent") : t("announcements.draft")}
                    </Badge>
                    {a.sentAt ? (
                      <Text size="xs" c="dimmed">
                        <Time value={a.sentAt} />
                      </Text>
                    ) : null}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    <Time value={a.createdAt} />
                  </Text>
                  <Text size="xs" c="dimmed">
                    {a.createdBy}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group justify="flex-end" gap={4} wrap="nowrap">
                    <RowActions name={a.subjectEn}>
                      <Menu.Item
                        leftSection={<IconEye size={16} />}
                        onClick={() => open({ kind: "preview", announcement: a })}
                        data-testid="preview"
                      >
                        {a.sentAt ? t("announcements.view") : t("announcements.preview")}
                      </Menu.Item>
                      {a.sentAt ? null : (
                        <>
                          <Menu.Item
                            leftSection={<IconPencil size={16} />}
                            onClick={() => open({ kind: "edit", announcement: a })}
                            data-testid="edit"
                          >
                            {t("common.edit")}
                          </Menu.Item>
                          <Menu.Item leftSection={<IconSend size={16} />} onClick={() => send(a)} data-testid="send">
                            {t("announcements.send")}
                          </Menu.Item>
                          <Menu.Divider />
                          <Menu.Item
                            color="red"
                            leftSection={<IconTrash size={16} />}
                            onClick={() => remove(a)}
                            data-testid="delete"
                          >
                            {t("common.delete")}
                          </Menu.Item>
                        </>
                      )}
                    </RowActions>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </ListTable>
        ) : null}
      </Panel>
      <AnnouncementModal
        announcement={dialog?.value.kind === "edit" ? dialog.value.announcement : null}
        opened={!!dialog?.opened && dialog.value.kind === "edit"}
        onClose={close}
        onPreview={(saved) => open({ kind: "preview", announcement: saved })}
      />
      <AnnouncementPreviewModal
        announcement={dialog?.value.kind === "preview" ? dialog.value.announcement : null}
        opened={!!dialog?.opened && dialog.value.kind === "preview"}
        onClose={close}
        onSend={send}
        targetLabel={targetLabel}
      />
      {confirmModal}
    </>
  );
}
