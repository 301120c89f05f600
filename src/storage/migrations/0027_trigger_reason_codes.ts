import type { Kysely } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * Why a trigger turned itself off as a code plus parameters (src/shared/trigger-reasons.ts), so
 * each reader sees it in their language; `disabled_reason` keeps the English sentence for API
 * clients. Triggers disabled before this migration have no code and show their English text.
 */
export async function up(db: Kysely<unknown>, _d: DialectHelpers): Promise<void> {
  await db.schema.alterTable("triggers").addColumn("disabled_reason_code", "text").execute();
  await db.schema.alterTable("triggers").addColumn("disabled_reason_params", "text").execute();
}
