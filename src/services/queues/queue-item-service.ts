import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { BulkResult } from "../../shared/api/queues.js";
import { ProblemType } from "../../shared/problem-types.js";
import {
  type CommitType,
  canReview,
  priorityRank,
  QueueItemStatus,
  type QueuePriority,
  ReviewStatus,
  referenceHoldingStatuses,
} from "../../shared/queues.js";
import type { Db } from "../../storage/database.js";
import type { QueueItemRow, QueueRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { Page, ServiceContext } from "../context.js";
import { moveItem, retryItem } from "./queue-item-ops.js";
import { checkItem, duplicateAsConflict, insertItems, type NewItem } from "./queue-item-writes.js";
import {
  itemEvent,
  noDueDate,
  noteItem,
  presentItem,
  type QueueCaller,
  type QueueItem,
  type SchemaCache,
} from "./queue-model.js";
import type { QueueService } from "./queue-service.js";

export type { NewItem } from "./queue-item-writes.js";

/** What an edit of a `new` item may change; absent = unchanged, null = cleared. */
export interface ItemChanges {
  specificContent?: Record<string, unknown> | undefined;
  reference?: string | null | undefined;
  priority?: QueuePriority | undefined;
  deferDate?: string | null | undefined;
  dueDate?: string | null | undefined;
}

export type { BulkResult };

export interface ItemFilter {
  status?: QueueItemStatus | undefined;
  reference?: string | undefined;
  priority?: QueuePriority | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** `newest` first (the default) or `oldest` first; the cursor pages in that direction. */
  sort?: "newest" | "oldest" | undefined;
}

export interface ItemEvent {
  id: number;
  action: string;
  status: QueueItemStatus;
  actor: { kind: string; name: string };
  detail: string | null;
  at: string;
}

/** Rows per multi-row INSERT (SQLite allows 32,766 parameters; an item has ~25 columns). */
const insertChunk = 500;

/**
 * Queue items: adding (one, bulk with the three commit types, CSV), reading with history and
 * retry chain, deleting new items, manual retry, review, CSV export.
 */
export class QueueItemService {
  private addedListeners: ((queueId: number) => void)[] = [];

  constructor(
    private readonly ctx: ServiceContext,
    private readonly queues: QueueService,
    private readonly schemas: SchemaCache,
  ) {}

  /** Called after items were added to a queue (queue triggers evaluate it at once). */
  onAdded(listener: (queueId: number) => void): void {
    this.addedListeners.push(listener);
  }

  private added(queueId: number): void {
    for (const l of this.addedListeners) l(queueId);
  }

  /** Adds one item; 409 `duplicate-reference` on a unique queue, 400 naming schema violations. */
  async add(caller: QueueCaller, access: TenantAccess, queue: QueueRow | number, input: NewItem): Promise<QueueItem> {
    const q = typeof queue === "number" ? await this.queues.find(this.ctx.db, access, queue, "queues.edit") : queue;
    // A queue found by name (only `queues.view` checked) still needs `queues.edit` to take items.
    access.assertFolder(q.folder_id, "queues.edit");
    const errors = checkItem(this.schemas, q, input, "");
    if (errors.length > 0) throw new ValidationError(errors);
    const now = isoNow(this.ctx.clock);
    const row = await duplicateAsConflict(this.ctx, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const [inserted] = await insertItems(this.ctx, tx, q, caller, [input], now);
        return inserted as QueueItemRow;
      }),
    );
    this.added(q.id);
    return presentItem(row);
  }

  /**
   * Adds up to 15,000 items. `allOrNothing`: one invalid item adds none; `stopOnFirstFailure`:
   * the items before the first invalid one; `processAllIndependently`: every valid item. Items
   * are checked (content, schema, references in the batch and in the queue) before one
   * transaction inserts what the commit type allows.
   */
  async addMany(
    caller: QueueCaller,
    access: TenantAccess,
    queueId: number,
    commitType: CommitType,
    items: NewItem[],
  ): Promise<BulkResult> {
    const q = await this.queues.find(this.ctx.db, access, queueId, "queues.edit");
    const failed: BulkResult["failedItems"] = [];
    items.forEach((item, ordinal) => {
      const errors = checkItem(this.schemas, q, item, `items.${ordinal}.`);
      if (errors.length > 0)
        failed.push({
          ordinal,
          type: ProblemType.validationFailed,
          detail: errors.map((e) => `${e.path} ${e.message}`).join("; "),
          errors,
        });
    });
    if (q.unique_reference === 1) {
      const seen = new Set<string>();
      const taken = await this.takenReferences(
        q.id,
        items.map((i) => i.reference).filter((r): r is string => r !== undefined),
      );
      items.forEach((item, ordinal) => {
        if (item.reference === undefined) return;
        if (seen.has(item.reference) || taken.has(item.reference))
          failed.push({
            ordinal,
            type: ProblemType.duplicateReference,
            detail: `The reference "${item.reference}" is already in the queue.`,
          });
        seen.add(item.reference);
      });
    }
    failed.sort((a, b) => a.ordinal - b.ordinal);
    const failedOrdinals = new Set(failed.map((f) => f.ordinal));
    const firstFailure = failed[0]?.ordinal ?? items.length;
    const accepted =
      commitType === "allOrNothing"
        ? failed.length > 0
          ? []
          : items
        : commitType === "stopOnFirstFailure"
          ? items.slice(0, firstFailure)
          : items.filter((_, i) => !failedOrdinals.has(i));
    if (accepted.length > 0) {
      const now = isoNow(this.ctx.clock);
      await duplicateAsConflict(this.ctx, () =>
        this.ctx.db.transaction().execute(async (tx) => {
          for (let i = 0; i < accepted.length; i += insertChunk)
            await insertItems(this.ctx, tx, q, caller, accepted.slice(i, i + insertChunk), now);
        }),
      );
      this.added(q.id);
    }
    return { added: accepted.length, failedItems: failed };
  }

  async list(access: TenantAccess, queueId: number, filter: ItemFilter, limit: number, cursor?: number) {
    const q = await this.queues.find(this.ctx.db, access, queueId, "queues.view");
    let query = this.ctx.db
      .selectFrom("queue_items")
      .selectAll()
      .where("queue_id", "=", q.id)
      .orderBy("id", filter.sort === "oldest" ? "asc" : "desc")
      .limit(limit + 1);
    if (filter.status) query = query.where("status", "=", filter.status);
    if (filter.priority) query = query.where("priority", "=", priorityRank[filter.priority]);
    if (filter.reference)
      query = query.where((w) =>
        w(w.fn("substr", ["reference", w.lit(1), w.val(filter.reference?.length ?? 0)]), "=", filter.reference ?? ""),
      );
    if (filter.from) query = query.where("created_at", ">=", filter.from);
    if (filter.to) query = query.where("created_at", "<=", filter.to);
    if (cursor !== undefined) query = query.where("id", filter.sort === "oldest" ? ">" : "<", cursor);
    const rows = await query.execute();
    const items = rows.slice(0, limit);
    const page: Page<QueueItem> = {
      items: items.map(presentItem),
      nextCursor: rows.length > limit ? String(items.at(-1)?.id) : null,
    };
    return page;
  }

  /** One item with its history and its retry chain (every item with its key, oldest first). */
  async get(access: TenantAccess, id: number) {
    const row = await this.find(this.ctx.db, access, id, "queues.view");
    const [events, chain] = await Promise.all([
      this.ctx.db.selectFrom("queue_item_events").selectAll().where("item_id", "=", row.id).orderBy("id").execute(),
      this.ctx.db
        .selectFrom("queue_items")
        .select(["id", "status", "retry_number", "manual_retry_number", "ancestor_id", "created_at"])
        .where("key", "=", row.key)
        .where("queue_id", "=", row.queue_id)
        .orderBy("id")
        .execute(),
    ]);
    return {
      ...presentItem(row),
      history: events.map(
        (e): ItemEvent => ({
          id: e.id,
          action: e.action,
          status: e.status,
          actor: { kind: e.actor_kind, name: e.actor_name },
          detail: e.detail,
          at: e.created_at,
        }),
      ),
      retryChain: chain.map((c) => ({
        id: c.id,
        status: c.status,
        retryNumber: c.retry_number,
        manualRetryNumber: c.manual_retry_number,
        ancestorId: c.ancestor_id,
        createdAt: c.created_at,
      })),
    };
  }

  /** Marks a new item deleted (409 for any other status). */
  async delete(caller: QueueCaller, access: TenantAccess, id: number): Promise<QueueItem> {
    const row = await this.find(this.ctx.db, access, id, "queues.edit");
    if (row.status !== QueueItemStatus.new)
      throw new ConflictError(
        `A ${row.status} item cannot be deleted; only new items can.`,
        ProblemType.invalidStateTransition,
        {
          from: row.status,
        },
      );
    const now = isoNow(this.ctx.clock);
    const updated = await this.ctx.db.transaction().execute(async (tx) => {
      const r = await moveItem(tx, row, QueueItemStatus.deleted, { ended_at: now, updated_at: now });
      await itemEvent(tx, row.id, "delete", QueueItemStatus.deleted, caller.actor, null, now);
      return r;
    });
    return presentItem(noteItem(this.ctx, updated));
  }

  /**
   * Edits a `new` item (409 for any other status: once started, an item's data is the
   * consumer's): content, reference, priority, defer and due date, checked as when adding (the
   * queue's schema, a unique reference). One conditional change plus an `edited` history event.
   */
  async edit(caller: QueueCaller, access: TenantAccess, id: number, changes: ItemChanges): Promise<QueueItem> {
    const row = await this.find(this.ctx.db, access, id, "queues.edit");
    if (row.status !== QueueItemStatus.new)
      throw new ConflictError(
        `A ${row.status} item cannot be edited; only new items can.`,
        ProblemType.invalidStateTransition,
        { from: row.status },
      );
    const queue = await this.queues.find(this.ctx.db, access, row.queue_id, "queues.view");
    const pick = <T>(change: T | null | undefined, current: T | null) =>
      change === undefined ? (current ?? undefined) : (change ?? undefined);
    const merged: NewItem = {
      specificContent: changes.specificContent ?? (JSON.parse(row.specific_json) as Record<string, unknown>),
      reference: pick(changes.reference, row.reference),
      deferDate: pick(changes.deferDate, row.defer_date),
      dueDate: pick(changes.dueDate, row.due_date),
    };
    const errors = checkItem(this.schemas, queue, merged, "");
    if (errors.length > 0) throw new ValidationError(errors);
    const changed = (Object.keys(changes) as (keyof ItemChanges)[]).filter((k) => changes[k] !== undefined);
    const now = isoNow(this.ctx.clock);
    const updated = await duplicateAsConflict(this.ctx, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const r = await moveItem(tx, row, QueueItemStatus.new, {
          specific_json: JSON.stringify(merged.specificContent),
          reference: merged.reference ?? null,
          ...(changes.priority !== undefined && { priority: priorityRank[changes.priority] }),
          defer_date: merged.deferDate ?? null,
          due_date: merged.dueDate ?? null,
          due_order: merged.dueDate ?? noDueDate,
          updated_at: now,
        });
        await itemEvent(tx, row.id, "edited", QueueItemStatus.new, caller.actor, changed.join(", ") || null, now);
        return r;
      }),
    );
    this.added(row.queue_id);
    return presentItem(noteItem(this.ctx, updated));
  }

  /**
   * Adds one item and starts it at once (`inProgress` for this caller), in one transaction: the
   * original's StartTransaction with content. Checked as `add`; no other consumer can take it.
   */
  async addStarted(caller: QueueCaller, access: TenantAccess, queue: QueueRow, input: NewItem): Promise<QueueItem> {
    access.assertFolder(queue.folder_id, "queues.edit");
    const errors = checkItem(this.schemas, queue, input, "");
    if (errors.length > 0) throw new ValidationError(errors);
    const now = isoNow(this.ctx.clock);
    const row = await duplicateAsConflict(this.ctx, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const [inserted] = await insertItems(this.ctx, tx, queue, caller, [input], now);
        const started = await moveItem(tx, inserted as QueueItemRow, QueueItemStatus.inProgress, {
          started_at: now,
          updated_at: now,
          executor_job_id: caller.job?.id ?? null,
          machine_id: caller.job?.machineId ?? null,
        });
        await itemEvent(tx, started.id, "started", QueueItemStatus.inProgress, caller.actor, null, now);
        return started;
      }),
    );
    return presentItem(noteItem(this.ctx, row));
  }

  /** Manual retry of a failed or abandoned item: it becomes `retried`, a `new` clone carries on. */
  async retry(caller: QueueCaller, access: TenantAccess, id: number): Promise<QueueItem> {
    const row = await this.find(this.ctx.db, access, id, "queues.edit");
    if (row.status !== QueueItemStatus.failed && row.status !== QueueItemStatus.abandoned)
      throw new ConflictError(
        `A ${row.status} item cannot be retried; only failed and abandoned items can.`,
        ProblemType.invalidStateTransition,
        { from: row.status },
      );
    const now = isoNow(this.ctx.clock);
    const clone = await duplicateAsConflict(this.ctx, () =>
      this.ctx.db
        .transaction()
        .execute(async (tx) => retryItem(tx, row, caller, now, { manual: true, reason: "Retried by hand" })),
    );
    return presentItem(noteItem(this.ctx, clone));
  }

  /** Sets the review status and/or reviewer of a failed or abandoned item. */
  async review(
    caller: QueueCaller,
    access: TenantAccess,
    id: number,
    change: { reviewStatus?: ReviewStatus | undefined; reviewerUserId?: number | null | undefined },
  ): Promise<QueueItem> {
    const row = await this.find(this.ctx.db, access, id, "queues.edit");
    if (!canReview(row.status))
      throw new ConflictError(
        `A ${row.status} item has no review; only failed and abandoned items do.`,
        ProblemType.invalidStateTransition,
        { from: row.status },
      );
    if (change.reviewStatus === ReviewStatus.retried)
      throw ValidationError.field("reviewStatus", "becomes retried by retrying the item");
    if (change.reviewerUserId != null) {
      const user = await this.ctx.db
        .selectFrom("users")
        .select("id")
        .where("id", "=", change.reviewerUserId)
        .where("org_id", "=", caller.orgId)
        .executeTakeFirst();
      if (!user) throw ValidationError.field("reviewerUserId", "is not a user of this organization");
    }
    const now = isoNow(this.ctx.clock);
    const updated = await this.ctx.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable("queue_items")
        .set((eb) => ({
          ...(change.reviewStatus !== undefined && { review_status: change.reviewStatus }),
          ...(change.reviewerUserId !== undefined && { reviewer_user_id: change.reviewerUserId }),
          updated_at: now,
          row_version: eb("row_version", "+", 1),
        }))
        .where("id", "=", row.id)
        .where("row_version", "=", row.row_version)
        .returningAll()
        .executeTakeFirst();
      if (!r) throw new ConflictError("The item changed meanwhile; reload it.");
      const parts = [
        change.reviewStatus !== undefined ? `review status ${change.reviewStatus}` : null,
        change.reviewerUserId !== undefined ? `reviewer ${change.reviewerUserId ?? "none"}` : null,
      ].filter(Boolean);
      await itemEvent(tx, row.id, "review", row.status, caller.actor, parts.join(", "), now);
      return r;
    });
    return presentItem(noteItem(this.ctx, updated));
  }

  /** The item `id` of the tenant, if the caller may `permission` in its folder; else 404 (or 403). */
  async find(db: Db, access: TenantAccess, id: number, permission: "queues.view" | "queues.edit") {
    const row = await db
      .selectFrom("queue_items")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    if (!row || !access.seesFolder(row.folder_id) || !access.canInFolder(row.folder_id, "queues.view"))
      throw new NotFoundError("The queue item");
    access.assertFolder(row.folder_id, permission);
    return row;
  }

  private async takenReferences(queueId: number, references: string[]): Promise<Set<string>> {
    const taken = new Set<string>();
    for (let i = 0; i < references.length; i += insertChunk) {
      const rows = await this.ctx.db
        .selectFrom("queue_items")
        .select("reference")
        .where("queue_id", "=", queueId)
        .where("status", "in", [...referenceHoldingStatuses])
        .where("reference", "in", references.slice(i, i + insertChunk))
        .execute();
      for (const r of rows) if (r.reference !== null) taken.add(r.reference);
    }
    return taken;
  }
}

export { parseMarker } from "./queue-item-writes.js";
