import { isFinalJobState, type LogLevel } from "../../shared/jobs.js";
import { appendJobLogs } from "../../storage/sql/append-job-logs.js";
import { logPurgeBatch, purgeJobLogsBatch } from "../../storage/sql/purge-job-logs.js";
import type { ServiceContext } from "../context.js";

/** A robot's log lines of its jobs coming in, and the retention sweep that deletes old ones. */
export class JobLogs {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Stores a robot's batch of log lines; returns the job's id when lines were stored. A batch
   * with a `seq` at or below the job's last stored one was stored before (the robot sends
   * unacknowledged batches again after a reconnect) and is skipped.
   */
  async appendLogs(
    session: { id: number; machineId: number },
    jobKey: string,
    entries: { timestamp: string; level: LogLevel; message: string }[],
    seq?: number,
  ): Promise<number | null> {
    if (entries.length === 0) return null;
    const job = await this.ctx.db
      .selectFrom("jobs")
      .select(["id", "tenant_id", "folder_id", "process_id", "machine_id", "session_id", "state"])
      .where("key", "=", jobKey)
      .where("machine_id", "=", session.machineId)
      .executeTakeFirst();
    // An active job takes lines from the session it is bound to; a finished one also takes its
    // late lines from a later session of its machine (sent again after a reconnect).
    if (!job || (job.session_id !== session.id && !isFinalJobState(job.state))) return null;
    return this.ctx.db.transaction().execute(async (tx) => {
      const stored = await appendJobLogs(tx, job, entries, seq);
      if (!stored) return null;
      return job.id;
    });
  }

  /** Deletes log lines older than each tenant's retention (default 30 days). Returns how many. */
  async purgeLogs(): Promise<number> {
    const tenants = await this.ctx.db.selectFrom("tenants").select(["id", "log_retention_days"]).execute();
    let deleted = 0;
    for (const t of tenants) {
      const cutoff = new Date(this.ctx.clock.now().getTime() - t.log_retention_days * 86_400_000).toISOString();
      // In batches (see storage/sql/purge-job-logs.ts).
      for (;;) {
        const n = await purgeJobLogsBatch(this.ctx.db, t.id, cutoff);
        deleted += n;
        if (n < logPurgeBatch) break;
      }
    }
    return deleted;
  }
}
