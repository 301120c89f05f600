import type { Kysely } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * A job timeline entry's reason as a code plus parameters (src/shared/job-reasons.ts), so each
 * reader sees it in their language; `reason` keeps the English sentence for API clients. Entries
 * written before this migration, and raw robot errors, have no code.
 */
export async function up(db: Kysely<unknown>, _d: DialectHelpers): Promise<void> {
  await db.schema.alterTable("job_events").addColumn("reason_code", "text").execute();
  await db.schema.alterTable("job_events").addColumn("reason_params", "text").execute();
}
