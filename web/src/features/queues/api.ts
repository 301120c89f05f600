import type {
  CommitType,
  QueueItemStatus,
  QueuePriority,
  ReviewStatus,
  SlaColour,
} from "../../../../src/shared/queues";
import { API_BASE, api, type QueryValue, withQuery } from "../../api/client";
import type { Page } from "../../api/types";

/** Queue endpoints of one tenant (`T = /orgs/{org}/tenants/{tenant}`), kept beside the queue pages. */

export interface QueueInput {
  name: string;
  description?: string;
  uniqueReference?: boolean;
  autoRetry?: boolean;
  maxRetries?: number;
  retryAbandoned?: boolean;
  slaMinutes?: number | null;
  riskSlaMinutes?: number | null;
  specificDataSchema?: Record<string, unknown> | null;
  outputDataSchema?: Record<string, unknown> | null;
  analyticsDataSchema?: Record<string, unknown> | null;
  processId?: number | null;
}

export interface Queue extends Required<Omit<QueueInput, "description">> {
  id: number;
  key: string;
  folderId: number;
  description: string;
  createdAt: string;
  updatedAt: string;
  counts: Record<QueueItemStatus, number>;
  averageProcessingSeconds: number | null;
  slaColour: SlaColour;
}

export interface QueueItem {
  id: number;
  key: string;
  queueId: number;
  status: QueueItemStatus;
  reviewStatus: ReviewStatus;
  reviewerUserId: number | null;
  priority: QueuePriority;
  reference: string | null;
  specificContent: Record<string, unknown>;
  output: Record<string, unknown> | null;
  analytics: Record<string, unknown> | null;
  progress: string | null;
  deferDate: string | null;
  dueDate: string | null;
  riskSlaDate: string | null;
  exception: { type: "business" | "application"; reason: string | null; details: string | null } | null;
  retryNumber: number;
  ancestorId: number | null;
  manualRetryNumber: number;
  creatorJobId: number | null;
  executorJobId: number | null;
  machineId: number | null;
  createdBy: string;
  startedAt: string | null;
  endedAt: string | null;
  createdAt: string;
}

export interface QueueItemDetail extends QueueItem {
  history: {
    id: number;
    action: string;
    status: QueueItemStatus;
    actor: { kind: string; name: string };
    detail: string | null;
    at: string;
  }[];
  retryChain: {
    id: number;
    status: QueueItemStatus;
    retryNumber: number;
    manualRetryNumber: number;
    createdAt: string;
  }[];
}

export interface NewQueueItem {
  specificContent: Record<string, unknown>;
  reference?: string;
  priority?: QueuePriority;
  deferDate?: string;
  dueDate?: string;
}

export interface BulkResult {
  added: number;
  failedItems: { ordinal: number; row?: number; type: string; detail: string }[];
}

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
