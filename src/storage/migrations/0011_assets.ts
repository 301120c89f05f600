import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * Assets: named values of a folder (text, bool, integer, credential) with an optional global
 * value and per-machine values. Every value is sealed with the master key (AES-256-GCM, bound to
 * the asset's key and the machine), so the database never holds one in the clear.
 */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("assets")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("key", "text", (c) => c.notNull().unique())
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("folder_id", "integer", (c) => c.notNull().references("folders.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    // text | bool | integer | credential; fixed after creation.
    .addColumn("type", "text", (c) => c.notNull())
    // The global value (JSON, sealed); null = only machines with their own value get one.
    .addColumn("value_enc", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index assets_folder_name on assets (folder_id, lower(name))`.execute(db);
  await sql`create index assets_tenant on assets (tenant_id)`.execute(db);

  await db.schema
    .createTable("asset_machine_values")
    .addColumn("asset_id", "integer", (c) => c.notNull().references("assets.id").onDelete("cascade"))
    .addColumn("machine_id", "integer", (c) => c.notNull().references("machines.id").onDelete("cascade"))
    .addColumn("value_enc", "text", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("asset_machine_values_pk", ["asset_id", "machine_id"])
    .execute();
  await sql`create index asset_machine_values_machine on asset_machine_values (machine_id)`.execute(db);
}
