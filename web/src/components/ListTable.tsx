import { ActionIcon, Menu, Table, VisuallyHidden } from "@mantine/core";
import { IconDots, IconPencil, IconTrash } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** The table of a list page: scrolls sideways below `minWidth`; `actionsColumn` adds the narrow unlabelled last column. */
export function ListTable({
  minWidth,
  testId,
  head,
  actionsColumn = false,
  busy = false,
  children,
}: {
  minWidth: number;
  testId: string;
  head: ReactNode;
  actionsColumn?: boolean;
  /** The rows shown are the previous search's or sort's while the new ones load. */
  busy?: boolean;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table highlightOnHover className="dirigent-table" aria-busy={busy} data-testid={testId}>
        <Table.Thead>
          <Table.Tr>
            {head}
            {actionsColumn ? (
              <Table.Th w={56}>
                <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
              </Table.Th>
            ) : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The "…" menu of a table row; `name` tells screen readers whose actions the menu holds, `children` are its items. */
export function RowActions({ name, children }: { name: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon
          variant="subtle"
          color="gray"
          aria-label={t("common.actionsFor", { name })}
          data-testid="row-actions"
        >
          <IconDots size={18} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>{children}</Menu.Dropdown>
    </Menu>
  );
}

/**
 * A row's "…" menu with its usual items: `children` first, then Edit and Delete, each shown only
 * when its handler is given; no menu at all when neither is.
 */
export function EditDeleteActions({
  name,
  onEdit,
  onDelete,
  children,
}: {
  name: string;
  onEdit?: () => void;
  onDelete?: () => void;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  if (!onEdit && !onDelete) return null;
  return (
    <RowActions name={name}>
      {children}
      {onEdit ? (
        <Menu.Item leftSection={<IconPencil size={16} />} onClick={onEdit} data-testid="edit">
          {t("common.edit")}
        </Menu.Item>
      ) : null}
      {onDelete ? (
        <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={onDelete} data-testid="delete">
          {t("common.delete")}
        </Menu.Item>
      ) : null}
    </RowActions>
  );
}
