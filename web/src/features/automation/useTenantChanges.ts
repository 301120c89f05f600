import { type Query, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { API_BASE } from "../../api/client";
import type { TenantApi } from "../../api/endpoints";

/** What the server's change feed names (src/services/changes/tenant-changes.ts). */
type ChangeKind = "jobs" | "machines" | "queues" | "triggers" | "webhooks";

interface TenantChange {
  kind: ChangeKind;
  folderId: number | null;
  ids?: number[];
}

/** The query-key parts (after the tenant's) each kind refreshes: its lists and detail pages. */
const keysOf: Record<ChangeKind, string[]> = {
  jobs: ["jobs"],
  machines: ["machines"],
  queues: ["queues", "queue-item"],
  triggers: ["triggers"],
  webhooks: ["webhooks"],
};

/** The slow safety refresh of the live pages: the feed is best effort, a lost notice costs at most this. */
export const liveSafetyRefetchMs = 60_000;

/**
 * One server-sent-events stream per tenant (`GET …/tenants/{tenant}/changes`), opened by the
 * tenant layout for all its pages: each notice marks the matching TanStack queries stale, and the
 * ones on screen read again — the pages do not poll. Notices arriving together are applied
 * together; a detail page (`…, "detail", id`) reads again only when its id was named. After a
 * reconnect (`ready` again; the browser reconnects by itself, the server ends a stream every
 * 15 minutes) everything live reads again, since notices may have been missed meanwhile.
 */
export function useTenantChanges(api: Pick<TenantApi, "base" | "key">): void {
  const queryClient = useQueryClient();
  const { base: path, key } = api;
  useEffect(() => {
    const base: unknown[] = [...key];
    const pending = new Map<ChangeKind, Set<number> | null>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    let connected = false;

    const flush = () => {
      timer = null;
      const changes = [...pending];
      pending.clear();
      for (const [kind, ids] of changes)
        for (const part of keysOf[kind])
          void queryClient.invalidateQueries({
            queryKey: [...base, part],
            predicate: (query: Query) => {
              const key = query.queryKey;
              // [...base, part, "detail", id]: only the named ones (all when the notice named none).
              // A detail page addressed otherwise than by id (a job's key) reads again on every notice.
              if (ids && key[base.length + 1] === "detail") {
                const id = Number(key[base.length + 2]);
                return Number.isNaN(id) || ids.has(id);
              }
              return true;
            },
          });
    };
    const note = (kind: ChangeKind, ids: number[] | undefined) => {
      const known = pending.get(kind);
      if (!ids || known === null) pending.set(kind, null);
      else pending.set(kind, new Set([...(known ?? []), ...ids]));
      timer ??= setTimeout(flush, 50);
    };

    const source = new EventSource(`${API_BASE}${path}/changes`, { withCredentials: true });
    source.addEventListener("ready", () => {
      // The first connection follows the pages' own first reads; a reconnect may have missed notices.
      if (connected) for (const kind of Object.keys(keysOf) as ChangeKind[]) note(kind, undefined);
      connected = true;
    });
    source.addEventListener("change", (event) => {
      const change = JSON.parse((event as MessageEvent<string>).data) as TenantChange;
      if (change.kind in keysOf) note(change.kind, change.ids);
    });
    return () => {
      source.close();
      if (timer) clearTimeout(timer);
    };
  }, [path, key, queryClient]);
}
