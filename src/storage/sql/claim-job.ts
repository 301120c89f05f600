import { JobState } from "../../shared/jobs.js";
import type { Db } from "../database.js";
import type { DialectName } from "../dialect.js";
import type { JobRow } from "../schema.js";

export interface ClaimJob {
  sessionId: number;
  machineId: number;
  tenantId: number;
  now: string;
  /** The hash of the job token the robot gets (the token itself is never stored). */
  tokenHash: string;
}

/**
 * Hands the best pending job a machine may run to one of its sessions: its tenant, one of the
 * machine's folders, not targeted at another machine; highest priority, then oldest.
 *
 * ONE conditional statement, so two nodes (or two robots) never get the same job:
 * - PostgreSQL: the inner SELECT takes its row `FOR UPDATE SKIP LOCKED`, so robots claiming at
 *   the same moment skip each other's candidate instead of queueing behind it and finding it
 *   taken; the outer `state = 'pending'` re-check guards the rest.
 * - SQLite: one writer; the sub-select and the update see the same snapshot (no row locks, so the
 *   clause is left out).
 * The folder filter is a sub-select over `machine_folders`, served by its primary key; the order
 * by (priority desc, id) with the tenant/state filter uses the `jobs_dispatch` index.
 */
export function claimJob(db: Db, dialect: DialectName, c: ClaimJob): Promise<JobRow | undefined> {
  return db
    .updateTable("jobs")
    .set({
      state: JobState.running,
      machine_id: c.machineId,
      session_id: c.sessionId,
      started_at: c.now,
      updated_at: c.now,
      token_hash: c.tokenHash,
    })
    .where("id", "=", (eb) =>
      eb
        .selectFrom("jobs as j")
        .select("j.id")
        .where("j.tenant_id", "=", c.tenantId)
        .where("j.state", "=", JobState.pending)
        .where((w) => w.or([w("j.target_machine_id", "is", null), w("j.target_machine_id", "=", c.machineId)]))
        .where("j.folder_id", "in", (f) =>
          f.selectFrom("machine_folders").select("folder_id").where("machine_id", "=", c.machineId),
        )
        .orderBy("j.priority", "desc")
        .orderBy("j.id")
        .limit(1)
        .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
    )
    .where("state", "=", JobState.pending)
    .returningAll()
    .executeTakeFirst();
}
