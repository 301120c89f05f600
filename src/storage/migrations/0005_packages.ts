import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/** Automation packages (archives stored in the database, so every node can serve them) and processes. */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("packages")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("manifest_json", "text", (c) => c.notNull())
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("uploaded_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index packages_name_version on packages (tenant_id, lower(name), version)`.execute(db);

  await db.schema
    .createTable("package_blobs")
    .addColumn("package_id", "integer", (c) => c.primaryKey().references("packages.id").onDelete("cascade"))
    .addColumn("content", d.name === "postgres" ? "bytea" : "blob", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("processes")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("folder_id", "integer", (c) => c.notNull().references("folders.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("package_name", "text", (c) => c.notNull())
    // Null = always the latest version of the package.
    .addColumn("package_version", "text")
    .addColumn("entry_point", "text", (c) => c.notNull())
    .addColumn("input_json", "text", (c) => c.notNull())
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index processes_folder_name on processes (folder_id, lower(name))`.execute(db);
}
