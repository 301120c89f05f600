import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/** Folders per tenant, tenant and folder roles, and role assignments of organization users. */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("folders")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("parent_id", "integer", (c) => c.references("folders.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  // Sibling names are unique regardless of case; top-level folders are siblings under "0".
  await sql`create unique index folders_sibling_name on folders (tenant_id, coalesce(parent_id, 0), lower(name))`.execute(
    db,
  );

  await db.schema
    .createTable("roles")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    // Set for predefined roles (their permissions come from the code), null for custom roles.
    .addColumn("predefined_key", "text")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("permissions_json", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index roles_tenant_name on roles (tenant_id, lower(name))`.execute(db);

  await db.schema
    .createTable("role_assignments")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role_id", "integer", (c) => c.notNull().references("roles.id").onDelete("cascade"))
    // Null for a tenant role; the folder for a folder role (inherited by its subfolders).
    .addColumn("folder_id", "integer", (c) => c.references("folders.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index role_assignments_unique on role_assignments (user_id, role_id, coalesce(folder_id, 0))`.execute(
    db,
  );
  await db.schema
    .createIndex("role_assignments_tenant_user")
    .on("role_assignments")
    .columns(["tenant_id", "user_id"])
    .execute();
}
