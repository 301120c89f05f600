import type { NewQueueItem, Queue, QueueInput, QueueItem, QueueItemDetail } from "../../../../src/shared/api/queues";
import type { CommitType, QueueItemStatus, QueuePriority } from "../../../../src/shared/queues";
import { API_BASE, api, type QueryValue, withQuery } from "../../api/client";
import type { Page } from "../../api/types";

export type {
  BulkResult,
  NewQueueItem,
  Queue,
  QueueInput,
  QueueItem,
  QueueItemDetail,
} from "../../../../src/shared/api/queues";

/** Queue endpoints of one tenant (`T = /orgs/{org}/tenants/{tenant}`), kept beside the queue pages. */

export interface ItemFilters {
  status?: QueueItemStatus | null;
  reference?: string | null;
  priority?: QueuePriority | null;
  sort?: "newest" | "oldest" | null;
}

export function queueApi(T: string) {
  return {
    list: (folderId: number) => api.get<{ items: Queue[] }>(`${T}/folders/${folderId}/queues`),
    get: (id: number) => api.get<Queue>(`${T}/queues/${id}`),
    create: (folderId: number, body: QueueInput) => api.post<Queue>(`${T}/folders/${folderId}/queues`, body),
    update: (id: number, body: Partial<QueueInput>) => api.patch<Queue>(`${T}/queues/${id}`, body),
    remove: (id: number) => api.delete(`${T}/queues/${id}`),
    items: (id: number, filters: ItemFilters, cursor?: string) =>
      api.get<Page<QueueItem>>(
        withQuery(`${T}/queues/${id}/items`, { ...filters, cursor, limit: 50 } as Record<string, QueryValue>),
      ),
    item: (id: number) => api.get<QueueItemDetail>(`${T}/queue-items/${id}`),
    addItem: (queueId: number, body: NewQueueItem) => api.post<QueueItem>(`${T}/queues/${queueId}/items`, body),
    deleteItem: (id: number) => api.delete<QueueItem>(`${T}/queue-items/${id}`),
    retryItem: (id: number) => api.post<QueueItem>(`${T}/queue-items/${id}/retry`),
    exportUrl: (id: number, filters: ItemFilters) =>
      `${API_BASE}${withQuery(`${T}/queues/${id}/items.csv`, filters as Record<string, QueryValue>)}`,
    uploadUrl: (id: number, commitType: CommitType) =>
      `${API_BASE}${withQuery(`${T}/queues/${id}/items/upload`, { commitType })}`,
  };
}
