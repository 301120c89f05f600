import { setTimeout as sleep } from "node:timers/promises";
import { addSeconds } from "../platform/clock.js";
import type { ServiceContext } from "../services/context.js";
import { noteDeliveries } from "../services/webhooks/webhook-attempts.js";
import type { AttemptResult } from "../services/webhooks/webhook-client.js";
import type { WebhookService } from "../services/webhooks/webhook-service.js";
import { isDatabaseUnavailable } from "../storage/db-errors.js";
import type { WebhookDeliveryRow, WebhookRow } from "../storage/schema.js";
import { recordWebhookSuccesses, recordWebhookSuccessesSqlite } from "../storage/sql/record-webhook-successes.js";

/**
 * How long attempts are gathered before their records are committed together. A subscription's
 * window of unrecorded POSTs (`inFlightPerSubscription`, 32) outlasts it plus a commit even for a
 * receiver answering in a millisecond. bench/webhooks.ts on the idle machine, 8,000 deliveries,
 * five rounds: 10 ms gave 0.76–0.79× / 0.78–0.86× of direct posting (SQLite / PostgreSQL), 20 ms
 * 0.82–0.85× / 0.76–0.86×.
 */
const gatherMs = 20;

interface Pending {
  hook: WebhookRow;
  delivery: WebhookDeliveryRow;
  result: AttemptResult;
  done: (held: boolean) => void;
  fail: (error: unknown) => void;
}

/**
 * The webhook sender's group commit: attempts of all subscriptions are written together, one
 * transaction at a time: the first attempt waits `gatherMs` for others, and whatever arrives
 * while a commit runs waits for the next gathering, so a commit carries many attempts (a handful
 * of statements for all of them). The sender's window per subscription (`inFlightPerSubscription`)
 * keeps the POSTs going meanwhile.
 */
export class WebhookAttemptRecorder {
  private queued: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly webhooks: WebhookService,
    private readonly nodeId: string,
    private readonly leaseSeconds: number,
  ) {}

  /**
   * Records an attempt; resolves true if this node still held the subscription's lease (else
   * another node took over and will send the delivery again; the outcome is dropped).
   */
  record(hook: WebhookRow, delivery: WebhookDeliveryRow, result: AttemptResult): Promise<boolean> {
    return new Promise((done, fail) => {
      this.queued.push({ hook, delivery, result, done, fail });
      if (!this.flushing) this.gather();
    });
  }

  /**
   * A short wait gathers the records of all subscriptions into one commit (the POSTs carry on
   * meanwhile, up to the window); on SQLite every commit also blocks the event loop.
   */
  private gather(): void {
    this.flushing = true;
    setTimeout(() => void this.flush(), gatherMs);
  }

  /**
   * Commits what was gathered; what arrived meanwhile waits for the next gathering wait, not for
   * an immediate commit: back-to-back commits carried ~13 attempts each on PostgreSQL (one commit
   * every 2 ms), and their round trips cost the event loop a third of the POSTs.
   */
  private async flush(): Promise<void> {
    const batch = this.queued.splice(0);
    try {
      const held = await this.write(batch);
      for (const r of batch) r.done(held.has(r.hook.id));
    } catch (error) {
      for (const r of batch) r.fail(error);
    } finally {
      this.flushing = false;
      if (this.queued.length > 0) this.gather();
    }
  }

  /**
   * One transaction: renews the leases this node still holds and records the attempts of those
   * subscriptions. A briefly unavailable database is waited for, for up to half the lease, so
   * that an outage does not turn every delivered POST into a duplicate.
   */
  private async write(batch: Pending[]): Promise<Set<number>> {
    const giveUpAt = Date.now() + (this.leaseSeconds * 1000) / 2;
    const hookIds = [...new Set(batch.map((r) => r.hook.id))];
    // All succeeded (the common case): storage/sql/record-webhook-successes.ts.
    const oneStatement = batch.every((r) => r.result.ok);
    for (let attempt = 1; ; attempt++) {
      try {
        if (oneStatement) {
          const held = await this.writeSuccesses(batch, hookIds);
          // The live deliveries pages hear of these successes (the transaction path notes its own).
          noteDeliveries(
            this.ctx,
            batch.filter((r) => held.has(r.hook.id)).map((r) => r.hook),
          );
          return held;
        }
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
          await this.webhooks.attempts.recordSuccesses(
            tx,
            mine.filter((r) => r.result.ok),
          );
          for (const r of mine)
            if (!r.result.ok) await this.webhooks.attempts.recordAttempt(tx, r.hook, r.delivery, r.result);
          return held;
        });
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() >= giveUpAt) throw error;
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }

  private writeSuccesses(batch: Pending[], hookIds: number[]): Promise<Set<number>> {
    const now = this.ctx.clock.now();
    const failing = batch.filter((r) => r.hook.consecutive_failures > 0 || r.hook.paused_until).map((r) => r.hook.id);
    const record = this.ctx.dialect.name === "postgres" ? recordWebhookSuccesses : recordWebhookSuccessesSqlite;
    return record(
      this.ctx.db,
      { nodeId: this.nodeId, until: addSeconds(now, this.leaseSeconds).toISOString(), hookIds },
      now.toISOString(),
      batch.map((r) => ({
        deliveryId: r.delivery.id,
        webhookId: r.hook.id,
        statusCode: r.result.statusCode,
        body: r.result.body,
        durationMs: r.result.durationMs,
      })),
      [...new Set(failing)],
    );
  }
}
