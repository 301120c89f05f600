import type { Kysely } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/** Per-tenant log retention, and alert records (job faulted, robot disconnected / unresponsive). */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .alterTable("tenants")
    .addColumn("log_retention_days", "integer", (c) => c.notNull().defaultTo(30))
    .execute();

  await db.schema
    .createTable("alerts")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("folder_id", "integer", (c) => c.references("folders.id").onDelete("cascade"))
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("component", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("link", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("alerts_tenant_time").on("alerts").columns(["tenant_id", "id"]).execute();

  await db.schema.alterTable("robot_sessions").addColumn("unresponsive_alerted_at", "text").execute();
}
