import { JobState } from "../../shared/jobs.js";
import { FiringOutcome } from "../../shared/triggers.js";
import type { Db } from "../../storage/database.js";
import type { TriggerRow } from "../../storage/schema.js";
import type { AlertService } from "../alerts/alert-service.js";
import type { ServiceContext } from "../context.js";

/**
 * Raises `trigger-failed` for a failed firing that was just recorded (in its transaction) —
 * once per run of failures: not when the trigger's firing before this one failed as well, so a
 * trigger failing every minute raises one alert, and another after it fired successfully again.
 */
export async function raiseTriggerFailed(alerts: AlertService, tx: Db, trigger: TriggerRow, reason: string) {
  const [, previous] = await tx
    .selectFrom("trigger_firings")
    .select("outcome")
    .where("trigger_id", "=", trigger.id)
    .where("outcome", "!=", FiringOutcome.skipped)
    .orderBy("id", "desc")
    .limit(2)
    .execute();
  if (previous?.outcome === FiringOutcome.failed) return;
  await alerts.raiseKind(
    tx,
    "trigger-failed",
    { tenantId: trigger.tenant_id, folderId: trigger.folder_id },
    { triggerName: trigger.name, reason },
  );
}

/**
 * The alerts a trigger asks for when one of its jobs stays pending or running longer than its
 * thresholds (`alertPendingSeconds`, `alertRunningSeconds`). Each job raises each alert once:
 * the job's `trigger_alerted` moves with a conditional UPDATE in the alert's transaction, so
 * several nodes sweeping at once raise it once.
 */
export class TriggerAlerts {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly alerts: AlertService,
  ) {}

  /** Raises the overdue alerts due at `now`; returns how many. */
  async sweep(now: Date): Promise<number> {
    const rows = await this.ctx.db
      .selectFrom("jobs as j")
      .innerJoin("triggers as t", "t.id", "j.trigger_id")
      .select([
        "j.id",
        "j.tenant_id",
        "j.folder_id",
        "j.state",
        "j.created_at",
        "j.started_at",
        "j.trigger_alerted",
        "t.name",
        "t.alert_pending_seconds",
        "t.alert_running_seconds",
      ])
      .where("j.state", "in", [JobState.pending, JobState.running])
      .where((eb) =>
        eb.or([eb("t.alert_pending_seconds", "is not", null), eb("t.alert_running_seconds", "is not", null)]),
      )
      .execute();
    let raised = 0;
    for (const j of rows) {
      const done = new Set((j.trigger_alerted ?? "").split(",").filter(Boolean));
      const pending = j.state === JobState.pending;
      const limit = pending ? j.alert_pending_seconds : j.alert_running_seconds;
      const since = pending ? j.created_at : (j.started_at ?? j.created_at);
      if (limit === null || done.has(j.state) || now.getTime() - Date.parse(since) < limit * 1000) continue;
      const next = [...done, j.state].sort().join(",");
      const moved = await this.ctx.db.transaction().execute(async (tx) => {
        const r = await tx
          .updateTable("jobs")
          .set({ trigger_alerted: next })
          .where("id", "=", j.id)
          .where((eb) =>
            j.trigger_alerted === null
              ? eb("trigger_alerted", "is", null)
              : eb("trigger_alerted", "=", j.trigger_alerted),
          )
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        await this.alerts.raise(tx, {
          tenant_id: j.tenant_id,
          folder_id: j.folder_id,
          severity: "warn",
          component: "jobs",
          kind: "trigger-job-overdue",
          message: `Job ${j.id} of trigger ${j.name} has been ${j.state} for more than ${limit} s.`,
          link: `/jobs/${j.id}`,
          details: { jobId: j.id, triggerName: j.name, state: j.state, seconds: limit },
        });
        return true;
      });
      if (moved) raised += 1;
    }
    return raised;
  }
}
