import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * Storage buckets: folder-scoped file containers kept in the data folder (`local`) or in an
 * S3-compatible store (`s3`, secret key encrypted under the master key), and the tenant's cap
 * on one upload.
 */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("buckets")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("key", "text", (c) => c.notNull().unique())
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("folder_id", "integer", (c) => c.notNull().references("folders.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("provider", "text", (c) => c.notNull())
    // Flags are 0/1 integers: better-sqlite3 cannot bind booleans.
    .addColumn("read_only", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("s3_endpoint", "text")
    .addColumn("s3_region", "text")
    .addColumn("s3_bucket", "text")
    .addColumn("s3_access_key_id", "text")
    .addColumn("s3_secret_key_enc", "text")
    .addColumn("s3_path_style", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index buckets_folder_name on buckets (folder_id, lower(name))`.execute(db);
  await db.schema.createIndex("buckets_tenant").on("buckets").columns(["tenant_id", "folder_id"]).execute();

  // Largest single file upload to a bucket, in MiB (default 1 GiB).
  await db.schema
    .alterTable("tenants")
    .addColumn("bucket_upload_max_mib", "integer", (c) => c.notNull().defaultTo(1024))
    .execute();
}
