import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * Indexes for the queries that run on every request or every second (issue #11 item 12, #14).
 * `test/integration/hot-indexes.test.ts` checks with EXPLAIN that each query uses its index.
 * (The dispatcher's claim already has `jobs_dispatch`, the per-session job reads `jobs_session`,
 * the alerts list `alerts_tenant_time` on (tenant_id, id).)
 */
export async function up(db: Kysely<unknown>, _d: DialectHelpers): Promise<void> {
  // `GET T/jobs`: newest first within the tenant. Without it the list sorted all of the tenant's
  // jobs in a temporary B-tree (2 ms at 1,000 jobs, 10 ms at 10,000) and got slower with history.
  await sql`create index jobs_tenant_list on jobs (tenant_id, id)`.execute(db);
  // The same list for one folder (`folderId`), or for the folders a user may see.
  await sql`create index jobs_tenant_folder_list on jobs (tenant_id, folder_id, id)`.execute(db);
  // The list filtered by process or machine (newest first), and the ON DELETE SET NULL of a
  // process, package or machine, which otherwise scans every job.
  await sql`create index jobs_process on jobs (process_id, id)`.execute(db);
  await sql`create index jobs_machine on jobs (machine_id, id)`.execute(db);
  await sql`create index jobs_package on jobs (package_id)`.execute(db);
  await sql`create index jobs_target_machine on jobs (target_machine_id)`.execute(db);
  // The sweeper (every few seconds) and maintenance look for active jobs of every tenant; the
  // few active ones among all of history (`jobs_dispatch` starts with the tenant).
  await sql`create index jobs_state on jobs (state)`.execute(db);
  // Live sessions only (closed ones are history): by node (a node closing its sessions, and the
  // sessions of dead nodes), and by last heartbeat (the 120 s unresponsive alert and the stale
  // session sweeper, both every few seconds).
  await sql`create index robot_sessions_live_node on robot_sessions (node_id) where disconnected_at is null`.execute(
    db,
  );
  await sql`create index robot_sessions_live_heartbeat on robot_sessions (last_heartbeat_at) where disconnected_at is null`.execute(
    db,
  );
}
