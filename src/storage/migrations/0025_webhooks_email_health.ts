import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * Two things of issue #13.
 *
 * `email_delivery_health`: an organization's run of failed e-mail sends, and since when it counts
 * as failing (the `email-delivery-failing` alert is raised once per outage, when `failing_since`
 * moves from null; the next successful send clears both).
 *
 * Webhooks get their own tenant permissions (`webhooks.view/create/edit/delete`); before, they
 * were tenant settings. Custom tenant roles keep what they could do: `settings.view` gains
 * `webhooks.view`, `settings.edit` gains `webhooks.create`, `webhooks.edit` and `webhooks.delete`.
 * Predefined roles take their permissions from the code.
 */
export async function up(db: Kysely<unknown>, _d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable("email_delivery_health")
    .addColumn("org_id", "integer", (c) => c.primaryKey().references("organizations.id").onDelete("cascade"))
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failing_since", "text")
    .addColumn("last_error", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await grantWebhookPermissions(db);
}

/** The custom tenant roles' part of the migration (exported for its test). */
export async function grantWebhookPermissions(db: Kysely<unknown>): Promise<void> {
  const roles = await sql<{ id: number; permissions_json: string }>`
    select id, permissions_json from roles where kind = 'tenant' and predefined_key is null`.execute(db);
  for (const role of roles.rows) {
    const before = JSON.parse(role.permissions_json) as string[];
    const after = new Set(before);
    if (after.has("settings.view")) after.add("webhooks.view");
    if (after.has("settings.edit")) for (const a of ["view", "create", "edit", "delete"]) after.add(`webhooks.${a}`);
    if (after.size === before.length) continue;
    await sql`update roles set permissions_json = ${JSON.stringify([...after])} where id = ${role.id}`.execute(db);
  }
}
