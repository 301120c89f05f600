import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * When the robot first showed that it has a job (issue #11 item 2). A job assigned in the instant
 * the server died, whose assignment never reached the agent, has none: when that agent comes back
 * without it, the job goes back to pending instead of staying running until it is faulted.
 * Active jobs of before this migration count as acknowledged (their robots had them).
 */
export async function up(db: Kysely<unknown>, _d: DialectHelpers): Promise<void> {
  await sql`alter table jobs add column acknowledged_at text`.execute(db);
  await sql`update jobs set acknowledged_at = updated_at where state in ('running', 'stopping', 'terminating')`.execute(
    db,
  );
}
