import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/** System e-mail: settings per level, the outbox, one-time account links, licenses, announcements. */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("email_settings")
    .addColumn("id", "integer", d.idColumn)
    // Null = the host's settings; otherwise one organization's.
    .addColumn("org_id", "integer", (c) => c.references("organizations.id").onDelete("cascade"))
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("settings_json", "text", (c) => c.notNull())
    .addColumn("smtp_password_enc", "text")
    .addColumn("oauth_client_secret_enc", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index email_settings_scope on email_settings (coalesce(org_id, 0))`.execute(db);

  await db.schema
    .createTable("email_outbox")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("org_id", "integer", (c) => c.references("organizations.id").onDelete("cascade"))
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("to_address", "text", (c) => c.notNull())
    .addColumn("to_name", "text")
    .addColumn("data_json", "text", (c) => c.notNull())
    .addColumn("subject", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "text", (c) => c.notNull())
    // Temporary failures are retried until then (48 h after the message was queued or resent).
    .addColumn("retry_until", "text", (c) => c.notNull())
    .addColumn("locked_by", "text")
    .addColumn("locked_until", "text")
    .addColumn("last_error", "text")
    .addColumn("last_smtp_code", "integer")
    .addColumn("message_id", "text")
    .addColumn("settings_source", "text")
    .addColumn("sent_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  // The sender's claim query: due queued rows in order.
  await db.schema
    .createIndex("email_outbox_due")
    .on("email_outbox")
    .columns(["status", "next_attempt_at", "id"])
    .execute();
  await db.schema.createIndex("email_outbox_org").on("email_outbox").columns(["org_id", "id"]).execute();

  await db.schema
    .createTable("account_tokens")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("principal_kind", "text", (c) => c.notNull())
    .addColumn("principal_id", "integer", (c) => c.notNull())
    .addColumn("org_id", "integer", (c) => c.references("organizations.id").onDelete("cascade"))
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("used_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("account_tokens_principal")
    .on("account_tokens")
    .columns(["principal_kind", "principal_id", "purpose"])
    .execute();

  await db.schema
    .createTable("tenant_licenses")
    .addColumn("tenant_id", "integer", (c) => c.primaryKey().references("tenants.id").onDelete("cascade"))
    .addColumn("robot_slots", "integer", (c) => c.notNull())
    .addColumn("expires_at", "text")
    // The last expiry notice sent for this expiry date: "30", "7", "1" or "expired".
    .addColumn("notified_stage", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("announcements")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("subject_en", "text", (c) => c.notNull())
    .addColumn("body_en", "text", (c) => c.notNull())
    .addColumn("subject_de", "text", (c) => c.notNull())
    .addColumn("body_de", "text", (c) => c.notNull())
    .addColumn("org_ids_json", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("sent_at", "text")
    .addColumn("recipient_count", "integer")
    .execute();
}
