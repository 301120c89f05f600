import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Page } from "../api/types";

/**
 * A `{items, nextCursor}` list read page by page ("Load more"), flattened for tables.
 *
 * The last element of `queryKey` holds the list's search, sort and page size: when only that
 * changes, the rows shown stay until the new ones arrive (`isPlaceholderData` meanwhile) instead
 * of the table blinking to a loader — and the rows a user has ticked stay ticked if they are
 * still in the new list. A change anywhere else in the key (another tenant, another folder)
 * starts from a loader, so one list never stands in for another.
 */
export function useCursorList<T>(
  queryKey: readonly unknown[],
  fetchPage: (cursor?: string) => Promise<Page<T>>,
  options: { refetchInterval?: number | false } = {},
) {
  const query = useInfiniteQuery({
    queryKey,
    refetchInterval: options.refetchInterval ?? false,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: (previous, previousQuery) =>
      previousQuery && sameList(previousQuery.queryKey, queryKey) ? previous : undefined,
  });
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return { ...query, items };
}

function sameList(before: readonly unknown[], key: readonly unknown[]): boolean {
  return (
    before.length === key.length &&
    key.slice(0, -1).every((part, i) => JSON.stringify(part) === JSON.stringify(before[i]))
  );
}
