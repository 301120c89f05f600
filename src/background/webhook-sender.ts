import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { addSeconds } from "../platform/clock.js";
import type { ServiceContext } from "../services/context.js";
import type { AttemptResult } from "../services/webhooks/webhook-client.js";
import type { WebhookService } from "../services/webhooks/webhook-service.js";
import { WebhookDeliveryStatus } from "../shared/webhooks.js";
import { isDatabaseUnavailable } from "../storage/db-errors.js";
import type { WebhookDeliveryRow, WebhookRow } from "../storage/schema.js";
import { FailureStreak } from "./failure-streak.js";

/** How long attempts are gathered before their records are committed together. */
const groupCommitMs = 5;
/** Posted deliveries of one subscription whose records may still be pending (what a crash may send twice). */
const pipelineDepth = 2;

export interface WebhookSenderOptions {
  /** How often the outbox is polled when nothing wakes the sender. */
  pollMs?: number;
  /** How long a claimed subscription stays leased before another node may take it over. */
  leaseSeconds?: number;
  /** Subscriptions served at the same time by this node. */
  concurrency?: number;
  /** Deliveries of one subscription sent per claim. */
  batchSize?: number;
}

/**
 * Sends the webhook outbox. Order per subscription is the rule that shapes it: a node leases a
 * whole subscription (one conditional UPDATE on `webhooks`; PostgreSQL `FOR UPDATE SKIP LOCKED`,
 * so two nodes never hold one), then sends its pending deliveries one after another in id order,
 * recording each attempt before the next POST. A failure stops the run: the later deliveries wait
 * until the failed one succeeds or gives up (24 h), so a receiver that was down gets everything in
 * order once it is back. Different subscriptions are sent concurrently.
 *
 * A crash (kill -9) between a POST and its record leaves the delivery pending and the lease
 * running out; the next holder sends it again — at most one duplicate per in-flight delivery
 * (at most `pipelineDepth` per subscription), which receivers drop by its X-Dirigent-Delivery id.
 */
export class WebhookSender {
  private readonly nodeId = `webhooks-${randomUUID().slice(0, 8)}`;
  private readonly pollMs: number;
  private readonly leaseSeconds: number;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly webhooks: WebhookService,
    options: WebhookSenderOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.leaseSeconds = options.leaseSeconds ?? 120;
    this.concurrency = options.concurrency ?? 16;
    this.batchSize = options.batchSize ?? 100;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.webhooks.onWake = () => this.wakeSoon();
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.webhooks.onWake = null;
    this.wake();
    await this.loopDone;
    this.webhooks.client.close();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** New deliveries are told before their transaction commits: look a moment later. */
  private wakeSoon(): void {
    setTimeout(() => this.wake(), 5).unref();
  }

  /** One round: lease due subscriptions, send their deliveries. Returns whether more may be waiting. */
  async runOnce(): Promise<boolean> {
    await this.webhooks.refreshHostSettings();
    const hooks = await this.claim();
    const more = await Promise.all(hooks.map((h) => this.serve(h)));
    return more.some(Boolean) || hooks.length === this.concurrency;
  }

  private async loop(): Promise<void> {
    const streak = new FailureStreak("webhook sender", this.ctx.logger);
    while (this.running) {
      let again = false;
      let pause = this.pollMs;
      this.woken = false;
      try {
        again = await this.runOnce();
        streak.succeeded();
      } catch (error) {
        pause = streak.failed(error, this.pollMs);
      }
      if (!again && !this.woken && this.running) await this.sleep(pause);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  /**
   * Leases up to `concurrency` subscriptions whose oldest pending delivery is due, in one
   * statement: enabled, not paused by the circuit breaker, not leased by a live sender. The head
   * test uses the (webhook_id, status, id) index: the oldest pending id, then its due time.
   */
  private async claim(): Promise<WebhookRow[]> {
    const now = this.ctx.clock.now();
    const nowIso = now.toISOString();
    const free = sql<boolean>`(locked_until is null or locked_until < ${nowIso})`;
    return this.ctx.db
      .updateTable("webhooks")
      .set({ locked_by: this.nodeId, locked_until: addSeconds(now, this.leaseSeconds).toISOString() })
      .where("id", "in", (eb) =>
        eb
          .selectFrom("webhooks as w")
          .select("w.id")
          .where("w.enabled", "=", 1)
          .where(sql<boolean>`(w.locked_until is null or w.locked_until < ${nowIso})`)
          .where(sql<boolean>`(w.paused_until is null or w.paused_until <= ${nowIso})`)
          .where(
            sql<boolean>`exists (select 1 from webhook_deliveries d where d.id = (
              select min(p.id) from webhook_deliveries p where p.webhook_id = w.id and p.status = 'pending'
            ) and d.next_attempt_at <= ${nowIso})`,
          )
          .orderBy("w.id")
          .limit(this.concurrency)
          .$if(this.ctx.dialect.name === "postgres", (q) => q.forUpdate().skipLocked()),
      )
      .where(free)
      .returningAll()
      .execute();
  }

  /** Sends a leased subscription's due deliveries in order; returns whether a full batch went out. */
  private async serve(leased: WebhookRow): Promise<boolean> {
    let hook = leased;
    const started = Date.now();
    let sent = 0;
    try {
      const due = await this.ctx.db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("webhook_id", "=", hook.id)
        .where("status", "=", WebhookDeliveryStatus.pending)
        .orderBy("id")
        .limit(this.batchSize)
        .execute();
      // Pipelined: the POST of a delivery overlaps the record of the one before it, and records
      // of all subscriptions are committed together (group commit), so the database adds little
      // to the time of the POSTs. At most `pipelineDepth` posted deliveries per subscription are unrecorded.
      const unrecorded: Promise<boolean>[] = [];
      for (const delivery of due) {
        if (!this.running) break;
        if (delivery.next_attempt_at > this.ctx.clock.now().toISOString()) break;
        // Stay well inside the lease: another node takes the subscription over once it ends.
        if (Date.now() - started > (this.leaseSeconds * 1000) / 2) break;
        const result = await this.webhooks.client.post(this.webhooks.request(hook, delivery));
        sent += 1;
        const recorded = this.record(hook, delivery, result);
        unrecorded.push(recorded);
        if (unrecorded.length >= pipelineDepth && !(await unrecorded.shift())) {
          await Promise.all(unrecorded);
          return false;
        }
        if (!result.ok) break;
        if (hook.consecutive_failures > 0 || hook.paused_until)
          hook = { ...hook, consecutive_failures: 0, paused_until: null };
      }
      if (!(await Promise.all(unrecorded)).every(Boolean)) return false;
    } finally {
      await this.ctx.db
        .updateTable("webhooks")
        .set({ locked_by: null, locked_until: null })
        .where("id", "=", hook.id)
        .where("locked_by", "=", this.nodeId)
        .execute()
        .catch((error: unknown) => this.ctx.logger.warn({ err: error }, "could not release a webhook lease"));
    }
    return sent === this.batchSize;
  }

  private queued: {
    hook: WebhookRow;
    delivery: WebhookDeliveryRow;
    result: AttemptResult;
    done: (held: boolean) => void;
    fail: (error: unknown) => void;
  }[] = [];
  private flushing = false;
  private flushTimer: NodeJS.Timeout | null = null;

  /**
   * Records an attempt; resolves true if this node still held the subscription's lease (else
   * another node took over and will send the delivery again; the outcome is dropped). Attempts
   * that arrive while a commit runs are written together by the next one.
   */
  private record(hook: WebhookRow, delivery: WebhookDeliveryRow, result: AttemptResult): Promise<boolean> {
    return new Promise((done, fail) => {
      this.queued.push({ hook, delivery, result, done, fail });
      // A few milliseconds' wait gathers the records of all subscriptions into one commit (the
      // POSTs carry on meanwhile); on SQLite every commit also blocks the event loop.
      if (!this.flushing && !this.flushTimer) this.flushTimer = setTimeout(() => void this.flush(), groupCommitMs);
    });
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queued.length > 0) {
        const batch = this.queued.splice(0);
        try {
          const held = await this.write(batch);
          for (const r of batch) r.done(held.has(r.hook.id));
        } catch (error) {
          for (const r of batch) r.fail(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * One transaction: renews the leases this node still holds and records the attempts of those
   * subscriptions. A briefly unavailable database is waited for, for up to half the lease, so
   * that an outage does not turn every delivered POST into a duplicate.
   */
  private async write(batch: { hook: WebhookRow; delivery: WebhookDeliveryRow; result: AttemptResult }[]) {
    const giveUpAt = Date.now() + (this.leaseSeconds * 1000) / 2;
    const hookIds = [...new Set(batch.map((r) => r.hook.id))];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ctx.db.transaction().execute(async (tx) => {
          const renewed = await tx
            .updateTable("webhooks")
            .set({ locked_until: addSeconds(this.ctx.clock.now(), this.leaseSeconds).toISOString() })
            .where("id", "in", hookIds)
            .where("locked_by", "=", this.nodeId)
            .returning("id")
            .execute();
          const held = new Set(renewed.map((r) => r.id));
          const mine = batch.filter((r) => held.has(r.hook.id));
          await this.webhooks.recordSuccesses(
            tx,
            mine.filter((r) => r.result.ok),
          );
          for (const r of mine) if (!r.result.ok) await this.webhooks.recordAttempt(tx, r.hook, r.delivery, r.result);
          return held;
        });
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() >= giveUpAt) throw error;
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }
}
