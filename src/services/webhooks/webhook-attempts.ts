import { addSeconds } from "../../platform/clock.js";
import { alertMessage } from "../../shared/alerts.js";
import { WebhookDeliveryStatus, webhookRetryDelaySeconds } from "../../shared/webhooks.js";
import type { Db } from "../../storage/database.js";
import type { WebhookDeliveryRow, WebhookRow } from "../../storage/schema.js";
import type { AlertService } from "../alerts/alert-service.js";
import type { ServiceContext } from "../context.js";
import type { AttemptResult } from "./webhook-client.js";

/** Failed attempts in a row after which a subscription is paused and an alert raised. */
export const breakerThreshold = 5;
/** How long the circuit breaker pauses a subscription. */
export const breakerPauseSeconds = 3600;

/**
 * What an attempt leaves behind: its `webhook_attempts` row, the delivery's new state, the
 * subscription's run of failures and circuit breaker. Written by the background sender (in its
 * group commit) and by "ping".
 */
export class WebhookAttempts {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly alerts: AlertService,
  ) {}

  /**
   * Stores one attempt and what follows from it: the delivery succeeded, waits for its next
   * retry, or gave up after its 24 h; the subscription's run of failures, its circuit breaker
   * (paused for an hour after `breakerThreshold` failures in a row, with an alert) and, for a
   * failure that will be retried, the time before which none of its later deliveries may go
   * (they wait, so they arrive in order). Returns the time the subscription is blocked until.
   */
  async recordAttempt(
    tx: Db,
    hook: WebhookRow,
    delivery: WebhookDeliveryRow,
    result: AttemptResult,
    options: { ping?: boolean } = {},
  ): Promise<string | null> {
    const now = this.ctx.clock.now();
    const nowIso = now.toISOString();
    noteDeliveries(this.ctx, [hook]);
    await tx
      .insertInto("webhook_attempts")
      .values({
        delivery_id: delivery.id,
        attempted_at: nowIso,
        status: result.ok ? "succeeded" : "failed",
        response_code: result.statusCode,
        response_body: result.body,
        duration_ms: result.durationMs,
        reason: result.reason,
      })
      .execute();
    const attempts = delivery.attempts + 1;
    const common = {
      attempts,
      last_attempt_at: nowIso,
      last_response_code: result.statusCode,
      last_reason: result.reason,
    };
    if (result.ok) {
      await tx
        .updateTable("webhook_deliveries")
        .set({ ...common, status: WebhookDeliveryStatus.succeeded, completed_at: nowIso })
        .where("id", "=", delivery.id)
        .execute();
      if (hook.consecutive_failures > 0 || hook.paused_until !== null)
        await tx
          .updateTable("webhooks")
          .set({ consecutive_failures: 0, paused_until: null, paused_reason: null })
          .where("id", "=", hook.id)
          .execute();
      return null;
    }
    const next = addSeconds(now, webhookRetryDelaySeconds(attempts)).toISOString();
    const retry = !options.ping && next <= delivery.retry_until;
    await tx
      .updateTable("webhook_deliveries")
      .set({
        ...common,
        status: retry ? WebhookDeliveryStatus.pending : WebhookDeliveryStatus.failed,
        next_attempt_at: next,
        completed_at: retry ? null : nowIso,
      })
      .where("id", "=", delivery.id)
      .execute();
    if (options.ping) return null;
    const failures = hook.consecutive_failures + 1;
    const opens = failures === breakerThreshold;
    await tx
      .updateTable("webhooks")
      .set({
        consecutive_failures: failures,
        ...(opens && {
          paused_until: addSeconds(now, breakerPauseSeconds).toISOString(),
          paused_reason: result.reason,
        }),
      })
      .where("id", "=", hook.id)
      .execute();
    if (opens) {
      const details = { webhookId: hook.id, url: hook.url, failures, reason: result.reason ?? "" };
      await this.alerts.raise(tx, {
        tenant_id: hook.tenant_id,
        folder_id: null,
        severity: "error",
        component: "webhooks",
        kind: "webhook-paused",
        message: alertMessage("webhook-paused", details, "en") ?? "webhook-paused",
        link: `/webhooks/${hook.id}`,
        details,
      });
    }
    return retry ? next : null;
  }

  /**
   * Stores successful attempts of several deliveries at once (the sender's group commit): one
   * insert of their attempts, one update per response code, and the end of the failure runs of
   * their subscriptions. Failures go through `recordAttempt`, one by one.
   */
  async recordSuccesses(
    tx: Db,
    items: { hook: WebhookRow; delivery: WebhookDeliveryRow; result: AttemptResult }[],
  ): Promise<void> {
    if (items.length === 0) return;
    const nowIso = this.ctx.clock.now().toISOString();
    noteDeliveries(
      this.ctx,
      items.map((i) => i.hook),
    );
    await tx
      .insertInto("webhook_attempts")
      .values(
        items.map(({ delivery, result }) => ({
          delivery_id: delivery.id,
          attempted_at: nowIso,
          status: "succeeded" as const,
          response_code: result.statusCode,
          response_body: result.body,
          duration_ms: result.durationMs,
          reason: result.reason,
        })),
      )
      .execute();
    const byCode = new Map<number | null, number[]>();
    for (const { delivery, result } of items) {
      const ids = byCode.get(result.statusCode) ?? [];
      ids.push(delivery.id);
      byCode.set(result.statusCode, ids);
    }
    for (const [code, ids] of byCode)
      await tx
        .updateTable("webhook_deliveries")
        .set((eb) => ({
          status: WebhookDeliveryStatus.succeeded,
          attempts: eb("attempts", "+", 1),
          last_attempt_at: nowIso,
          last_response_code: code,
          last_reason: null,
          completed_at: nowIso,
        }))
        .where("id", "in", ids)
        .execute();
    const failing = [
      ...new Set(items.filter((i) => i.hook.consecutive_failures > 0 || i.hook.paused_until).map((i) => i.hook.id)),
    ];
    if (failing.length > 0)
      await tx
        .updateTable("webhooks")
        .set({ consecutive_failures: 0, paused_until: null, paused_reason: null })
        .where("id", "in", failing)
        .execute();
  }
}

/** Tells the live pages (after the commit) that deliveries of these subscriptions changed. */
export function noteDeliveries(ctx: ServiceContext, hooks: Pick<WebhookRow, "id" | "tenant_id">[]): void {
  const byTenant = new Map<number, Set<number>>();
  for (const h of hooks) {
    const ids = byTenant.get(h.tenant_id);
    if (ids) ids.add(h.id);
    else byTenant.set(h.tenant_id, new Set([h.id]));
  }
  for (const [tenantId, ids] of byTenant)
    ctx.changes?.note(tenantId, { kind: "webhooks", folderId: null, ids: [...ids] });
}
