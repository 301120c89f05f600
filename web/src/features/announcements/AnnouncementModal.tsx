import { Badge, Button, Group, Modal, MultiSelect, Radio, Stack, Tabs, Text, Textarea, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconEye } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { Announcement, AnnouncementInput, AnnouncementKind, Organization } from "../../api/types";
import { FormError } from "../../components/feedback";
import { SegmentedField } from "../../components/SegmentedField";
import { type FieldErrors, focusFirstInvalid, useFormErrors } from "../../lib/errors";
import { useOpenKey } from "../../lib/useOpenKey";

const FIELDS = ["kind", "subjectEn", "bodyEn", "subjectDe", "bodyDe", "orgIds"] as const;

/** Every organization, page by page (the target picker must offer all of them). */
export async function allOrganizations(): Promise<Organization[]> {
  const all: Organization[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await hostApi.organizations({ cursor });
    all.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return all;
}

function AnnouncementForm({
  announcement,
  onClose,
  onPreview,
}: {
  announcement: Announcement | null;
  onClose: () => void;
  onPreview: (saved: Announcement) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const [kind, setKind] = useState<AnnouncementKind>(announcement?.kind ?? "product-update");
  const [subjectEn, setSubjectEn] = useState(announcement?.subjectEn ?? "");
  const [bodyEn, setBodyEn] = useState(announcement?.bodyEn ?? "");
  const [subjectDe, setSubjectDe] = useState(announcement?.subjectDe ?? "");
  const [bodyDe, setBodyDe] = useState(announcement?.bodyDe ?? "");
  const [target, setTarget] = useState<"all" | "chosen">(announcement?.orgIds ? "chosen" : "all");
  const [orgIds, setOrgIds] = useState<string[]>((announcement?.orgIds ?? []).map(String));
  const [tab, setTab] = useState<string | null>("en");
  const [pending, setPending] = useState<"save" | "preview" | null>(null);
  const orgs = useQuery({ queryKey: ["host", "organizations", "all"], queryFn: allOrganizations });

  const showErrors = (placed: FieldErrors) => {
    // Open the language tab that holds the first error.
    if (!placed.subjectEn && !placed.bodyEn && (placed.subjectDe || placed.bodyDe)) setTab("de");
    else if (placed.subjectEn || placed.bodyEn) setTab("en");
    window.setTimeout(() => focusFirstInvalid(formRef.current, placed), 0);
  };

  const save = async (then: "close" | "preview") => {
    const local: FieldErrors = {};
    const required = t("validation.required");
    if (!subjectEn.trim()) local.subjectEn = required;
    if (!bodyEn.trim()) local.bodyEn = required;
    if (!subjectDe.trim()) local.subjectDe = required;
    if (!bodyDe.trim()) local.bodyDe = required;
    if (target === "chosen" && orgIds.length === 0) local.orgIds = t("announcements.chooseAtLeastOne");
    if (Object.keys(local).length > 0) {
      errors.setFormError(null);
      errors.setFieldErrors(local);
      showErrors(local);
      return;
    }
    errors.clear();
    setPending(then === "close" ? "save" : "preview");
    const body: AnnouncementInput = {
      kind,
      subjectEn: subjectEn.trim(),
      bodyEn,
      subjectDe: subjectDe.trim(),
      bodyDe,
      orgIds: target === "all" ? null : orgIds.map(Number),
    };
    try {
      const saved = announcement
        ? await hostApi.updateAnnouncement(announcement.id, body)
        : await hostApi.createAnnouncement(body);
      await queryClient.invalidateQueries({ queryKey: ["host", "announcements"] });
      notifications.show({ color: "teal", message: t("announcements.saved") });
      onClose();
      if (then === "preview") onPreview(saved);
    } catch (error) {
      showErrors(errors.show(error));
    } finally {
      setPending(null);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save("close");
  };

  const fe = errors.fieldErrors;
  const tabError = (lang: "En" | "De") => Boolean(fe[`subject${lang}`] || fe[`body${lang}`]);

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="announcement-form">
      <Stack gap="md">
        <SegmentedField<AnnouncementKind>
          name="kind"
          label={t("announcements.kind")}
          value={kind}
          onChange={setKind}
          error={fe.kind}
          data={[
            { value: "product-update", label: t("announcements.kinds.product-update") },
            { value: "planned-maintenance", label: t("announcements.kinds.planned-maintenance") },
          ]}
          testId="announcement-kind"
        />
        <Tabs value={tab} onChange={setTab} keepMounted>
          <Tabs.List>
            <Tabs.Tab
              value="en"
              data-testid="announcement-tab-en"
              rightSection={
                tabError("En") ? (
                  <Badge color="red" size="xs" circle>
                    !
                  </Badge>
                ) : null
              }
            >
              English
            </Tabs.Tab>
            <Tabs.Tab
              value="de"
              data-testid="announcement-tab-de"
              rightSection={
                tabError("De") ? (
                  <Badge color="red" size="xs" circle>
                    !
                  </Badge>
                ) : null
              }
            >
              Deutsch
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="en" pt="md">
            <Stack gap="md" lang="en">
              <TextInput
                name="subjectEn"
                label={t("announcements.subject")}
                value={subjectEn}
                onChange={(e) => {
                  setSubjectEn(e.currentTarget.value);
                  errors.clearField("subjectEn");
                }}
                error={fe.subjectEn}
                maxLength={200}
                required
              />
              <Textarea
                name="bodyEn"
                label={t("announcements.body")}
                description={t("announcements.bodyHint")}
                value={bodyEn}
                onChange={(e) => {
                  setBodyEn(e.currentTarget.value);
                  errors.clearField("bodyEn");
                }}
                error={fe.bodyEn}
                autosize
                minRows={6}
                maxRows={16}
                required
              />
            </Stack>
          </Tabs.Panel>
          <Tabs.Panel value="de" pt="md">
            <Stack gap="md" lang="de">
              <TextInput
                name="subjectDe"
                label={t("announcements.subject")}
                value={subjectDe}
                onChange={(e) => {
                  setSubjectDe(e.currentTarget.value);
                  errors.clearField("subjectDe");
                }}
                error={fe.subjectDe}
                maxLength={200}
                required
              />
              <Textarea
                name="bodyDe"
                label={t("announcements.body")}
                description={t("announcements.bodyHint")}
                value={bodyDe}
                onChange={(e) => {
                  setBodyDe(e.currentTarget.value);
                  errors.clearField("bodyDe");
                }}
                error={fe.bodyDe}
                autosize
                minRows={6}
                maxRows={16}
                required
              />
            </Stack>
          </Tabs.Panel>
        </Tabs>
        <Radio.Group
          label={t("announcements.recipients")}
          description={t("announcements.recipientsHint")}
          value={target}
          onChange={(value) => {
            setTarget(value === "chosen" ? "chosen" : "all");
            errors.clearField("orgIds");
          }}
        >
          <Group mt="xs" gap="lg">
            <Radio value="all" label={t("announcements.allOrganizations")} data-testid="announcement-target-all" />
            <Radio
              value="chosen"
              label={t("announcements.chosenOrganizations")}
              data-testid="announcement-target-chosen"
            />
          </Group>
        </Radio.Group>
        {target === "chosen" ? (
          <MultiSelect
            name="orgIds"
            label={t("announcements.organizations")}
            placeholder={orgIds.length === 0 ? t("announcements.pickOrganizations") : undefined}
            data={(orgs.data ?? []).map((o) => ({ value: String(o.id), label: `${o.name} (${o.slug})` }))}
            value={orgIds}
            onChange={(value) => {
              setOrgIds(value);
              errors.clearField("orgIds");
            }}
            error={fe.orgIds}
            searchable
            clearable
            nothingFoundMessage={t("common.nothingFound")}
            comboboxProps={{ withinPortal: true }}
            data-testid="announcement-orgs"
          />
        ) : null}
        <FormError message={errors.formError} />
        <Group justify="space-between" gap="sm">
          <Text size="xs" c="dimmed">
            {t("announcements.draftHint")}
          </Text>
          <Group gap="sm">
            <Button variant="default" onClick={onClose} disabled={pending !== null}>
              {t("common.cancel")}
            </Button>
            <Button
              variant="light"
              leftSection={<IconEye size={18} />}
              loading={pending === "preview"}
              disabled={pending === "save"}
              onClick={() => void save("preview")}
              data-testid="announcement-save-preview"
            >
              {t("announcements.saveAndPreview")}
            </Button>
            <Button
              type="submit"
              loading={pending === "save"}
              disabled={pending === "preview"}
              data-testid="announcement-save"
            >
              {t("announcements.saveDraft")}
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  );
}

export function AnnouncementModal({
  announcement,
  opened,
  onClose,
  onPreview,
}: {
  announcement: Announcement | null;
  opened: boolean;
  onClose: () => void;
  onPreview: (saved: Announcement) => void;
}) {
  const { t } = useTranslation();
  const key = useOpenKey(opened);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size="xl"
      centered
      title={announcement ? t("announcements.editTitle") : t("announcements.new")}
    >
      <AnnouncementForm key={key} announcement={announcement} onClose={onClose} onPreview={onPreview} />
    </Modal>
  );
}
