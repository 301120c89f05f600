import { Checkbox, CloseButton, Group, Select, Table, Text, TextInput, UnstyledButton } from "@mantine/core";
import { IconArrowDown, IconArrowsSort, IconArrowUp, IconSearch } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { ListControls } from "../lib/useListControls";

/**
 * The parts every list table shares (jobs, users, machines, packages, audit): sortable column
 * headers, a toolbar with search, the total, the page size and the bulk actions of the selected
 * rows, and the selection checkboxes. The state lives in useListControls / useSelection.
 */

/** A column header that sorts by `field` (ascending, then descending) and says how it sorts (`aria-sort`). */
export function SortableTh({
  field,
  controls,
  children,
  w,
}: {
  field: string;
  controls: Pick<ListControls, "sort" | "toggleSort">;
  children: ReactNode;
  w?: number;
}) {
  const { t } = useTranslation();
  const active = controls.sort?.field === field ? controls.sort : null;
  const Icon = active ? (active.desc ? IconArrowDown : IconArrowUp) : IconArrowsSort;
  return (
    <Table.Th
      w={w}
      aria-sort={active ? (active.desc ? "descending" : "ascending") : "none"}
      data-testid={`sort-${field}`}
    >
      <UnstyledButton
        onClick={() => controls.toggleSort(field)}
        aria-label={t("table.sortBy", { column: typeof children === "string" ? children : field })}
        style={{ font: "inherit", fontWeight: "inherit" }}
      >
        <Group gap={4} wrap="nowrap">
          {children}
          <Icon size={14} stroke={1.5} style={{ opacity: active ? 1 : 0.45 }} aria-hidden />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

/**
 * Above a table: the search field, the selected rows' bulk actions, the total ("12 of 40" while
 * pages remain to load) and the page size.
 */
export function TableToolbar({
  controls,
  shown,
  total,
  selected = 0,
  bulkActions,
  searchPlaceholder,
  onClearSelection,
  searchable = true,
}: {
  controls: ListControls;
  /** False for lists that search in their own filter form. */
  searchable?: boolean;
  /** Rows shown now. */
  shown: number;
  /** All rows that match (null: unknown, then `shown` is the total). */
  total: number | null;
  selected?: number;
  bulkActions?: ReactNode;
  searchPlaceholder?: string;
  onClearSelection?: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Group
      justify="space-between"
      px="md"
      py="xs"
      gap="sm"
      style={{ borderBottom: "1px solid var(--mantine-color-default-border)" }}
      data-testid="table-toolbar"
    >
      {searchable ? (
        <TextInput
          size="xs"
          w={260}
          leftSection={<IconSearch size={14} />}
          placeholder={searchPlaceholder ?? t("table.search")}
          aria-label={searchPlaceholder ?? t("table.search")}
          value={controls.search}
          onChange={(e) => controls.setSearch(e.currentTarget.value)}
          rightSection={
            controls.search ? (
              <CloseButton size="xs" aria-label={t("table.clearSearch")} onClick={() => controls.setSearch("")} />
            ) : null
          }
          data-testid="table-search"
        />
      ) : (
        <span />
      )}
      <Group gap="sm">
        {selected > 0 ? (
          <Group gap="xs" data-testid="bulk-actions">
            <Text size="sm" fw={600}>
              {t("table.selected", { count: selected })}
            </Text>
            {bulkActions}
            {onClearSelection ? (
              <CloseButton size="sm" aria-label={t("table.clearSelection")} onClick={onClearSelection} />
            ) : null}
          </Group>
        ) : null}
        <Text size="sm" c="dimmed" data-testid="table-total">
          {total === null || total === shown
            ? t("table.total", { count: shown })
            : t("table.shownOf", { shown, total })}
        </Text>
        <Select
          size="xs"
          w={84}
          aria-label={t("table.pageSize")}
          data={["25", "50", "100", "200"]}
          value={String(controls.pageSize)}
          onChange={(v) => v && controls.setPageSize(Number(v))}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
          data-testid="page-size"
        />
      </Group>
    </Group>
  );
}

/** The header checkbox: selects all selectable rows shown, or none. */
export function SelectAllTh({
  ids,
  selection,
}: {
  ids: number[];
  selection: { selected: Set<number>; setAll: (ids: number[], on: boolean) => void };
}) {
  const { t } = useTranslation();
  const chosen = ids.filter((id) => selection.selected.has(id)).length;
  return (
    <Table.Th w={40}>
      <Checkbox
        size="xs"
        aria-label={t("table.selectAll")}
        checked={ids.length > 0 && chosen === ids.length}
        indeterminate={chosen > 0 && chosen < ids.length}
        disabled={ids.length === 0}
        onChange={(e) => selection.setAll(ids, e.currentTarget.checked)}
        data-testid="select-all"
      />
    </Table.Th>
  );
}

/** A row's checkbox; `disabled` rows (the signed-in user, a finished job) cannot be selected. */
export function SelectTd({
  id,
  label,
  selection,
  disabled = false,
}: {
  id: number;
  label: string;
  selection: { selected: Set<number>; toggle: (id: number) => void };
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Table.Td w={40} onClick={(e) => e.stopPropagation()}>
      <Checkbox
        size="xs"
        aria-label={t("table.select", { name: label })}
        checked={selection.selected.has(id)}
        disabled={disabled}
        onChange={() => selection.toggle(id)}
        data-testid="select-row"
      />
    </Table.Td>
  );
}
