import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * One row per running node, touched every few seconds (issue #11 item 2, #14): when a node's row
 * goes stale, another node closes the robot sessions it held at once, instead of after the
 * 10-minute silence sweep (which raised false "robot unresponsive" alerts meanwhile).
 */
export async function up(db: Kysely<unknown>, _d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("cluster_nodes")
    .addColumn("node_id", "text", (c) => c.primaryKey())
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    .execute();
  await sql`create index cluster_nodes_seen on cluster_nodes (last_seen_at)`.execute(db);
}
