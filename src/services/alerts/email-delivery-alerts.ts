import { isoNow } from "../../platform/clock.js";
import { AccountStatus } from "../../shared/identity.js";
import type { ServiceContext } from "../context.js";
import type { AlertService } from "./alert-service.js";

/** Failed sends in a row after which an organization's e-mail delivery counts as failing. */
export const emailFailingAfter = 3;

/** What one mailer round came to for one organization. */
export interface EmailRoundOutcome {
  sent: number;
  failed: number;
  /** The last failure's message (no secrets: the classified SMTP error). */
  lastError: string | null;
}

/**
 * The `email-delivery-failing` alert (orchestrator-spec §1.6): an organization whose sends fail
 * `emailFailingAfter` times in a row (temporary or permanent failures; no send succeeding in
 * between) gets one alert per outage in each of its active tenants, in-app and as an
 * `alert.raised` webhook — never by e-mail, which is what is failing. A successful send ends the
 * outage quietly; the next run of failures raises again. The counts live in
 * `email_delivery_health`, so every mailer node adds to the same run, and the alert is raised by
 * the one conditional UPDATE that moves `failing_since` from null.
 *
 * Messages of the host itself (no organization) have no tenant to alert; their failures show on
 * the host's outbox page and in the log.
 */
export class EmailDeliveryAlerts {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly alerts: AlertService,
  ) {}

  /** Notes a mailer round's outcomes per organization; raises the alert where a run reached the threshold. */
  async note(outcomes: Map<number, EmailRoundOutcome>): Promise<void> {
    for (const [orgId, o] of outcomes) {
      if (o.sent > 0) await this.worked(orgId);
      else if (o.failed > 0) await this.failed(orgId, o.failed, o.lastError);
    }
  }

  /** A send of the organization succeeded: the run of failures, and an outage, end. */
  private async worked(orgId: number): Promise<void> {
    const ended = await this.ctx.db
      .updateTable("email_delivery_health")
      .set({ failures: 0, failing_since: null, updated_at: isoNow(this.ctx.clock) })
      .where("org_id", "=", orgId)
      .where((eb) => eb.or([eb("failures", ">", 0), eb("failing_since", "is not", null)]))
      .returning("failing_since")
      .executeTakeFirst();
    if (ended?.failing_since)
      this.ctx.logger.info({ orgId, since: ended.failing_since }, "e-mail delivery of an organization works again");
  }

  private async failed(orgId: number, count: number, lastError: string | null): Promise<void> {
    const now = isoNow(this.ctx.clock);
    const error = (lastError ?? "").slice(0, 500);
    await this.ctx.db.transaction().execute(async (tx) => {
      const run = await tx
        .insertInto("email_delivery_health")
        .values({ org_id: orgId, failures: count, last_error: error, updated_at: now })
        .onConflict((oc) =>
          oc.column("org_id").doUpdateSet((eb) => ({
            failures: eb("email_delivery_health.failures", "+", count),
            last_error: error,
            updated_at: now,
          })),
        )
        .returning(["failures", "failing_since"])
        .executeTakeFirstOrThrow();
      if (run.failures < emailFailingAfter || run.failing_since !== null) return;
      // Once per outage, whichever node gets here first.
      const starts = await tx
        .updateTable("email_delivery_health")
        .set({ failing_since: now })
        .where("org_id", "=", orgId)
        .where("failing_since", "is", null)
        .executeTakeFirst();
      if (Number(starts.numUpdatedRows) !== 1) return;
      const org = await tx.selectFrom("organizations").select("name").where("id", "=", orgId).executeTakeFirst();
      const tenants = await tx
        .selectFrom("tenants")
        .select("id")
        .where("org_id", "=", orgId)
        .where("status", "=", AccountStatus.active)
        .execute();
      const details = { orgName: org?.name ?? String(orgId), failures: run.failures, error };
      for (const t of tenants) await this.alerts.raiseKind(tx, "email-delivery-failing", { tenantId: t.id }, details);
      this.ctx.logger.warn({ orgId, failures: run.failures }, "e-mail delivery of an organization is failing");
    });
  }
}
