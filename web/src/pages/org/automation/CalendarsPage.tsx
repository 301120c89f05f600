import {
  Badge,
  Button,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCalendarOff, IconPlus } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useConfirm } from "../../../components/ConfirmModal";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { FormButtons } from "../../../components/FormButtons";
import { FormError } from "../../../components/feedback";
import { EditDeleteActions, ListTable } from "../../../components/ListTable";
import { ResourceListPage } from "../../../features/automation/FolderResourcePage";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { type Calendar, timeZones, triggersApi } from "../../../features/triggers/api";
import { MonthGrid } from "../../../features/triggers/MonthGrid";
import { useFormErrors } from "../../../lib/errors";
import { useFormSubmit } from "../../../lib/useFormSubmit";

const FIELDS = ["name", "timeZone", "excludedDates"] as const;

function CalendarForm({
  calendar,
  defaultZone,
  onClose,
}: {
  calendar: Calendar | null;
  defaultZone: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => triggersApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const { pending, invalid, run } = useFormSubmit(errors, formRef);
  const [name, setName] = useState(calendar?.name ?? "");
  const [zone, setZone] = useState(calendar?.timeZone ?? defaultZone);
  const [dates, setDates] = useState<string[]>(calendar?.excludedDates ?? []);
  const zones = useMemo(() => timeZones(), []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return invalid({ name: t("validation.required") });
    const body = { name: name.trim(), timeZone: zone, excludedDates: dates };
    await run(async () => {
      if (calendar) await api.updateCalendar(calendar.id, body);
      else await api.createCalendar(body);
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "calendars") });
      notifications.show({ color: "teal", message: t("common.saved") });
      onClose();
    });
  };
  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="calendar-form">
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            name="name"
            label={t("fields.name")}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.fieldErrors.name}
            required
            data-autofocus
          />
          <Select
            name="timeZone"
            label={t("triggers.timeZone")}
            data={zones}
            value={zone}
            onChange={(v) => setZone(v ?? defaultZone)}
            searchable
            allowDeselect={false}
            error={errors.fieldErrors.timeZone}
          />
        </SimpleGrid>
        <Text size="sm" fw={500}>
          {t("triggers.excludedDates")}
        </Text>
        <Text size="xs" c="dimmed">
          {t("triggers.excludedHint")}
        </Text>
        <MonthGrid value={dates} onChange={setDates} />
        <Group gap={4}>
          {dates.map((d) => (
            <Badge key={d} variant="light" color="red" tt="none">
              {d}
            </Badge>
          ))}
        </Group>
        <FormError message={errors.formError ?? errors.fieldErrors.excludedDates ?? null} />
        <FormButtons onCancel={onClose} pending={pending} testId="calendar-submit" gap="md" />
      </Stack>
    </form>
  );
}

/** Non-working-day calendars of the tenant: time triggers that use one skip its excluded days. */
export default function CalendarsPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => triggersApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [dialog, setDialog] = useState<{ calendar: Calendar | null } | null>(null);
  const settings = useQuery({ queryKey: tenantKey(ctx, "settings"), queryFn: api.settings });
  const query = useQuery({ queryKey: tenantKey(ctx, "calendars"), queryFn: api.calendars });
  const canEdit = ctx.canTenant("settings.edit");
  const items = query.data?.items ?? [];
  const newButton = canEdit ? (
    <Button
      leftSection={<IconPlus size={18} />}
      onClick={() => setDialog({ calendar: null })}
      data-testid="new-calendar"
    >
      {t("triggers.newCalendar")}
    </Button>
  ) : null;
  const remove = (c: Calendar) =>
    confirm({
      title: t("triggers.deleteCalendarTitle", { name: c.name }),
      message: t("triggers.deleteCalendarBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await api.removeCalendar(c.id);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "calendars") });
      },
      successMessage: t("triggers.calendarDeleted", { name: c.name }),
    });
  return (
    <>
      <ResourceListPage
        title={t("triggers.calendarsTitle")}
        description={t("triggers.calendarsDescription")}
        actions={newButton}
        query={query}
        isEmpty={items.length === 0}
        empty={
          <EmptyPanel
            icon={<IconCalendarOff size={32} />}
            title={t("triggers.noCalendars")}
            description={t("triggers.noCalendarsHint")}
            action={newButton}
            testId="calendars-empty"
          />
        }
      >
        <ListTable
          minWidth={600}
          testId="calendars-table"
          head={
            <>
              <Table.Th>{t("fields.name")}</Table.Th>
              <Table.Th>{t("triggers.timeZone")}</Table.Th>
              <Table.Th>{t("triggers.excludedDates")}</Table.Th>
              <Table.Th w={60}>
                <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
              </Table.Th>
            </>
          }
        >
          {items.map((c) => (
            <Table.Tr key={c.id} data-testid={`calendar-row-${c.name}`}>
              <Table.Td>
                <Text size="sm" fw={600}>
                  {c.name}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{c.timeZone}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" lineClamp={2}>
                  {c.excludedDates.length ? c.excludedDates.join(", ") : "—"}
                </Text>
              </Table.Td>
              <Table.Td>
                <EditDeleteActions
                  name={c.name}
                  onEdit={canEdit ? () => setDialog({ calendar: c }) : undefined}
                  onDelete={canEdit ? () => remove(c) : undefined}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </ListTable>
      </ResourceListPage>
      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={dialog?.calendar ? dialog.calendar.name : t("triggers.newCalendar")}
        size="lg"
        centered
        data-testid="calendar-modal"
      >
        {dialog ? (
          <CalendarForm
            calendar={dialog.calendar}
            defaultZone={settings.data?.timeZone ?? "UTC"}
            onClose={() => setDialog(null)}
          />
        ) : null}
      </Modal>
      {confirmModal}
    </>
  );
}
