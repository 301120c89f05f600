import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Page } from "../api/types";

/**
 * A `{items, nextCursor}` list read page by page ("Load more"), flattened for tables.
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
  });
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return { ...query, items };
}
