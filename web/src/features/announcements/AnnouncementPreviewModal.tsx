import { Badge, Button, Group, Modal, Paper, SegmentedControl, Stack, Text } from "@mantine/core";
import { IconSend } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { Announcement, Locale } from "../../api/types";
import { PageLoader, QueryError } from "../../components/feedback";
import { currentLocale } from "../../i18n";
import { useFormat } from "../../lib/format";
import { EmailPreviewFrame } from "../email/OutboxView";

/** The announcement e-mail as recipients of each language see it; drafts can be sent from here. */
export function AnnouncementPreviewModal({
  announcement,
  opened,
  onClose,
  onSend,
  targetLabel,
}: {
  announcement: Announcement | null;
  opened: boolean;
  onClose: () => void;
  onSend: (announcement: Announcement) => void;
  targetLabel: (announcement: Announcement) => string;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const [locale, setLocale] = useState<Locale>(currentLocale);
  const preview = useQuery({
    queryKey: ["host", "announcements", announcement?.id, "preview", locale],
    queryFn: () => hostApi.previewAnnouncement((announcement as Announcement).id, locale),
    enabled: opened && announcement !== null,
  });

  return (
    <Modal opened={opened} onClose={onClose} size={820} centered title={t("announcements.previewTitle")}>
      {announcement ? (
        <Stack gap="md" data-testid="announcement-preview">
          <Group justify="space-between" wrap="wrap">
            <SegmentedControl
              value={locale}
              onChange={(value) => setLocale(value === "de" ? "de" : "en")}
              data={[
                { value: "en", label: "English" },
                { value: "de", label: "Deutsch" },
              ]}
              data-testid="announcement-preview-locale"
            />
            <Group gap="xs">
              <Badge variant="light" color={announcement.sentAt ? "teal" : "gray"}>
                {announcement.sentAt ? t("announcements.sent") : t("announcements.draft")}
              </Badge>
              <Text size="sm" c="dimmed">
                {targetLabel(announcement)}
              </Text>
            </Group>
          </Group>
          {preview.isPending ? <PageLoader /> : null}
          {preview.isError ? <QueryError error={preview.error} onRetry={() => void preview.refetch()} /> : null}
          {preview.data ? (
            <>
              <Paper withBorder radius="md" px="md" py="sm">
                <Text size="xs" c="dimmed" fw={600}>
                  {t("email.outbox.subject")}
                </Text>
                <Text fw={600} data-testid="announcement-preview-subject">
                  {preview.data.subject}
                </Text>
              </Paper>
              <EmailPreviewFrame html={preview.data.html} title={preview.data.subject} height={400} />
            </>
          ) : null}
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              {announcement.sentAt
                ? t("announcements.sentOn", {
                    date: format.dateTime(announcement.sentAt),
                    count: announcement.recipientCount ?? 0,
                  })
                : t("announcements.previewHint")}
            </Text>
            <Group gap="sm">
              <Button variant="default" onClick={onClose}>
                {t("common.close")}
              </Button>
              {announcement.sentAt ? null : (
                <Button
                  leftSection={<IconSend size={18} />}
                  onClick={() => onSend(announcement)}
                  data-testid="announcement-preview-send"
                >
                  {t("announcements.send")}
                </Button>
              )}
            </Group>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}
