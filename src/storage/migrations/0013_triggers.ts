import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * Triggers (time triggers now; `kind` leaves room for queue and HTTP triggers), their firing
 * history, non-working-day calendars, the tenant's time zone and catch-up grace, and the trigger
 * that created a job.
 */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .alterTable("tenants")
    .addColumn("time_zone", "text", (c) => c.notNull().defaultTo("UTC"))
    .execute();
  await db.schema
    .alterTable("tenants")
    .addColumn("trigger_catch_up_seconds", "integer", (c) => c.notNull().defaultTo(300))
    .execute();
  // Auto-disable: this many consecutive faulted jobs of a trigger (0 = never) within this many days.
  await db.schema
    .alterTable("tenants")
    .addColumn("trigger_disable_failed_count", "integer", (c) => c.notNull().defaultTo(10))
    .execute();
  await db.schema
    .alterTable("tenants")
    .addColumn("trigger_disable_failing_days", "integer", (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable("calendars")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("time_zone", "text", (c) => c.notNull())
    // Sorted JSON array of "YYYY-MM-DD" dates in the calendar's zone.
    .addColumn("excluded_dates_json", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index calendars_tenant_name on calendars (tenant_id, lower(name))`.execute(db);

  await db.schema
    .createTable("triggers")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("key", "text", (c) => c.notNull().unique())
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("folder_id", "integer", (c) => c.notNull().references("folders.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    // The path segment of an HTTP trigger (null for other kinds).
    .addColumn("slug", "text")
    .addColumn("process_id", "integer", (c) => c.notNull().references("processes.id").onDelete("cascade"))
    .addColumn("input_json", "text", (c) => c.notNull())
    // Null = the process's priority at firing time.
    .addColumn("priority", "integer")
    .addColumn("machine_id", "integer", (c) => c.references("machines.id").onDelete("set null"))
    .addColumn("job_count", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("cron", "text")
    .addColumn("time_zone", "text")
    .addColumn("calendar_id", "integer", (c) => c.references("calendars.id"))
    .addColumn("stop_after_seconds", "integer")
    .addColumn("kill_after_seconds", "integer")
    .addColumn("alert_pending_seconds", "integer")
    .addColumn("alert_running_seconds", "integer")
    .addColumn("end_at", "text")
    // Settings of other kinds (queue, http) as JSON, so they need no columns of their own here.
    .addColumn("config_json", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("enabled", "integer", (c) => c.notNull())
    .addColumn("disabled_reason", "text")
    // The fire time the scheduler waits for; null when disabled or when it will never fire again.
    .addColumn("next_fire_at", "text")
    .addColumn("last_fired_at", "text")
    .addColumn("last_result", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index triggers_folder_name on triggers (folder_id, lower(name))`.execute(db);
  // HTTP triggers are called at T/triggers/http/{slug}: unique per tenant.
  await sql`create unique index triggers_tenant_slug on triggers (tenant_id, lower(slug)) where slug is not null`.execute(
    db,
  );
  // The scheduler's round: due triggers by fire time (only those that will fire are indexed).
  await sql`create index triggers_due on triggers (next_fire_at) where next_fire_at is not null`.execute(db);

  await db.schema
    .createTable("trigger_firings")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("trigger_id", "integer", (c) => c.notNull().references("triggers.id").onDelete("cascade"))
    .addColumn("tenant_id", "integer", (c) => c.notNull())
    .addColumn("fire_time", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("job_ids_json", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("trigger_firings_trigger").on("trigger_firings").columns(["trigger_id", "id"]).execute();

  await db.schema
    .alterTable("jobs")
    .addColumn("trigger_id", "integer", (c) => c.references("triggers.id").onDelete("set null"))
    .execute();
  // Which of its trigger's alerts (pending / running too long) a job already raised: "pending,running".
  await db.schema.alterTable("jobs").addColumn("trigger_alerted", "text").execute();
  await db.schema.createIndex("jobs_trigger").on("jobs").columns(["trigger_id", "id"]).execute();
}
