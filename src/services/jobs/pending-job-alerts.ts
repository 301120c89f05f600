import { JobState } from "../../shared/jobs.js";
import type { AlertService } from "../alerts/alert-service.js";
import type { ServiceContext } from "../context.js";
import type { MaintenanceService } from "../maintenance/maintenance-service.js";
import { waitingReason } from "./dispatch-rules.js";
import { describeWaiting } from "./job-waiting.js";

/**
 * A warning alert for every job pending longer than the installation's threshold
 * (`DIRIGENT_JOB_PENDING_ALERT_SECONDS`), with what it waits for. Jobs of triggers that set their
 * own `alertPendingSeconds` are left to TriggerAlerts. Each job raises it once: the job's
 * `trigger_alerted` marker (the states it was alerted for) moves with a conditional UPDATE in the
 * alert's transaction, so nodes sweeping at once raise it once.
 */
export class PendingJobAlerts {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly alerts: AlertService,
    private readonly maintenance: MaintenanceService,
  ) {}

  /** Raises the alerts due at `now`; returns how many. */
  async sweep(now: Date, thresholdSeconds: number): Promise<number> {
    const before = new Date(now.getTime() - thresholdSeconds * 1000).toISOString();
    const rows = await this.ctx.db
      .selectFrom("jobs as j")
      .leftJoin("triggers as t", "t.id", "j.trigger_id")
      .select([
        "j.id",
        "j.tenant_id",
        "j.folder_id",
        "j.priority",
        "j.target_machine_id",
        "j.process_name",
        "j.trigger_alerted",
      ])
      .where("j.state", "=", JobState.pending)
      .where("j.created_at", "<=", before)
      .where("t.alert_pending_seconds", "is", null)
      .orderBy("j.id")
      .limit(500)
      .execute();
    let raised = 0;
    for (const j of rows) {
      const done = new Set((j.trigger_alerted ?? "").split(",").filter(Boolean));
      if (done.has(JobState.pending)) continue;
      const reason = await waitingReason(this.ctx.db, this.ctx.clock, j, await this.maintenance.phaseFor(j.tenant_id));
      const next = [...done, JobState.pending].sort().join(",");
      const moved = await this.ctx.db.transaction().execute(async (tx) => {
        const r = await tx
          .updateTable("jobs")
          .set({ trigger_alerted: next })
          .where("id", "=", j.id)
          .where("state", "=", JobState.pending)
          .where((eb) =>
            j.trigger_alerted === null
              ? eb("trigger_alerted", "is", null)
              : eb("trigger_alerted", "=", j.trigger_alerted),
          )
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        const waiting = reason ? describeWaiting(reason) : "";
        await this.alerts.raise(tx, {
          tenant_id: j.tenant_id,
          folder_id: j.folder_id,
          severity: "warn",
          component: "jobs",
          kind: "job-pending-too-long",
          message:
            `Job ${j.id} of ${j.process_name} has been pending for more than ${thresholdSeconds} s. ${waiting}`.trim(),
          link: `/jobs/${j.id}`,
          details: {
            jobId: j.id,
            processName: j.process_name,
            seconds: thresholdSeconds,
            waitingCode: reason?.code ?? null,
            waiting,
          },
        });
        return true;
      });
      if (moved) raised += 1;
    }
    return raised;
  }
}
