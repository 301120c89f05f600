import { isoNow } from "../../platform/clock.js";
import { type AlertDetails, alertMessage } from "../../shared/alerts.js";
import { QueueItemStatus } from "../../shared/queues.js";
import type { Db } from "../../storage/database.js";
import type { QueueRow } from "../../storage/schema.js";
import type { AlertService } from "../alerts/alert-service.js";
import { type ServiceContext, systemActor } from "../context.js";
import { moveItem, retryItem } from "./queue-item-ops.js";
import { itemEvent, noteItem } from "./queue-model.js";

/** Most items one sweep moves (the next sweep takes the rest). */
const batch = 500;

/**
 * The periodic side of queues: items left in progress longer than their tenant's abandon period
 * become `abandoned` (and are retried when the queue says so); open items past their SLA risk
 * date or deadline raise one alert per queue and level.
 */
export class QueueSweeper {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly alerts: AlertService,
  ) {}

  async sweep(): Promise<{ abandoned: number; slaAlerts: number }> {
    return { abandoned: await this.abandon(), slaAlerts: await this.slaAlerts() };
  }

  /** Marks stale in-progress items abandoned; returns how many. */
  async abandon(): Promise<number> {
    const now = this.ctx.clock.now();
    const tenants = await this.ctx.db.selectFrom("tenants").select(["id", "queue_abandon_hours"]).execute();
    let total = 0;
    for (const tenant of tenants) {
      const cutoff = new Date(now.getTime() - tenant.queue_abandon_hours * 3_600_000).toISOString();
      const stale = await this.ctx.db
        .selectFrom("queue_items")
        .selectAll()
        .where("status", "=", QueueItemStatus.inProgress)
        .where("tenant_id", "=", tenant.id)
        .where("started_at", "<", cutoff)
        .orderBy("started_at")
        .limit(batch)
        .execute();
      if (stale.length === 0) continue;
      const queues = await this.queuesOf(stale.map((s) => s.queue_id));
      const perQueue = new Map<number, number>();
      for (const item of stale) {
        const queue = queues.get(item.queue_id);
        if (!queue) continue;
        const at = isoNow(this.ctx.clock);
        // Each item in its own transaction: a consumer finishing meanwhile wins (row version), the sweep goes on.
        const moved = await this.ctx.db
          .transaction()
          .execute(async (tx) => {
            const r = noteItem(
              this.ctx,
              await moveItem(tx, item, QueueItemStatus.abandoned, { ended_at: at, updated_at: at }),
            );
            await itemEvent(
              tx,
              item.id,
              "abandoned",
              QueueItemStatus.abandoned,
              systemActor,
              `In progress longer than ${tenant.queue_abandon_hours} h`,
              at,
            );
            if (queue.retry_abandoned === 1)
              await retryItem(tx, r, { actor: systemActor }, at, {
                manual: false,
                reason: "Abandoned items are retried",
              });
            return true;
          })
          .catch(() => false);
        if (moved) perQueue.set(queue.id, (perQueue.get(queue.id) ?? 0) + 1);
      }
      for (const [queueId, count] of perQueue) {
        const queue = queues.get(queueId) as QueueRow;
        await this.raise(this.ctx.db, queue, "warn", "queue-items-abandoned", { queueName: queue.name, count });
        total += count;
      }
    }
    return total;
  }

  /** Raises "SLA at risk" and "SLA breached" alerts once per item and level, one alert per queue. */
  async slaAlerts(): Promise<number> {
    const now = isoNow(this.ctx.clock);
    let raised = 0;
    for (const level of [2, 1] as const) {
      const column = level === 2 ? "due_date" : "risk_sla_date";
      const rows = await this.ctx.db
        .selectFrom("queue_items as i")
        .innerJoin("queues as q", "q.id", "i.queue_id")
        .select(["i.id", "i.queue_id"])
        .where("q.sla_minutes", "is not", null)
        .where("i.status", "in", [QueueItemStatus.new, QueueItemStatus.inProgress])
        .where(`i.${column}`, "<", now)
        .where("i.sla_alert_level", "<", level)
        .limit(5000)
        .execute();
      if (rows.length === 0) continue;
      const queues = await this.queuesOf(rows.map((r) => r.queue_id));
      for (const [queueId, queue] of queues) {
        const ids = rows.filter((r) => r.queue_id === queueId).map((r) => r.id);
        await this.ctx.db.transaction().execute(async (tx) => {
          await tx.updateTable("queue_items").set({ sla_alert_level: level }).where("id", "in", ids).execute();
          await this.raise(
            tx,
            queue,
            level === 2 ? "error" : "warn",
            level === 2 ? "queue-sla-breached" : "queue-sla-at-risk",
            {
              queueName: queue.name,
              count: ids.length,
            },
          );
        });
        raised += 1;
      }
    }
    return raised;
  }

  private async queuesOf(ids: number[]): Promise<Map<number, QueueRow>> {
    const rows = await this.ctx.db
      .selectFrom("queues")
      .selectAll()
      .where("id", "in", [...new Set(ids)])
      .execute();
    return new Map(rows.map((q) => [q.id, q]));
  }

  private async raise(db: Db, queue: QueueRow, severity: "warn" | "error", kind: string, details: AlertDetails) {
    await this.alerts.raise(db, {
      tenant_id: queue.tenant_id,
      folder_id: queue.folder_id,
      severity,
      component: "queues",
      kind,
      message: alertMessage(kind, details, "en") ?? "",
      link: `/queues/${queue.id}`,
      details,
    });
  }
}
