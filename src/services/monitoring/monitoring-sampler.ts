import { sql } from "kysely";
import { activeJobStates } from "../../shared/jobs.js";
import { hourRetentionMs, minuteRetentionMs, unixHour, unixMinute } from "../../shared/monitoring.js";
import { OutboxStatus } from "../../shared/outbox.js";
import { QueueItemStatus } from "../../shared/queues.js";
import { countAll } from "../../storage/dialect.js";
import type { ServiceContext } from "../context.js";

const minuteMs = 60_000;
const hourMs = 3_600_000;

/**
 * Once a minute (on nodes that run sweepers): samples what has no event of its own — slot use
 * per machine, open and finished queue items per queue, the e-mail outbox — into the rollups,
 * and prunes minute rows after 2 days and hour rows after 90 days.
 *
 * Every write is "set to what was counted", never "add", so two nodes sampling the same minute,
 * or one sampling it twice, write the same numbers. Hour rows are recomputed from the minute rows.
 */
export class MonitoringSampler {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly changed: (tenantId: number) => void = () => {},
  ) {}

  async sample(): Promise<void> {
    const nowMs = this.ctx.clock.now().getTime();
    await this.machines(nowMs);
    await this.queues(nowMs);
    await this.email(nowMs);
    await this.prune(nowMs);
  }

  private async machines(nowMs: number) {
    const db = this.ctx.db;
    const minute = unixMinute(nowMs);
    const hour = unixHour(nowMs);
    const [live, busy] = await Promise.all([
      db
        .selectFrom("robot_sessions as s")
        .innerJoin("machines as m", "m.id", "s.machine_id")
        .select(["m.id", "m.tenant_id", "m.slots"])
        .where("s.disconnected_at", "is", null)
        .distinct()
        .execute(),
      db
        .selectFrom("jobs")
        .select(["machine_id", countAll().as("c")])
        .where("state", "in", activeJobStates)
        .where("machine_id", "is not", null)
        .groupBy("machine_id")
        .execute(),
    ]);
    const tenants = new Set<number>();
    for (const m of live) {
      const running = Number(busy.find((b) => b.machine_id === m.id)?.c ?? 0);
      tenants.add(m.tenant_id);
      await db
        .insertInto("machine_rollups_minute")
        .values({
          tenant_id: m.tenant_id,
          machine_id: m.id,
          minute,
          samples: 1,
          busy_slots: Math.min(running, m.slots),
          total_slots: m.slots,
        })
        .onConflict((oc) =>
          oc.columns(["tenant_id", "minute", "machine_id"]).doUpdateSet((eb) => ({
            busy_slots: eb.ref("excluded.busy_slots"),
            total_slots: eb.ref("excluded.total_slots"),
          })),
        )
        .execute();
    }
    for (const tenantId of tenants) {
      // The hour's row: sums over its minute rows (the dashboard divides by `samples`).
      await db
        .insertInto("machine_rollups_hour")
        .columns(["tenant_id", "machine_id", "hour", "samples", "busy_slots", "total_slots"])
        .expression(
          db
            .selectFrom("machine_rollups_minute")
            .select([
              "tenant_id",
              "machine_id",
              sql<number>`${hour}`.as("hour"),
              countAll().as("samples"),
              sql<number>`sum(busy_slots)`.as("busy_slots"),
              sql<number>`sum(total_slots)`.as("total_slots"),
            ])
            .where("tenant_id", "=", tenantId)
            .where("minute", ">=", hour * 60)
            .where("minute", "<", (hour + 1) * 60)
            .groupBy(["tenant_id", "machine_id"]),
        )
        .onConflict((oc) =>
          oc.columns(["tenant_id", "hour", "machine_id"]).doUpdateSet((eb) => ({
            samples: eb.ref("excluded.samples"),
            busy_slots: eb.ref("excluded.busy_slots"),
            total_slots: eb.ref("excluded.total_slots"),
          })),
        )
        .execute();
      this.changed(tenantId);
    }
  }

  private async queues(nowMs: number) {
    const db = this.ctx.db;
    const minute = unixMinute(nowMs);
    // The previous minute too: items that ended after its last sample.
    const since = new Date((minute - 1) * minuteMs).toISOString();
    const [open, ended] = await Promise.all([
      db
        .selectFrom("queue_items")
        .select(["tenant_id", "folder_id", "queue_id", "status", countAll().as("c")])
        .where("status", "in", [QueueItemStatus.new, QueueItemStatus.inProgress])
        .groupBy(["tenant_id", "folder_id", "queue_id", "status"])
        .execute(),
      db
        .selectFrom("queue_items")
        .select(["tenant_id", "folder_id", "queue_id", "status", "ended_at", "processing_ms"])
        .where("ended_at", ">=", since)
        .where("status", "in", [QueueItemStatus.successful, QueueItemStatus.failed, QueueItemStatus.abandoned])
        .execute(),
    ]);
    type Row = {
      tenant_id: number;
      folder_id: number;
      queue_id: number;
      minute: number;
      new_items: number;
      in_progress: number;
      successful: number;
      failed: number;
      abandoned: number;
      processing_ms_sum: number;
      processing_count: number;
    };
    const rows = new Map<string, Row>();
    const row = (tenantId: number, folderId: number, queueId: number, m: number) => {
      const key = `${queueId}:${m}`;
      let r = rows.get(key);
      if (!r) {
        r = {
          tenant_id: tenantId,
          folder_id: folderId,
          queue_id: queueId,
          minute: m,
          new_items: 0,
          in_progress: 0,
          successful: 0,
          failed: 0,
          abandoned: 0,
          processing_ms_sum: 0,
          processing_count: 0,
        };
        rows.set(key, r);
      }
      return r;
    };
    for (const o of open) {
      const r = row(o.tenant_id, o.folder_id, o.queue_id, minute);
      if (o.status === QueueItemStatus.new) r.new_items = Number(o.c);
      else r.in_progress = Number(o.c);
    }
    for (const e of ended) {
      const m = unixMinute(Date.parse(e.ended_at as string));
      if (m > minute) continue;
      const r = row(e.tenant_id, e.folder_id, e.queue_id, m);
      if (e.status === QueueItemStatus.successful) {
        r.successful += 1;
        if (e.processing_ms !== null) {
          r.processing_ms_sum += e.processing_ms;
          r.processing_count += 1;
        }
      } else if (e.status === QueueItemStatus.failed) r.failed += 1;
      else r.abandoned += 1;
    }
    const tenants = new Set<number>();
    for (const r of rows.values()) {
      tenants.add(r.tenant_id);
      const current = r.minute === minute;
      await db
        .insertInto("queue_rollups_minute")
        .values(r)
        .onConflict((oc) =>
          oc.columns(["tenant_id", "minute", "queue_id"]).doUpdateSet((eb) => ({
            // The open counts only from the sample taken in that minute.
            ...(current
              ? { new_items: eb.ref("excluded.new_items"), in_progress: eb.ref("excluded.in_progress") }
              : {}),
            successful: eb.ref("excluded.successful"),
            failed: eb.ref("excluded.failed"),
            abandoned: eb.ref("excluded.abandoned"),
            processing_ms_sum: eb.ref("excluded.processing_ms_sum"),
            processing_count: eb.ref("excluded.processing_count"),
          })),
        )
        .execute();
    }
    const hours = new Set([unixHour((minute - 1) * minuteMs), unixHour(nowMs)]);
    for (const tenantId of tenants) {
      for (const hour of hours) {
        // Results are summed over the hour; the open counts are the hour's highest sample.
        await db
          .insertInto("queue_rollups_hour")
          .columns([
            "tenant_id",
            "folder_id",
            "queue_id",
            "hour",
            "new_items",
            "in_progress",
            "successful",
            "failed",
            "abandoned",
            "processing_ms_sum",
            "processing_count",
          ])
          .expression(
            db
              .selectFrom("queue_rollups_minute")
              .select([
                "tenant_id",
                sql<number>`max(folder_id)`.as("folder_id"),
                "queue_id",
                sql<number>`${hour}`.as("hour"),
                sql<number>`max(new_items)`.as("new_items"),
                sql<number>`max(in_progress)`.as("in_progress"),
                sql<number>`sum(successful)`.as("successful"),
                sql<number>`sum(failed)`.as("failed"),
                sql<number>`sum(abandoned)`.as("abandoned"),
                sql<number>`sum(processing_ms_sum)`.as("processing_ms_sum"),
                sql<number>`sum(processing_count)`.as("processing_count"),
              ])
              .where("tenant_id", "=", tenantId)
              .where("minute", ">=", hour * 60)
              .where("minute", "<", (hour + 1) * 60)
              .groupBy(["tenant_id", "queue_id"]),
          )
          .onConflict((oc) =>
            oc.columns(["tenant_id", "hour", "queue_id"]).doUpdateSet((eb) => ({
              new_items: eb.ref("excluded.new_items"),
              in_progress: eb.ref("excluded.in_progress"),
              successful: eb.ref("excluded.successful"),
              failed: eb.ref("excluded.failed"),
              abandoned: eb.ref("excluded.abandoned"),
              processing_ms_sum: eb.ref("excluded.processing_ms_sum"),
              processing_count: eb.ref("excluded.processing_count"),
            })),
          )
          .execute();
      }
      this.changed(tenantId);
    }
  }

  private async email(nowMs: number) {
    const db = this.ctx.db;
    const hour = unixHour(nowMs);
    const held = await db
      .selectFrom("email_outbox")
      .select(countAll().as("c"))
      .where("status", "=", OutboxStatus.held)
      .executeTakeFirst();
    for (const h of [hour - 1, hour]) {
      const from = new Date(h * hourMs).toISOString();
      const to = new Date((h + 1) * hourMs).toISOString();
      const [sent, failed] = await Promise.all([
        db
          .selectFrom("email_outbox")
          .select(countAll().as("c"))
          .where("sent_at", ">=", from)
          .where("sent_at", "<", to)
          .executeTakeFirst(),
        db
          .selectFrom("email_outbox")
          .select(countAll().as("c"))
          .where("status", "=", OutboxStatus.failed)
          .where("updated_at", ">=", from)
          .where("updated_at", "<", to)
          .executeTakeFirst(),
      ]);
      await db
        .insertInto("email_rollups_hour")
        .values({ hour: h, sent: Number(sent?.c ?? 0), failed: Number(failed?.c ?? 0), held: Number(held?.c ?? 0) })
        .onConflict((oc) =>
          oc.column("hour").doUpdateSet((eb) => ({
            sent: eb.ref("excluded.sent"),
            failed: eb.ref("excluded.failed"),
            // The held count is a snapshot: only the current hour's sample sets it.
            ...(h === hour ? { held: eb.ref("excluded.held") } : {}),
          })),
        )
        .execute();
    }
  }

  /** Drops minute rows older than 2 days and hour rows older than 90 days. */
  async prune(nowMs: number): Promise<void> {
    const db = this.ctx.db;
    const minute = unixMinute(nowMs - minuteRetentionMs);
    const hour = unixHour(nowMs - hourRetentionMs);
    for (const table of ["job_rollups_minute", "machine_rollups_minute", "queue_rollups_minute"] as const) {
      await db.deleteFrom(table).where("minute", "<", minute).execute();
    }
    for (const table of [
      "job_rollups_hour",
      "machine_rollups_hour",
      "queue_rollups_hour",
      "email_rollups_hour",
    ] as const) {
      await db.deleteFrom(table).where("hour", "<", hour).execute();
    }
  }
}
