/**
 * Queue item statuses (orchestrator-spec §4.6):
 *
 *   new ──start──▶ inProgress ──result ok──▶ successful
 *    │  ▲              ├──result failed──▶ failed ──(application exception, retries left)──▶ retried + new clone
 *    │  └─postpone─────┤                     └──manual retry──▶ retried + new clone
 *    │                 └──left > abandon period──▶ abandoned ──(retryAbandoned / manual)──▶ retried + new clone
 *    └──delete──▶ deleted
 *
 * Successful, failed, abandoned, retried and deleted are final: the item's data never changes
 * again (only its review status, on failed and abandoned items, and failed/abandoned → retried).
 */
export const QueueItemStatus = {
  new: "new",
  inProgress: "inProgress",
  failed: "failed",
  successful: "successful",
  abandoned: "abandoned",
  retried: "retried",
  deleted: "deleted",
} as const;
export type QueueItemStatus = (typeof QueueItemStatus)[keyof typeof QueueItemStatus];
export const queueItemStatuses = Object.values(QueueItemStatus);

export const queueItemTransitions: Readonly<Record<QueueItemStatus, readonly QueueItemStatus[]>> = {
  new: ["inProgress", "deleted"],
  inProgress: ["successful", "failed", "abandoned", "new"],
  failed: ["retried"],
  abandoned: ["retried"],
  successful: [],
  retried: [],
  deleted: [],
};

export const finalQueueItemStatuses: readonly QueueItemStatus[] = [
  QueueItemStatus.successful,
  QueueItemStatus.failed,
  QueueItemStatus.abandoned,
  QueueItemStatus.retried,
  QueueItemStatus.deleted,
];

/** Final statuses are immutable: no result, progress or edit changes such an item. */
export function isFinalQueueItemStatus(status: QueueItemStatus): boolean {
  return finalQueueItemStatuses.includes(status);
}

export function canMoveQueueItem(from: QueueItemStatus, to: QueueItemStatus): boolean {
  return queueItemTransitions[from].includes(to);
}

/** Statuses whose reference counts for a unique-reference queue (deleted and retried are exempt). */
export const referenceHoldingStatuses: readonly QueueItemStatus[] = [
  QueueItemStatus.new,
  QueueItemStatus.inProgress,
  QueueItemStatus.failed,
  QueueItemStatus.successful,
  QueueItemStatus.abandoned,
];

/** Review statuses, for failed and abandoned items only: none → inReview → verified | retried. */
export const ReviewStatus = { none: "none", inReview: "inReview", verified: "verified", retried: "retried" } as const;
export type ReviewStatus = (typeof ReviewStatus)[keyof typeof ReviewStatus];
export const reviewStatuses = Object.values(ReviewStatus);

export const reviewTransitions: Readonly<Record<ReviewStatus, readonly ReviewStatus[]>> = {
  none: ["inReview", "verified", "retried"],
  inReview: ["none", "verified", "retried"],
  verified: ["inReview"],
  retried: [],
};

export function canReview(status: QueueItemStatus): boolean {
  return status === QueueItemStatus.failed || status === QueueItemStatus.abandoned;
}

export const queuePriorities = ["high", "normal", "low"] as const;
export type QueuePriority = (typeof queuePriorities)[number];
/** Stored rank of a priority: the claim orders by it ascending (high first). */
export const priorityRank: Readonly<Record<QueuePriority, number>> = { high: 0, normal: 1, low: 2 };
export const priorityOfRank = (rank: number): QueuePriority => queuePriorities[rank] ?? "normal";

export const exceptionTypes = ["business", "application"] as const;
export type ExceptionType = (typeof exceptionTypes)[number];

export const commitTypes = ["allOrNothing", "stopOnFirstFailure", "processAllIndependently"] as const;
export type CommitType = (typeof commitTypes)[number];

/** What happened to an item, in its history. */
export const queueItemEventActions = [
  "created",
  "started",
  "progress",
  "result",
  "postponed",
  "abandoned",
  "retry",
  "delete",
  "review",
  "edited",
] as const;
export type QueueItemEventAction = (typeof queueItemEventActions)[number];

/** A queue's SLA colour (spec §4.6): grey = SLA off or nothing measured, else green / orange / red. */
export const slaColours = ["grey", "green", "orange", "red"] as const;
export type SlaColour = (typeof slaColours)[number];

/** Limits of the model. */
export const queueLimits = {
  nameLength: 50,
  descriptionLength: 250,
  referenceLength: 128,
  progressLength: 10_000,
  reasonLength: 2_000,
  detailsLength: 50_000,
  maxRetries: 50,
  /** Largest specific content, output or analytics object, as JSON bytes. */
  contentBytes: 1024 * 1024,
  /** Largest JSON Schema of a queue, as JSON bytes. */
  schemaBytes: 256 * 1024,
  bulkItems: 15_000,
} as const;

export const defaultAbandonHours = 24;

/** An ISO date or date-time (with offset, or UTC when none) as ISO UTC; null when invalid. */
export function parseDate(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
    text.trim(),
  );
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  const iso = m[4] ? `${text.trim().replace(" ", "T")}${m[7] ? "" : "Z"}` : `${m[0]}T00:00:00Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || Number(m[4] ?? 0) > 23 || Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59) return null;
  return new Date(ms).toISOString();
}
