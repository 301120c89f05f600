import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { addSeconds } from "../platform/clock.js";
import type { ServiceContext } from "../services/context.js";
import type { WebhookService } from "../services/webhooks/webhook-service.js";
import { WebhookDeliveryStatus } from "../shared/webhooks.js";
import type { WebhookDeliveryRow, WebhookRow } from "../storage/schema.js";
import { FailureStreak } from "./failure-streak.js";
import { WebhookAttemptRecorder } from "./webhook-attempt-recorder.js";

/**
 * Posted deliveries of one subscription whose records may still be uncommitted: what a crash
 * may send a second time. The POSTs themselves stay one at a time per subscription (order); this
 * window only lets the next POST go out while the records of the previous ones are committed.
 * With 2 the database's commit time set the pace on PostgreSQL (0.29× of direct posting in
 * bench/webhooks.ts). With 8, a receiver answering in under a millisecond was capped at about 8
 * POSTs per subscription per group commit (the gathering wait plus the commit): 0.43–0.48× of
 * direct posting on a loaded machine, 0.65 / 0.61× with 32 (bench/webhooks.ts, 8,000 deliveries,
 * five rounds each, same load).
 */
export const inFlightPerSubscription = 32;

export interface WebhookSenderOptions {
  /** How often the outbox is polled when nothing wakes the sender. */
  pollMs?: number;
  /** How long a claimed subscription stays leased before another node may take it over. */
  leaseSeconds?: number;
  /** Subscriptions served at the same time by this node. */
  concurrency?: number;
  /** Deliveries of one subscription read per query. */
  batchSize?: number;
}

/**
 * Sends the webhook outbox. Order per subscription is the rule that shapes it: a node leases a
 * whole subscription (one conditional UPDATE on `webhooks`; PostgreSQL `FOR UPDATE SKIP LOCKED`,
 * so two nodes never hold one), then sends its pending deliveries one after another in id order.
 * A failure stops the subscription's lane: the later deliveries wait until the failed one
 * succeeds or gives up (24 h), so a receiver that was down gets everything in order once it is
 * back. Different subscriptions are sent concurrently, each in its own lane: a lane reads its
 * next batch while it still posts the current one, and when a lane ends the loop leases the next
 * due subscription at once, so the node keeps `concurrency` streams of POSTs going without
 * rounds that wait for their slowest subscription.
 *
 * A crash (kill -9) between a POST and its record leaves the delivery pending and the lease
 * running out; the next holder sends it again — at most one duplicate per in-flight delivery
 * (at most `inFlightPerSubscription` per subscription), which receivers drop by its
 * X-Dirigent-Delivery id.
 */
export class WebhookSender {
  private readonly nodeId = `webhooks-${randomUUID().slice(0, 8)}`;
  private readonly pollMs: number;
  private readonly leaseSeconds: number;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly recorder: WebhookAttemptRecorder;
  private readonly lanes = new Set<Promise<void>>();
  private running = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly streak: FailureStreak;
  /** Set by a failed lane: how long the loop waits before it claims again. */
  private failurePause = 0;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly webhooks: WebhookService,
    options: WebhookSenderOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.leaseSeconds = options.leaseSeconds ?? 120;
    this.concurrency = options.concurrency ?? 16;
    this.batchSize = options.batchSize ?? 100;
    this.recorder = new WebhookAttemptRecorder(ctx, webhooks, this.nodeId, this.leaseSeconds);
    this.streak = new FailureStreak("webhook sender", ctx.logger);
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

  private async loop(): Promise<void> {
    while (this.running) {
      let pause = this.pollMs;
      this.woken = false;
      try {
        const free = this.concurrency - this.lanes.size;
        if (free > 0) {
          await this.webhooks.refreshHostSettings();
          for (const hook of await this.claim(free)) this.startLane(hook);
        }
        if (this.failurePause === 0) this.streak.succeeded();
      } catch (error) {
        pause = this.streak.failed(error, this.pollMs);
      }
      // A lane that failed (its database work) asks for the streak's backoff, not an instant retry.
      pause = Math.max(pause, this.failurePause);
      if (this.failurePause > 0) this.woken = false;
      this.failurePause = 0;
      if (!this.woken && this.running) await this.sleep(pause);
    }
    await Promise.all(this.lanes);
  }

  /**
   * Serves a leased subscription; when the lane ends, the loop looks for the next due
   * subscription at once — unless the lane failed, then after the failure streak's backoff.
   */
  private startLane(hook: WebhookRow): void {
    let failed = false;
    const lane = this.serve(hook)
      .catch((error: unknown) => {
        failed = true;
        this.failurePause = this.streak.failed(error, this.pollMs);
      })
      .finally(() => {
        this.lanes.delete(lane);
        if (!failed) this.wake();
      });
    this.lanes.add(lane);
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
   * Leases up to `limit` subscriptions whose oldest pending delivery is due, in one statement:
   * enabled, not paused by the circuit breaker, not leased by a live sender (this node's lanes
   * hold theirs). The head test uses the (webhook_id, status, id) index: the oldest pending id,
   * then its due time.
   */
  private async claim(limit: number): Promise<WebhookRow[]> {
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
          .limit(limit)
          .$if(this.ctx.dialect.name === "postgres", (q) => q.forUpdate().skipLocked()),
      )
      .where(free)
      .returningAll()
      .execute();
  }

  /** The subscription's pending deliveries after `afterId`, oldest first. */
  private pending(hookId: number, afterId: number): Promise<WebhookDeliveryRow[]> {
    return this.ctx.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("webhook_id", "=", hookId)
      .where("status", "=", WebhookDeliveryStatus.pending)
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(this.batchSize)
      .execute();
  }

  /**
   * A lane: sends a leased subscription's due deliveries in order until none is left, one fails,
   * the lease is lost, or half the lease has passed (then the lease is given back and taken
   * again, so a busy subscription also picks up redeliveries of older deliveries).
   */
  private async serve(leased: WebhookRow): Promise<void> {
    let hook = leased;
    const started = Date.now();
    // Decrypted once per lane, not per delivery (the lane sends with the settings it leased).
    const secret = this.webhooks.secretOf(hook);
    // Posted deliveries whose records are not committed yet (at most inFlightPerSubscription).
    const unrecorded: Promise<boolean>[] = [];
    try {
      let batch = await this.pending(hook.id, 0);
      let going = true;
      while (going && batch.length > 0) {
        const lastId = (batch[batch.length - 1] as WebhookDeliveryRow).id;
        // The next batch is read while this one is posted, so the lane never waits for the database between batches.
        const next = batch.length === this.batchSize ? this.pending(hook.id, lastId) : null;
        next?.catch(() => {});
        for (const delivery of batch) {
          going =
            this.running &&
            delivery.next_attempt_at <= this.ctx.clock.now().toISOString() &&
            // Stay well inside the lease: another node takes the subscription over once it ends.
            Date.now() - started <= (this.leaseSeconds * 1000) / 2;
          if (!going) break;
          const result = await this.webhooks.client.post(this.webhooks.request(hook, delivery, secret));
          unrecorded.push(this.recorder.record(hook, delivery, result));
          // Lease lost (another node took over and sends from here): stop.
          if (unrecorded.length >= inFlightPerSubscription) going = await (unrecorded.shift() as Promise<boolean>);
          if (!result.ok) going = false;
          if (!going) break;
          if (hook.consecutive_failures > 0 || hook.paused_until)
            hook = { ...hook, consecutive_failures: 0, paused_until: null };
        }
        batch = going && next ? await next : [];
      }
    } finally {
      // The lease is given back only after every record is committed (or failed).
      await Promise.allSettled(unrecorded);
      await this.ctx.db
        .updateTable("webhooks")
        .set({ locked_by: null, locked_until: null })
        .where("id", "=", hook.id)
        .where("locked_by", "=", this.nodeId)
        .execute()
        .catch((error: unknown) => this.ctx.logger.warn({ err: error }, "could not release a webhook lease"));
    }
  }
}
