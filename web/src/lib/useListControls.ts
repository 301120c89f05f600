import { useDebouncedValue } from "@mantine/hooks";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";

export interface SortState {
  field: string;
  desc: boolean;
}

export interface ListControls {
  sort: SortState | null;
  /** Sorts by `field`: ascending first, then descending, then back to the list's own order. */
  toggleSort: (field: string) => void;
  /** `?sort=` for the API: `field` or `-field`, undefined for the list's own order. */
  sortParam: string | undefined;
  /** What the search field shows (updated on every key). */
  search: string;
  setSearch: (value: string) => void;
  /** The search text to query with, settled for 300 ms. */
  query: string;
  pageSize: number;
  setPageSize: (size: number) => void;
}

const pageSizes = [25, 50, 100, 200];

/**
 * A list's sort, search and page size, kept in the URL (`sort`, `q`, `size`) so a reload or a
 * shared link shows the same table.
 */
export function useListControls(defaults: { pageSize?: number; search?: boolean } = {}): ListControls {
  const [params, setParams] = useSearchParams();
  const set = useCallback(
    (key: string, value: string | null) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (value) next.set(key, value);
          else next.delete(key);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  const raw = params.get("sort");
  const [search, setSearchText] = useState(params.get("q") ?? "");
  const [query] = useDebouncedValue(search.trim(), 300);
  // Lists with their own search form (the audit log) keep `q` to themselves.
  const syncSearch = defaults.search !== false;
  useEffect(() => {
    if (syncSearch && (params.get("q") ?? "") !== query) set("q", query || null);
  }, [syncSearch, query, params, set]);
  const size = Number(params.get("size"));
  const pageSize = pageSizes.includes(size) ? size : (defaults.pageSize ?? 50);
  return useMemo(() => {
    const sort = raw ? { field: raw.replace(/^-/, ""), desc: raw.startsWith("-") } : null;
    return {
      sort,
      toggleSort: (field: string) => set("sort", sort?.field !== field ? field : sort.desc ? null : `-${field}`),
      sortParam: raw ?? undefined,
      search,
      setSearch: setSearchText,
      query,
      pageSize,
      setPageSize: (n: number) => set("size", String(n)),
    };
  }, [raw, search, query, pageSize, set]);
}

/** The rows picked with the checkboxes; forgets those no longer shown. */
export function useSelection(shownIds: number[]) {
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const key = shownIds.join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the ids shown.
  useEffect(() => {
    setSelected((current) => {
      const shown = new Set(shownIds);
      const kept = [...current].filter((id) => shown.has(id));
      return kept.length === current.size ? current : new Set(kept);
    });
  }, [key]);
  return {
    selected,
    toggle: (id: number) =>
      setSelected((current) => {
        const next = new Set(current);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    setAll: (ids: number[], on: boolean) => setSelected(on ? new Set(ids) : new Set()),
    clear: () => setSelected(new Set()),
  };
}

/**
 * Search, sort and page size applied in the browser, for lists the API returns whole (machines,
 * packages). `text` is what the search looks in; `sortValues` gives each sortable column's value.
 */
export function useClientRows<T>(
  items: T[],
  controls: ListControls,
  options: { text: (item: T) => string; sortValues: Record<string, (item: T) => string | number | null> },
) {
  const [pages, setPages] = useState(1);
  const { query, sort, pageSize } = controls;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the options are stable per page.
  const matching = useMemo(() => {
    const needle = query.toLowerCase();
    const found = needle ? items.filter((item) => options.text(item).toLowerCase().includes(needle)) : items.slice();
    const value = sort ? options.sortValues[sort.field] : undefined;
    if (sort && value) {
      const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
      found.sort((a, b) => {
        const x = value(a);
        const y = value(b);
        const order =
          x === null
            ? 1
            : y === null
              ? -1
              : typeof x === "number" && typeof y === "number"
                ? x - y
                : collator.compare(String(x), String(y));
        return sort.desc ? -order : order;
      });
    }
    return found;
  }, [items, query, sort?.field, sort?.desc]);
  const shown = matching.slice(0, pageSize * pages);
  return {
    rows: shown,
    total: matching.length,
    hasMore: shown.length < matching.length,
    loadMore: () => setPages((p) => p + 1),
  };
}
