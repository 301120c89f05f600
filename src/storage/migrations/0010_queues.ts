import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/** Queues, their items (transactions) and each item's history; the tenant's abandon period. */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .alterTable("tenants")
    .addColumn("queue_abandon_hours", "integer", (c) => c.notNull().defaultTo(24))
    .execute();

  await db.schema
    .createTable("queues")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("key", "text", (c) => c.notNull().unique())
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("folder_id", "integer", (c) => c.notNull().references("folders.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    // Names are unique per folder and matched case-insensitively: lower(name), kept in a column.
    .addColumn("name_key", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("unique_reference", "integer", (c) => c.notNull())
    .addColumn("auto_retry", "integer", (c) => c.notNull())
    .addColumn("max_retries", "integer", (c) => c.notNull())
    .addColumn("retry_abandoned", "integer", (c) => c.notNull())
    .addColumn("sla_minutes", "integer")
    .addColumn("risk_sla_minutes", "integer")
    .addColumn("specific_schema_json", "text")
    .addColumn("output_schema_json", "text")
    .addColumn("analytics_schema_json", "text")
    .addColumn("process_id", "integer", (c) => c.references("processes.id").onDelete("set null"))
    // Bumped on every change: compiled schemas are cached per (queue, version).
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("queues_folder_name").unique().on("queues").columns(["folder_id", "name_key"]).execute();
  await db.schema.createIndex("queues_tenant").on("queues").columns(["tenant_id"]).execute();

  await db.schema
    .createTable("queue_items")
    .addColumn("id", "integer", d.idColumn)
    // Shared by every item of a retry chain (clones keep the original's key).
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("tenant_id", "integer", (c) => c.notNull())
    .addColumn("folder_id", "integer", (c) => c.notNull())
    .addColumn("queue_id", "integer", (c) => c.notNull().references("queues.id").onDelete("cascade"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("review_status", "text", (c) => c.notNull())
    .addColumn("reviewer_user_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("reference", "text")
    // Copied from the queue (fixed after creation): the partial unique index below needs it here.
    .addColumn("unique_reference", "integer", (c) => c.notNull())
    .addColumn("specific_json", "text", (c) => c.notNull())
    .addColumn("output_json", "text")
    .addColumn("analytics_json", "text")
    .addColumn("progress", "text")
    .addColumn("defer_date", "text")
    .addColumn("due_date", "text")
    // due_date, or "9999-…" without one: the claim orders by it, and both databases then agree
    // (SQLite sorts NULL first, PostgreSQL last).
    .addColumn("due_order", "text", (c) => c.notNull())
    .addColumn("risk_sla_date", "text")
    .addColumn("exception_type", "text")
    .addColumn("exception_reason", "text")
    .addColumn("exception_details", "text")
    // Milliseconds from start to result (for the queue's average processing time).
    .addColumn("processing_ms", "integer")
    // 0 none, 1 "SLA at risk" alerted, 2 "SLA breached" alerted (the sweeper alerts once per level).
    .addColumn("sla_alert_level", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("retry_number", "integer", (c) => c.notNull())
    .addColumn("ancestor_id", "integer")
    .addColumn("manual_retry_number", "integer", (c) => c.notNull())
    .addColumn("creator_job_id", "integer")
    .addColumn("executor_job_id", "integer")
    .addColumn("machine_id", "integer")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("started_at", "text")
    .addColumn("ended_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("row_version", "integer", (c) => c.notNull())
    .execute();
  // The claim: new items of one queue by priority, due date, age; a partial index keeps it to
  // the (few) new items however many finished ones the queue holds.
  await sql`create index queue_items_claim on queue_items (queue_id, priority, due_order, id) where status = 'new'`.execute(
    db,
  );
  await db.schema.createIndex("queue_items_queue").on("queue_items").columns(["queue_id", "id"]).execute();
  await db.schema.createIndex("queue_items_key").on("queue_items").columns(["key"]).execute();
  // The abandon sweeper: in-progress items by start time.
  await sql`create index queue_items_in_progress on queue_items (started_at) where status = 'inProgress'`.execute(db);
  // A unique-reference queue holds each reference once among items that are not deleted or retried;
  // the database enforces it, so two concurrent adds cannot both win.
  await sql`create unique index queue_items_unique_reference on queue_items (queue_id, reference)
    where unique_reference = 1 and reference is not null and status in ('new', 'inProgress', 'failed', 'successful', 'abandoned')`.execute(
    db,
  );

  await db.schema
    .createTable("queue_item_events")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("item_id", "integer", (c) => c.notNull().references("queue_items.id").onDelete("cascade"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("actor_kind", "text", (c) => c.notNull())
    .addColumn("actor_name", "text", (c) => c.notNull())
    .addColumn("detail", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("queue_item_events_item").on("queue_item_events").columns(["item_id", "id"]).execute();
}
