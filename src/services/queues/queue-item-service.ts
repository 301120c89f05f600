import { randomUUID } from "node:crypto";
import { stringify } from "csv-stringify/sync";
import { neutraliseFormula, parseCsv } from "../../domain/csv.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { ProblemType } from "../../shared/problem-types.js";
import {
  type CommitType,
  canReview,
  priorityRank,
  QueueItemStatus,
  type QueuePriority,
  queueLimits,
  queuePriorities,
  ReviewStatus,
  referenceHoldingStatuses,
} from "../../shared/queues.js";
import type { Db } from "../../storage/database.js";
import type { NewQueueItem, QueueItemRow, QueueRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { Page, ServiceContext } from "../context.js";
import {
  contentJson,
  itemEvent,
  noDueDate,
  presentItem,
  type QueueCaller,
  type QueueItem,
  type SchemaCache,
} from "./queue-model.js";
import type { QueueService } from "./queue-service.js";

export interface NewItem {
  specificContent: Record<string, unknown>;
  reference?: string | undefined;
  priority?: QueuePriority | undefined;
  deferDate?: string | undefined;
  dueDate?: string | undefined;
}

export interface BulkResult {
  added: number;
  failedItems: { ordinal: number; type: string; detail: string; errors?: { path: string; message: string }[] }[];
}

export interface ItemFilter {
  status?: QueueItemStatus | undefined;
  reference?: string | undefined;
  priority?: QueuePriority | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface ItemEvent {
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
  constructor(
    private readonly ctx: ServiceContext,
    private readonly queues: QueueService,
    private readonly schemas: SchemaCache,
  ) {}

  /** Adds one item; 409 `duplicate-reference` on a unique queue, 400 naming schema violations. */
  async add(caller: QueueCaller, access: TenantAccess, queue: QueueRow | number, input: NewItem): Promise<QueueItem> {
    const q = typeof queue === "number" ? await this.queues.find(this.ctx.db, access, queue, "queues.edit") : queue;
    const errors = this.check(q, input, "");
    if (errors.length > 0) throw new ValidationError(errors);
    const now = isoNow(this.ctx.clock);
    const row = await this.duplicateAsConflict(() =>
      this.ctx.db.transaction().execute(async (tx) => {
        const [inserted] = await this.insert(tx, q, caller, [input], now);
        return inserted as QueueItemRow;
      }),
    );
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
      const errors = this.check(q, item, `items.${ordinal}.`);
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
      await this.duplicateAsConflict(() =>
        this.ctx.db.transaction().execute(async (tx) => {
          for (let i = 0; i < accepted.length; i += insertChunk)
            await this.insert(tx, q, caller, accepted.slice(i, i + insertChunk), now);
        }),
      );
    }
    return { added: accepted.length, failedItems: failed };
  }

  /**
   * Adds items from CSV: a header row, then one item per row. `Reference`, `Priority`,
   * `DeferDate` and `DueDate` (any case) fill those fields; every other column becomes a text
   * field of the specific content. Row errors name the row (2 = the first row after the header).
   */
  async upload(
    caller: QueueCaller,
    access: TenantAccess,
    queueId: number,
    commitType: CommitType,
    csv: string,
  ): Promise<BulkResult & { failedItems: (BulkResult["failedItems"][number] & { row: number })[] }> {
    await this.queues.find(this.ctx.db, access, queueId, "queues.edit");
    const rows = parseCsv(csv);
    const header = rows[0];
    if (!header || header.every((h) => h.trim() === "")) throw ValidationError.field("file", "has no header row");
    if (rows.length - 1 > queueLimits.bulkItems)
      throw ValidationError.field("file", `has more than ${queueLimits.bulkItems} rows`);
    const parseErrors = new Map<number, string>();
    const items = rows.slice(1).map((cells, index) => {
      const item: NewItem = { specificContent: {} };
      header.forEach((rawName, column) => {
        const name = rawName.trim();
        const value = cells[column] ?? "";
        const known = name.toLowerCase();
        if (known === "reference") {
          if (value !== "") item.reference = value;
        } else if (known === "priority") {
          if (value === "") return;
          const p = value.toLowerCase() as QueuePriority;
          if (queuePriorities.includes(p)) item.priority = p;
          else parseErrors.set(index, `Priority must be High, Normal or Low, not "${value}"`);
        } else if (known === "deferdate" || known === "duedate") {
          if (value === "") return;
          const date = parseDate(value);
          if (!date) parseErrors.set(index, `${name} is not a date: "${value}"`);
          else if (known === "deferdate") item.deferDate = date;
          else item.dueDate = date;
        } else if (name !== "") item.specificContent[name] = value;
      });
      if (item.reference !== undefined) {
        const problem = textProblem(item.reference, queueLimits.referenceLength);
        if (problem) parseErrors.set(index, `Reference ${problem}`);
      }
      return item;
    });
    // Rows that failed to parse are replaced by an item that fails the same way in addMany.
    const result = await this.addMany(
      caller,
      access,
      queueId,
      commitType,
      items.map((item, i) => (parseErrors.has(i) ? { ...item, specificContent: { [parseMarker]: true } } : item)),
    ).catch((error: unknown) => {
      throw error;
    });
    const failedItems = result.failedItems
      .filter((f) => !(parseErrors.has(f.ordinal) && f.type === ProblemType.duplicateReference))
      .map((f) => ({
        ...f,
        row: f.ordinal + 2,
        ...(parseErrors.has(f.ordinal) && {
          type: ProblemType.validationFailed,
          detail: parseErrors.get(f.ordinal) as string,
          errors: undefined,
        }),
      }));
    return { added: result.added, failedItems };
  }

  async list(access: TenantAccess, queueId: number, filter: ItemFilter, limit: number, cursor?: number) {
    const q = await this.queues.find(this.ctx.db, access, queueId, "queues.view");
    let query = this.ctx.db
      .selectFrom("queue_items")
      .selectAll()
      .where("queue_id", "=", q.id)
      .orderBy("id", "desc")
      .limit(limit + 1);
    if (filter.status) query = query.where("status", "=", filter.status);
    if (filter.priority) query = query.where("priority", "=", priorityRank[filter.priority]);
    if (filter.reference)
      query = query.where((w) =>
        w(w.fn("substr", ["reference", w.lit(1), w.val(filter.reference?.length ?? 0)]), "=", filter.reference ?? ""),
      );
    if (filter.from) query = query.where("created_at", ">=", filter.from);
    if (filter.to) query = query.where("created_at", "<=", filter.to);
    if (cursor !== undefined) query = query.where("id", "<", cursor);
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
    return presentItem(updated);
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
    const clone = await this.duplicateAsConflict(() =>
      this.ctx.db
        .transaction()
        .execute(async (tx) => retryItem(tx, row, caller, now, { manual: true, reason: "Retried by hand" })),
    );
    return presentItem(clone);
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
    return presentItem(updated);
  }

  /** The queue's items (filtered like the list, newest first) as CSV, formula-safe. */
  async csv(access: TenantAccess, queueId: number, filter: ItemFilter): Promise<string> {
    const page = await this.list(access, queueId, filter, 100_000);
    const header = [
      "Id",
      "Key",
      "Status",
      "Review status",
      "Priority",
      "Reference",
      "Specific content",
      "Output",
      "Exception type",
      "Exception reason",
      "Progress",
      "Retry number",
      "Defer date",
      "Due date",
      "Created",
      "Started",
      "Ended",
    ];
    return stringify([
      header,
      ...page.items.map((i) =>
        [
          String(i.id),
          i.key,
          i.status,
          i.reviewStatus,
          i.priority,
          i.reference ?? "",
          JSON.stringify(i.specificContent),
          i.output ? JSON.stringify(i.output) : "",
          i.exception?.type ?? "",
          i.exception?.reason ?? "",
          i.progress ?? "",
          String(i.retryNumber),
          i.deferDate ?? "",
          i.dueDate ?? "",
          i.createdAt,
          i.startedAt ?? "",
          i.endedAt ?? "",
        ].map(neutraliseFormula),
      ),
    ]);
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

  /** Field errors of one new item (content size, schema, dates); named under `prefix`. */
  private check(queue: QueueRow, item: NewItem, prefix: string) {
    if (parseMarker in item.specificContent) return [{ path: `${prefix}row`, message: "could not be read" }];
    const errors: { path: string; message: string }[] = [];
    try {
      contentJson(item.specificContent, `${prefix}specificContent`);
    } catch (error) {
      if (error instanceof ValidationError) return error.extensions.errors as typeof errors;
      throw error;
    }
    errors.push(...this.schemas.check(queue, "specific", item.specificContent, `${prefix}specificContent`));
    if (item.deferDate && item.dueDate && item.deferDate > item.dueDate)
      errors.push({ path: `${prefix}deferDate`, message: "must not be after dueDate" });
    return errors;
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

  private async insert(tx: Db, q: QueueRow, caller: QueueCaller, items: NewItem[], now: string) {
    const values: NewQueueItem[] = items.map((item) => {
      const due =
        item.dueDate ??
        (q.sla_minutes !== null ? new Date(Date.parse(now) + q.sla_minutes * 60_000).toISOString() : null);
      return {
        key: randomUUID(),
        tenant_id: q.tenant_id,
        folder_id: q.folder_id,
        queue_id: q.id,
        status: QueueItemStatus.new,
        review_status: ReviewStatus.none,
        reviewer_user_id: null,
        priority: priorityRank[item.priority ?? "normal"],
        reference: item.reference ?? null,
        unique_reference: q.unique_reference,
        specific_json: JSON.stringify(item.specificContent),
        defer_date: item.deferDate ?? null,
        due_date: due,
        due_order: due ?? noDueDate,
        risk_sla_date:
          q.risk_sla_minutes !== null ? new Date(Date.parse(now) + q.risk_sla_minutes * 60_000).toISOString() : null,
        retry_number: 0,
        manual_retry_number: 0,
        creator_job_id: caller.job?.id ?? null,
        created_by: caller.actor.name,
        created_at: now,
        updated_at: now,
        row_version: 1,
      };
    });
    const rows = await tx.insertInto("queue_items").values(values).returningAll().execute();
    await tx
      .insertInto("queue_item_events")
      .values(
        rows.map((r) => ({
          item_id: r.id,
          action: "created",
          status: QueueItemStatus.new,
          actor_kind: caller.actor.kind,
          actor_name: caller.actor.name,
          detail: null,
          created_at: now,
        })),
      )
      .execute();
    return rows;
  }

  private async duplicateAsConflict<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (this.ctx.dialect.isUniqueViolation(error))
        throw new ConflictError(
          "An item with this reference is already in the queue.",
          ProblemType.duplicateReference,
          {
            errors: [{ path: "reference", message: "is already in the queue" }],
          },
        );
      throw error;
    }
  }
}

/** A specific-content key no JSON body can produce: marks CSV rows that failed to parse. */
const parseMarker = "\u0000unreadable-row";

/** One conditional status change (row version and status must be unchanged), else 409. */
export async function moveItem(
  db: Db,
  row: QueueItemRow,
  to: QueueItemStatus,
  values: Partial<Omit<QueueItemRow, "id" | "row_version" | "status">>,
): Promise<QueueItemRow> {
  const updated = await db
    .updateTable("queue_items")
    .set((eb) => ({ ...values, status: to, row_version: eb("row_version", "+", 1) }))
    .where("id", "=", row.id)
    .where("status", "=", row.status)
    .where("row_version", "=", row.row_version)
    .returningAll()
    .executeTakeFirst();
  if (!updated)
    throw new ConflictError("The item changed meanwhile; reload it.", ProblemType.invalidStateTransition, {
      from: row.status,
      to,
    });
  return updated;
}

/**
 * Retries a failed or abandoned item in the caller's transaction: the original becomes
 * `retried`, a `new` clone with the same key, content and reference carries on. Returns the clone.
 */
export async function retryItem(
  tx: Db,
  row: QueueItemRow,
  caller: Pick<QueueCaller, "actor">,
  now: string,
  how: { manual: boolean; reason: string },
): Promise<QueueItemRow> {
  // The original leaves the unique-reference index first, so the clone may take its reference.
  await moveItem(tx, row, QueueItemStatus.retried, {
    updated_at: now,
    ...(how.manual && { review_status: ReviewStatus.retried }),
  });
  await itemEvent(tx, row.id, "retry", QueueItemStatus.retried, caller.actor, how.reason, now);
  const { id: _id, ...rest } = row;
  const clone = await tx
    .insertInto("queue_items")
    .values({
      ...rest,
      status: QueueItemStatus.new,
      review_status: ReviewStatus.none,
      reviewer_user_id: null,
      output_json: null,
      analytics_json: null,
      progress: null,
      exception_type: null,
      exception_reason: null,
      exception_details: null,
      processing_ms: null,
      sla_alert_level: 0,
      retry_number: how.manual ? row.retry_number : row.retry_number + 1,
      manual_retry_number: how.manual ? row.manual_retry_number + 1 : row.manual_retry_number,
      ancestor_id: row.id,
      executor_job_id: null,
      machine_id: null,
      created_by: caller.actor.name,
      started_at: null,
      ended_at: null,
      created_at: now,
      updated_at: now,
      row_version: 1,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await itemEvent(tx, clone.id, "created", QueueItemStatus.new, caller.actor, `Retry of item ${row.id}`, now);
  return clone;
}

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

/** Why a text cannot be stored (too long, control characters), or null. */
function textProblem(text: string, max: number): string | null {
  if (text.length > max) return `must be at most ${max} characters`;
  if (/\p{Cc}/u.test(text)) return "must not contain control characters";
  return null;
}
