import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * Issue #12: what a newcomer trips over.
 * - `maintenance_windows.expected_end_at`: the end the administrator announced (defect 7); the
 *   503's Retry-After and the maintenance page count down to it instead of a fixed two minutes.
 * - `system_admins.must_change_password`: the bootstrap administrator with a generated password
 *   must choose a password and give an e-mail address at the first sign-in (defect 11). 1 = until
 *   then, every request but the profile's is refused.
 */
export async function up(db: Kysely<unknown>, _d: DialectHelpers): Promise<void> {
  await sql`alter table maintenance_windows add column expected_end_at text`.execute(db);
  await sql`alter table system_admins add column must_change_password integer not null default 0`.execute(db);
}
