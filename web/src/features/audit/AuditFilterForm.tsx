import { Autocomplete, Button, Grid, Group, Paper, TextInput } from "@mantine/core";
import { IconDownload, IconFilterOff, IconSearch } from "@tabler/icons-react";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { AuditFilters } from "../../api/endpoints";
import { DateTimeInput } from "../../components/DateTimeInput";
import { isoToLocalInput, localInputToIso } from "../../lib/format";

export const FILTER_KEYS = ["q", "actor", "component", "action", "from", "to"] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

/** The filter bar: Enter or "Apply" writes the filters to the URL; the export link follows them. */
export function FilterForm({
  filters,
  components,
  actions,
  onApply,
  onReset,
  active,
  csvHref,
}: {
  filters: AuditFilters;
  components: string[];
  actions: string[];
  onApply: (filters: AuditFilters) => void;
  onReset: () => void;
  active: boolean;
  csvHref: string;
}) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<FilterKey, string>>({
    q: filters.q ?? "",
    actor: filters.actor ?? "",
    component: filters.component ?? "",
    action: filters.action ?? "",
    from: isoToLocalInput(filters.from ?? null),
    to: isoToLocalInput(filters.to ?? null),
  });
  const set = (key: FilterKey) => (value: string) => setValues((v) => ({ ...v, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({
      q: values.q.trim(),
      actor: values.actor.trim(),
      component: values.component.trim(),
      action: values.action.trim(),
      from: localInputToIso(values.from),
      to: localInputToIso(values.to),
    });
  };

  return (
    <Paper withBorder radius="md" p="md">
      <form onSubmit={submit} aria-label={t("audit.filters")} data-testid="audit-filters">
        <Grid gap="sm" align="flex-end">
          <Grid.Col span={{ base: 12, md: 4 }}>
            <TextInput
              name="q"
              label={t("audit.search")}
              placeholder={t("audit.searchPlaceholder")}
              leftSection={<IconSearch size={16} />}
              value={values.q}
              onChange={(e) => set("q")(e.currentTarget.value)}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 4, md: 2 }}>
            <TextInput
              name="actor"
              label={t("audit.actor")}
              value={values.actor}
              onChange={(e) => set("actor")(e.currentTarget.value)}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 4, md: 3 }}>
            <Autocomplete
              name="component"
              label={t("audit.component")}
              data={components}
              value={values.component}
              onChange={set("component")}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 4, md: 3 }}>
            <Autocomplete
              name="action"
              label={t("audit.action")}
              data={actions}
              value={values.action}
              onChange={set("action")}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6, md: 3 }}>
            <DateTimeInput
              name="from"
              kind="datetime-local"
              label={t("audit.from")}
              value={values.from}
              onChange={(v) => set("from")(v)}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6, md: 3 }}>
            <DateTimeInput
              name="to"
              kind="datetime-local"
              label={t("audit.to")}
              value={values.to}
              onChange={(v) => set("to")(v)}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Group justify="flex-end" gap="sm">
              {active ? (
                <Button
                  variant="subtle"
                  color="gray"
                  leftSection={<IconFilterOff size={16} />}
                  onClick={onReset}
                  data-testid="audit-reset"
                >
                  {t("audit.reset")}
                </Button>
              ) : null}
              <Button type="submit" variant="light" leftSection={<IconSearch size={16} />} data-testid="audit-apply">
                {t("audit.apply")}
              </Button>
              <Button
                component="a"
                href={csvHref}
                download
                variant="default"
                leftSection={<IconDownload size={16} />}
                data-testid="audit-export"
              >
                {t("audit.export")}
              </Button>
            </Group>
          </Grid.Col>
        </Grid>
      </form>
    </Paper>
  );
}
