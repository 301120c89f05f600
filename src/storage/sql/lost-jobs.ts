import { activeJobStates } from "../../shared/jobs.js";
import type { Db } from "../database.js";
import type { JobRow } from "../schema.js";

/**
 * The active jobs whose robot session ended before `cutoff` (the robot disconnected and did not
 * come back within the grace period): the sweeper faults them one by one, each with a
 * conditional update, so a job a newer session resumed meanwhile (its `session_id` changed) is
 * left alone. Runs every few seconds: the join starts from the active jobs (few, through the
 * `jobs` state index) rather than from the sessions (many, most long closed).
 */
export function lostJobs(db: Db, cutoff: string): Promise<JobRow[]> {
  return db
    .selectFrom("jobs as j")
    .innerJoin("robot_sessions as s", "s.id", "j.session_id")
    .selectAll("j")
    .where("j.state", "in", [...activeJobStates])
    .where("s.disconnected_at", "is not", null)
    .where("s.disconnected_at", "<", cutoff)
    .execute();
}
