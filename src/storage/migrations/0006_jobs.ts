import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/** Jobs, their state history, and the log lines their automations write. */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("jobs")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("key", "text", (c) => c.notNull().unique())
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("folder_id", "integer", (c) => c.notNull().references("folders.id").onDelete("cascade"))
    .addColumn("process_id", "integer", (c) => c.references("processes.id").onDelete("set null"))
    .addColumn("process_name", "text", (c) => c.notNull())
    .addColumn("package_id", "integer", (c) => c.references("packages.id").onDelete("set null"))
    .addColumn("entry_point", "text", (c) => c.notNull())
    .addColumn("command_json", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("target_machine_id", "integer", (c) => c.references("machines.id").onDelete("set null"))
    .addColumn("machine_id", "integer", (c) => c.references("machines.id").onDelete("set null"))
    .addColumn("session_id", "integer")
    .addColumn("input_json", "text", (c) => c.notNull())
    .addColumn("output_json", "text")
    .addColumn("error", "text")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("stop_after_seconds", "integer")
    .addColumn("kill_after_seconds", "integer")
    .addColumn("token_hash", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("started_at", "text")
    .addColumn("ended_at", "text")
    .addColumn("stop_requested_at", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  // The dispatcher's claim: pending jobs of a tenant by priority, then age.
  await sql`create index jobs_dispatch on jobs (tenant_id, state, priority desc, id)`.execute(db);
  await db.schema.createIndex("jobs_session").on("jobs").columns(["session_id", "state"]).execute();

  await db.schema
    .createTable("job_events")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("job_id", "integer", (c) => c.notNull().references("jobs.id").onDelete("cascade"))
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("job_events_job").on("job_events").columns(["job_id", "id"]).execute();

  await db.schema
    .createTable("job_logs")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("job_id", "integer", (c) => c.notNull().references("jobs.id").onDelete("cascade"))
    .addColumn("tenant_id", "integer", (c) => c.notNull())
    .addColumn("folder_id", "integer", (c) => c.notNull())
    .addColumn("process_id", "integer")
    .addColumn("machine_id", "integer")
    .addColumn("timestamp", "text", (c) => c.notNull())
    .addColumn("level", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("job_logs_job").on("job_logs").columns(["job_id", "id"]).execute();
  await db.schema.createIndex("job_logs_tenant_time").on("job_logs").columns(["tenant_id", "timestamp"]).execute();
}
