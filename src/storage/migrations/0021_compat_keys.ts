import { randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { DialectHelpers } from "../dialect.js";

/**
 * What the original product's clients need (issue #10, docs/compatibility.md): a GUID `key` on
 * folders, processes and machines (the original's FolderKey, ReleaseKey and robot key; jobs,
 * queues, assets and buckets have one already), and the tenant a bearer token was minted for by
 * the compatibility `POST /api/Account/Authenticate` (root URLs take the tenant from the token).
 */
export async function up(db: Kysely<unknown>, _d: DialectHelpers): Promise<void> {
  for (const table of ["folders", "processes", "machines"] as const) {
    await sql`alter table ${sql.table(table)} add column key text`.execute(db);
    // Existing rows get theirs here; new rows get one from their service's insert.
    const rows = await sql<{ id: number }>`select id from ${sql.table(table)}`.execute(db);
    for (const row of rows.rows)
      await sql`update ${sql.table(table)} set key = ${randomUUID()} where id = ${row.id}`.execute(db);
    await sql`create unique index ${sql.raw(`${table}_key`)} on ${sql.table(table)} (key)`.execute(db);
  }
  // Jobs of a tenant in one state, newest first (`GET T/jobs?state=…` and OData's
  // `$filter=State eq '…'`), and their count: without it both sorted every job of that state
  // (20–35 ms at 100,000 jobs, bench/odata.ts); jobs_dispatch has the priority before the id.
  await sql`create index jobs_tenant_state_list on jobs (tenant_id, state, id)`.execute(db);
  await sql`alter table auth_tokens add column tenant_id integer references tenants (id) on delete cascade`.execute(db);
}
