import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/** Machines (robot keys and runtime slots), their folders, and robot sessions. */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("machines")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("slots", "integer", (c) => c.notNull())
    // SHA-256 of the machine key; the key itself is shown once.
    .addColumn("key_hash", "text", (c) => c.notNull().unique())
    .addColumn("key_hint", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await sql`create unique index machines_tenant_name on machines (tenant_id, lower(name))`.execute(db);

  await db.schema
    .createTable("machine_folders")
    .addColumn("machine_id", "integer", (c) => c.notNull().references("machines.id").onDelete("cascade"))
    .addColumn("folder_id", "integer", (c) => c.notNull().references("folders.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("machine_folders_pk", ["machine_id", "folder_id"])
    .execute();

  await db.schema
    .createTable("robot_sessions")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("machine_id", "integer", (c) => c.notNull().references("machines.id").onDelete("cascade"))
    // The node holding the connection (a sweeper closes sessions of nodes that died).
    .addColumn("node_id", "text", (c) => c.notNull())
    .addColumn("host_name", "text", (c) => c.notNull())
    .addColumn("os", "text", (c) => c.notNull())
    .addColumn("agent_version", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("connected_at", "text", (c) => c.notNull())
    .addColumn("last_heartbeat_at", "text", (c) => c.notNull())
    .addColumn("disconnected_at", "text")
    .addColumn("disconnect_reason", "text")
    .execute();
  await db.schema
    .createIndex("robot_sessions_machine")
    .on("robot_sessions")
    .columns(["machine_id", "disconnected_at"])
    .execute();
}
