import type { Kysely } from "kysely";

/**
 * Alert details (the values of its sentence, so it can be told in each reader's language), and
 * alert e-mail opt-ins: a row means the user gets alerts of `component` at or above
 * `min_severity` by e-mail (for the folders and tenants they may see). No row, no mail.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("alerts").addColumn("details_json", "text").execute();
  await db.schema
    .createTable("alert_email_subscriptions")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("component", "text", (c) => c.notNull())
    .addColumn("min_severity", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("alert_email_subscriptions_pk", ["user_id", "component"])
    .execute();
  await db.schema
    .createIndex("alert_email_subscriptions_component")
    .on("alert_email_subscriptions")
    .column("component")
    .execute();
}
