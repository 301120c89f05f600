import { ConflictError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { alertMessage } from "../../shared/alerts.js";
import { ProblemType } from "../../shared/problem-types.js";
import { type ExceptionType, isFinalQueueItemStatus, QueueItemStatus, queueLimits } from "../../shared/queues.js";
import type { Db } from "../../storage/database.js";
import type { QueueItemRow, QueueRow } from "../../storage/schema.js";
import { claimQueueItem } from "../../storage/sql/claim-queue-item.js";
import type { TenantAccess } from "../access/access-service.js";
import type { AlertService } from "../alerts/alert-service.js";
import type { ServiceContext } from "../context.js";
import { moveItem, retryItem } from "./queue-item-ops.js";
import type { QueueItemService } from "./queue-item-service.js";
import {
  contentJson,
  itemEvent,
  noteItem,
  presentItem,
  type QueueCaller,
  type QueueItem,
  type SchemaCache,
} from "./queue-model.js";
import type { QueueService } from "./queue-service.js";

export interface StartFilter {
  reference?: string | undefined;
  referenceFilter?: "equals" | "startsWith" | undefined;
}

export interface TransactionResult {
  status: "successful" | "failed";
  exceptionType?: ExceptionType | undefined;
  reason?: string | undefined;
  details?: string | undefined;
  output?: Record<string, unknown> | undefined;
  analytics?: Record<string, unknown> | undefined;
}

/**
 * Transactions: a consumer takes the next item (one conditional statement, see
 * claim-queue-item.ts), reports progress, and sets the result. A failed application exception
 * with retries left makes the item `retried` and adds a `new` clone, all in one transaction.
 */
export class QueueTransactionService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly queues: QueueService,
    private readonly items: QueueItemService,
    private readonly schemas: SchemaCache,
    private readonly alerts: AlertService,
  ) {}

  /** The next available item, now `inProgress`, or null when none is available. */
  async start(
    caller: QueueCaller,
    access: TenantAccess,
    queue: QueueRow | number,
    filter: StartFilter,
  ): Promise<QueueItem | null> {
    const q = typeof queue === "number" ? await this.queues.find(this.ctx.db, access, queue, "queues.edit") : queue;
    // A queue found by name (only `queues.view` checked) still needs `queues.edit` to hand out items.
    access.assertFolder(q.folder_id, "queues.edit");
    const now = isoNow(this.ctx.clock);
    const row = await this.ctx.db.transaction().execute(async (tx) => {
      const claimed = await claimQueueItem(tx, this.ctx.dialect.name, {
        queueId: q.id,
        now,
        executorJobId: caller.job?.id ?? null,
        machineId: caller.job?.machineId ?? null,
        reference:
          filter.reference !== undefined
            ? { value: filter.reference, filter: filter.referenceFilter ?? "equals" }
            : undefined,
      });
      if (claimed) await itemEvent(tx, claimed.id, "started", QueueItemStatus.inProgress, caller.actor, null, now);
      return claimed;
    });
    return row ? presentItem(noteItem(this.ctx, row)) : null;
  }

  /** Sets the progress text of an in-progress item (409 otherwise). */
  async progress(caller: QueueCaller, access: TenantAccess, id: number, progress: string): Promise<QueueItem> {
    const row = await this.items.find(this.ctx.db, access, id, "queues.edit");
    this.assertInProgress(row, "progress");
    const now = isoNow(this.ctx.clock);
    const updated = await this.ctx.db.transaction().execute(async (tx) => {
      const r = await moveItem(tx, row, QueueItemStatus.inProgress, { progress, updated_at: now });
      await itemEvent(tx, row.id, "progress", r.status, caller.actor, progress.slice(0, queueLimits.reasonLength), now);
      return r;
    });
    return presentItem(noteItem(this.ctx, updated));
  }

  /**
   * Sets the result of an in-progress item (409 on any other status: final items are immutable).
   * Output or analytics that violate the queue's schemas fail the item with a business exception
   * (spec §4.6). Returns the item as it ended (the retried original when a clone was added).
   */
  async result(caller: QueueCaller, access: TenantAccess, id: number, result: TransactionResult): Promise<QueueItem> {
    const row = await this.items.find(this.ctx.db, access, id, "queues.edit");
    this.assertInProgress(row, "result");
    const queue = await this.queues.find(this.ctx.db, access, row.queue_id, "queues.view");
    const output = result.output ? contentJson(result.output, "output") : null;
    const analytics = result.analytics ? contentJson(result.analytics, "analytics") : null;
    let outcome = result;
    if (result.status === "successful") {
      const violations = [
        ...this.schemas.check(queue, "output", result.output ?? {}, "output"),
        ...(result.analytics ? this.schemas.check(queue, "analytics", result.analytics, "analytics") : []),
      ];
      if (violations.length > 0)
        outcome = {
          status: "failed",
          exceptionType: "business",
          reason: "The output does not match the queue's schema.",
          details: violations.map((v) => `${v.path} ${v.message}`).join("\n"),
        };
    }
    const failed = outcome.status === "failed";
    const exceptionType = failed ? (outcome.exceptionType ?? "application") : null;
    const now = isoNow(this.ctx.clock);
    const ended = await this.ctx.db.transaction().execute(async (tx) => {
      const to = failed ? QueueItemStatus.failed : QueueItemStatus.successful;
      let r = await moveItem(tx, row, to, {
        output_json: output,
        analytics_json: analytics,
        exception_type: exceptionType,
        exception_reason: failed ? (outcome.reason ?? null) : null,
        exception_details: failed ? (outcome.details ?? null) : null,
        ended_at: now,
        updated_at: now,
        processing_ms: Math.max(0, Date.parse(now) - Date.parse(row.started_at ?? now)),
      });
      await itemEvent(
        tx,
        row.id,
        "result",
        to,
        caller.actor,
        failed ? `${exceptionType} exception: ${outcome.reason ?? ""}` : null,
        now,
      );
      await this.ctx.events?.emit(tx, { type: "queueItem.ended", queue, item: r });
      if (exceptionType === "application") {
        if (queue.auto_retry === 1 && row.retry_number < queue.max_retries) {
          await retryItem(tx, r, caller, now, {
            manual: false,
            reason: `Automatic retry ${row.retry_number + 1} of ${queue.max_retries}`,
          });
          r = { ...r, status: QueueItemStatus.retried };
        } else await this.alertFailed(tx, queue, r);
      }
      return r;
    });
    return presentItem(ended);
  }

  private assertInProgress(row: QueueItemRow, what: "progress" | "result"): void {
    if (row.status === QueueItemStatus.inProgress) return;
    throw new ConflictError(
      isFinalQueueItemStatus(row.status)
        ? `The item is ${row.status}: final items cannot change.`
        : `The item is ${row.status}: a ${what} needs an item in progress (start a transaction first).`,
      ProblemType.invalidStateTransition,
      { from: row.status },
    );
  }

  private async alertFailed(db: Db, queue: QueueRow, item: QueueItemRow): Promise<void> {
    const details = {
      queueName: queue.name,
      itemId: item.id,
      reason: (item.exception_reason ?? "").split("\n")[0]?.slice(0, 300) ?? "",
    };
    await this.alerts.raise(db, {
      tenant_id: queue.tenant_id,
      folder_id: queue.folder_id,
      severity: "error",
      component: "queues",
      kind: "queue-item-failed",
      message: alertMessage("queue-item-failed", details, "en") ?? "",
      link: `/queue-items/${item.id}`,
      details,
    });
  }
}
