import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/** Host, identity, audit and maintenance: the tables of the foundation. */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("system_admins")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("username", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "text")
    .addColumn("last_login_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("organizations")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("tenants")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("org_id", "integer", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  // Tenant names are unique per organization regardless of case ("Default" vs "default").
  await sql`create unique index tenants_org_name on tenants (org_id, lower(name))`.execute(db);

  await db.schema
    .createTable("users")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("org_id", "integer", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "text")
    .addColumn("last_login_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  // E-mails are stored lower-cased; one account per address per organization.
  await db.schema.createIndex("users_org_email").unique().on("users").columns(["org_id", "email"]).execute();

  await db.schema
    .createTable("auth_tokens")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("principal_kind", "text", (c) => c.notNull())
    .addColumn("principal_id", "integer", (c) => c.notNull())
    .addColumn("org_id", "integer", (c) => c.references("organizations.id").onDelete("cascade"))
    .addColumn("name", "text")
    .addColumn("csrf_token", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text")
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .execute();
  await db.schema
    .createIndex("auth_tokens_principal")
    .on("auth_tokens")
    .columns(["principal_kind", "principal_id", "kind"])
    .execute();

  await db.schema
    .createTable("audit_logs")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("org_id", "integer")
    .addColumn("actor_kind", "text", (c) => c.notNull())
    .addColumn("actor_id", "integer")
    .addColumn("actor_name", "text", (c) => c.notNull())
    .addColumn("component", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text")
    .addColumn("target_id", "text")
    .addColumn("target_name", "text")
    .addColumn("before_json", "text")
    .addColumn("after_json", "text")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  // No FK on org_id: host rows name organizations that may be gone (the host log keeps a deletion).
  await db.schema
    .createIndex("audit_logs_scope_time")
    .on("audit_logs")
    .columns(["scope", "org_id", "created_at"])
    .execute();

  await db.schema
    .createTable("maintenance_windows")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.references("tenants.id").onDelete("cascade"))
    .addColumn("phase", "text", (c) => c.notNull())
    .addColumn("kill_jobs", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("ended_at", "text")
    .addColumn("started_by", "text", (c) => c.notNull())
    .addColumn("ended_by", "text")
    .addColumn("job_stops_attempted", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("job_kills_attempted", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("triggers_skipped", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // At most one open window per scope (the whole host is scope 0): two admins racing to start
  // maintenance cannot both win.
  await sql`create unique index maintenance_windows_open on maintenance_windows (coalesce(tenant_id, 0)) where ended_at is null`.execute(
    db,
  );

  await db.schema
    .createTable("maintenance_events")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("window_id", "integer", (c) => c.notNull().references("maintenance_windows.id").onDelete("cascade"))
    .addColumn("phase", "text", (c) => c.notNull())
    .addColumn("actor_name", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("host_settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value_json", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}
