import { jobReason, jobReasonText } from "../../shared/job-reasons.js";
import { JobState } from "../../shared/jobs.js";
import { lostJobs } from "../../storage/sql/lost-jobs.js";
import type { ServiceContext } from "../context.js";
import type { JobCore } from "./job-core.js";
import { ignoreConflict } from "./job-model.js";

/**
 * The periodic sweep over jobs: faults the jobs of robots that did not come back, and asks robots
 * to stop or kill jobs past their time limits.
 */
export class JobSweeper {
  private readonly ctx: ServiceContext;

  constructor(private readonly core: JobCore) {
    this.ctx = core.ctx;
  }

  /**
   * Faults the active jobs of robots that disconnected and did not come back within the grace
   * period, and asks robots to stop or kill jobs past their stop-after / kill-after limits.
   */
  async sweep(graceSeconds: number): Promise<{ faulted: number; stopped: number }> {
    const now = this.ctx.clock.now();
    const cutoff = new Date(now.getTime() - graceSeconds * 1000).toISOString();
    const lost = await lostJobs(this.ctx.db, cutoff);
    let faulted = 0;
    for (const job of lost) {
      if (job.acknowledged_at === null) {
        // It never reached the robot: nothing ran, so it runs elsewhere instead of failing.
        await this.core.unassign(job, "lost-before-received");
        continue;
      }
      // Unless a newer session of the same machine resumed it (then session_id changed).
      const moved = await this.ctx.db.transaction().execute(async (tx) => {
        const row = await this.core
          .move(tx, job, JobState.faulted, {
            ended_at: now.toISOString(),
            error: jobReasonText("robot-lost", {}, "en"),
            token_hash: null,
          })
          .catch(ignoreConflict);
        if (row) {
          await this.core.event(tx, row, job.state, "system", jobReason("robot-lost"));
          await this.core.alertFaulted(tx, row);
        }
        return row;
      });
      if (moved) faulted += 1;
    }
    let stopped = 0;
    const timed = await this.ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("state", "in", [JobState.running, JobState.stopping])
      .where((eb) => eb.or([eb("stop_after_seconds", "is not", null), eb("kill_after_seconds", "is not", null)]))
      .execute();
    for (const job of timed) {
      // A trigger's limits count from the job's creation (time spent pending counts, orchestrator-spec §4.3).
      const since = job.source === "trigger" ? job.created_at : (job.started_at ?? job.created_at);
      const ran = (now.getTime() - Date.parse(since)) / 1000;
      const kill = job.kill_after_seconds !== null && ran >= job.kill_after_seconds;
      const stop =
        !kill && job.state === JobState.running && job.stop_after_seconds !== null && ran >= job.stop_after_seconds;
      if (!kill && !stop) continue;
      const target = kill ? JobState.terminating : JobState.stopping;
      const row = await this.ctx.db.transaction().execute(async (tx) => {
        const r = await this.core.move(tx, job, target, { stop_requested_at: now.toISOString() }).catch(ignoreConflict);
        if (r)
          await this.core.event(
            tx,
            r,
            job.state,
            "system",
            kill
              ? jobReason("killed-after", { seconds: job.kill_after_seconds })
              : jobReason("stopped-after", { seconds: job.stop_after_seconds }),
          );
        return r;
      });
      if (row?.session_id) {
        this.core.robots.stop(row.session_id, row.key, kill ? "kill" : "stop");
        stopped += 1;
      }
    }
    return { faulted, stopped };
  }
}
