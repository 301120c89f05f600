import type { Db } from "../../storage/database.js";
import type { RequestCache } from "../access/request-cache.js";

/**
 * A tenant's license allocation (null: none, no limit). With `cache` it is read through the
 * request cache (`db` must then not be a transaction): the dispatcher and every robot's
 * connection ask for it.
 */
export async function tenantLicense(
  db: Db,
  tenantId: number,
  cache?: RequestCache,
): Promise<{ robot_slots: number; expires_at: string | null } | null> {
  const read = async () =>
    (await db
      .selectFrom("tenant_licenses")
      .select(["robot_slots", "expires_at"])
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst()) ?? null;
  return cache ? cache.get("licenses", String(tenantId), read) : read();
}
