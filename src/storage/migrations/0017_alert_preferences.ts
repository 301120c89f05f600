import { type Kysely, sql } from "kysely";

/**
 * Alert preferences per user and component (per channel a minimum severity, null = off), tenant
 * defaults for users without their own, read marks of the alerts page, and the claims of the
 * e-mail digests (one row per user, tenant, kind and period: a digest is sent exactly once even
 * with several nodes). The e-mail opt-ins of 0008 become the `email` channel.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("alert_preferences")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("component", "text", (c) => c.notNull())
    .addColumn("in_app", "text")
    .addColumn("email", "text")
    .addColumn("digest", "text")
    .addColumn("summary", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("alert_preferences_pk", ["user_id", "component"])
    .execute();
  await db.schema
    .createTable("alert_preference_defaults")
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("component", "text", (c) => c.notNull())
    .addColumn("in_app", "text")
    .addColumn("email", "text")
    .addColumn("digest", "text")
    .addColumn("summary", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("alert_preference_defaults_pk", ["tenant_id", "component"])
    .execute();
  await sql`insert into alert_preferences (user_id, component, in_app, email, digest, summary, updated_at)
    select user_id, component, 'info', min_severity, null, null, created_at from alert_email_subscriptions`.execute(db);
  await db.schema.dropTable("alert_email_subscriptions").execute();

  await db.schema
    .createTable("alert_reads")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("alert_id", "integer", (c) => c.notNull().references("alerts.id").onDelete("cascade"))
    .addColumn("read_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("alert_reads_pk", ["user_id", "alert_id"])
    .execute();
  // "Mark all read": every alert of the tenant up to this id is read for the user.
  await db.schema
    .createTable("alert_read_marks")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("up_to_id", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("alert_read_marks_pk", ["user_id", "tenant_id"])
    .execute();

  await db.schema
    .createTable("alert_digests")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("alert_count", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("alert_digests_pk", ["user_id", "tenant_id", "kind", "period"])
    .execute();
  await db.schema.createIndex("alerts_tenant_created").on("alerts").columns(["tenant_id", "created_at"]).execute();
}
