import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * Outgoing webhooks of a tenant: subscriptions, their deliveries (the webhook outbox, written in
 * the transaction of the event) and every attempt of each delivery.
 */
export async function up(db: Kysely<unknown>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("webhooks")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("tenant_id", "integer", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("description", "text")
    // JSON array of event names.
    .addColumn("events_json", "text", (c) => c.notNull())
    // Sealed by the master key; null = deliveries are not signed.
    .addColumn("secret_enc", "text")
    .addColumn("enabled", "integer", (c) => c.notNull())
    // Failed attempts in a row; the circuit breaker opens at a threshold.
    .addColumn("consecutive_failures", "integer", (c) => c.notNull().defaultTo(0))
    // Circuit breaker: no attempts before this time.
    .addColumn("paused_until", "text")
    .addColumn("paused_reason", "text")
    // The delivering node's lease on the subscription: one sender per subscription keeps its order.
    .addColumn("locked_by", "text")
    .addColumn("locked_until", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await sql`create index webhooks_tenant on webhooks (tenant_id)`.execute(db);

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "integer", d.idColumn)
    // The id receivers see (body `id`, header X-Dirigent-Delivery); the same on every attempt.
    .addColumn("key", "text", (c) => c.notNull().unique())
    .addColumn("webhook_id", "integer", (c) => c.notNull().references("webhooks.id").onDelete("cascade"))
    .addColumn("tenant_id", "integer", (c) => c.notNull())
    .addColumn("event", "text", (c) => c.notNull())
    // The event's object(s), without `event` and `id` (added when the body is built).
    .addColumn("payload_json", "text", (c) => c.notNull())
    // pending | succeeded | failed
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "text", (c) => c.notNull())
    // Retries stop after this time (24 h after the event).
    .addColumn("retry_until", "text", (c) => c.notNull())
    .addColumn("last_attempt_at", "text")
    .addColumn("last_response_code", "integer")
    .addColumn("last_reason", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("completed_at", "text")
    .execute();
  // The sender takes each subscription's pending deliveries in id order.
  await sql`create index webhook_deliveries_pending on webhook_deliveries (webhook_id, status, id)`.execute(db);

  await db.schema
    .createTable("webhook_attempts")
    .addColumn("id", "integer", d.idColumn)
    .addColumn("delivery_id", "integer", (c) => c.notNull().references("webhook_deliveries.id").onDelete("cascade"))
    .addColumn("attempted_at", "text", (c) => c.notNull())
    // succeeded | failed
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("response_code", "integer")
    // The first 4 KiB of the response body.
    .addColumn("response_body", "text")
    .addColumn("duration_ms", "integer", (c) => c.notNull())
    .addColumn("reason", "text")
    .execute();
  await sql`create index webhook_attempts_delivery on webhook_attempts (delivery_id, id)`.execute(db);
}
