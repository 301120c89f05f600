import { Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Folder } from "../../api/types";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { FolderPicker, NoFolders } from "./tenant";

/** What the shell needs to know of the list's query (a `useQuery` or `useCursorList` result). */
export interface ListQueryState {
  isLoading: boolean;
  isError: boolean;
  isSuccess: boolean;
  error: unknown;
  refetch: () => unknown;
}

export interface ResourceListPageProps {
  title: ReactNode;
  description?: ReactNode;
  /** Buttons in the page header (the "New …" button, bulk actions). */
  actions?: ReactNode;
  query: ListQueryState;
  /** Overrides `query.isLoading` for pages that show the loader while the query is pending. */
  loading?: boolean;
  /** Whether the user may see the list; when not, the panel says so instead of showing `toolbar`. */
  canView?: boolean;
  /** True when the query answered with no rows: `empty` shows instead of `children`. */
  isEmpty: boolean;
  /** The empty state (usually an `EmptyPanel` with the button that creates the first one). */
  empty: ReactNode;
  /** Above the list, for users who may see it (a search field). */
  toolbar?: ReactNode;
  /** Below the list (a "load more" button). */
  footer?: ReactNode;
  /** The list itself, shown when there are rows. */
  children: ReactNode;
}

/**
 * The shell of a list page: header with its actions, and a panel that shows the missing
 * permission, the loader, the load error with a retry, the empty state or the list.
 */
export function ResourceListPage({
  title,
  description,
  actions,
  query,
  loading,
  canView = true,
  isEmpty,
  empty,
  toolbar,
  footer,
  children,
}: ResourceListPageProps) {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={title} description={description} actions={actions} />
      <Panel>
        {!canView ? (
          <Text p="md" size="sm" c="dimmed">
            {t("automation.noPermissionHint")}
          </Text>
        ) : (
          toolbar
        )}
        {(loading ?? query.isLoading) ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {canView && query.isSuccess && isEmpty ? empty : null}
        {isEmpty ? null : children}
        {footer}
      </Panel>
    </>
  );
}

/** A list page of one folder's resources: the folder picker comes first among the header's actions. */
export function FolderResourcePage({
  folder,
  onFolderChange,
  actions,
  ...rest
}: ResourceListPageProps & { folder: Folder; onFolderChange: (id: number) => void }) {
  return (
    <ResourceListPage
      {...rest}
      actions={
        <>
          <FolderPicker value={folder} onChange={onFolderChange} />
          {actions}
        </>
      }
    />
  );
}

/** A folder list page in a tenant without folders the user can see: the header and `noFolders`. */
export function NoFolderPage({
  title,
  description,
  noFolders = <NoFolders />,
}: {
  title: ReactNode;
  description?: ReactNode;
  noFolders?: ReactNode;
}) {
  return (
    <>
      <PageHeader title={title} description={description} />
      {noFolders}
    </>
  );
}
