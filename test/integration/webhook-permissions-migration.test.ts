import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantWebhookPermissions } from "../../src/storage/migrations/0025_webhooks_email_health.js";
import { unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Migration 0025: custom tenant roles made before webhooks had their own permissions keep what
 * they could do with webhooks (settings.view → webhooks.view, settings.edit → all four).
 */
describe.each(testDatabases())("migration 0025: webhook permissions of custom roles (%s)", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(() => server?.stop());

  it("gives custom tenant roles the webhook permissions matching their settings permissions", async () => {
    const org = await createOrg(await adminApi(server));
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const role = async (kind: "tenant" | "folder", permissions: string[]) => {
      const res = await org.admin.api.post(`${t}/roles`, { name: unique("R"), kind, permissions });
      expect(res.status, res.text).toBe(201);
      return res.body.id as number;
    };
    const editor = await role("tenant", ["settings.view", "settings.edit"]);
    const reader = await role("tenant", ["settings.view", "audit.view"]);
    const other = await role("tenant", ["audit.view"]);
    const folder = await role("folder", ["jobs.view"]);
    await grantWebhookPermissions(server.server.storage.db as unknown as Kysely<unknown>);
    const roles = (await org.admin.api.get(`${t}/roles`)).body.items as { id: number; permissions: string[] }[];
    const permissions = (id: number) => [...(roles.find((r) => r.id === id)?.permissions ?? [])].sort();
    expect(permissions(editor)).toEqual(
      ["settings.edit", "settings.view", "webhooks.create", "webhooks.delete", "webhooks.edit", "webhooks.view"].sort(),
    );
    expect(permissions(reader)).toEqual(["audit.view", "settings.view", "webhooks.view"]);
    expect(permissions(other)).toEqual(["audit.view"]);
    expect(permissions(folder)).toEqual(["jobs.view"]);
  });
});
