import type { Principal } from "../../shared/identity.js";
import type { Db } from "../../storage/database.js";
import type { PrincipalKind, SystemAdminRow, UserRow } from "../../storage/schema.js";

export function adminPrincipal(a: SystemAdminRow): Principal {
  return {
    kind: "admin",
    id: a.id,
    username: a.username,
    name: a.name,
    email: a.email,
    locale: a.locale,
    ...(a.must_change_password === 1 && { setupRequired: true as const }),
  };
}

export function userPrincipal(u: UserRow, org: { id: number; slug: string; name: string }): Principal {
  return {
    kind: "user",
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    locale: u.locale,
    organization: { id: org.id, slug: org.slug, name: org.name },
  };
}

/**
 * Loads the principal behind a token, or null when it may no longer act: the account is
 * disabled or gone, or (for users) its organization is disabled or gone.
 */
export async function loadActivePrincipal(db: Db, kind: PrincipalKind, id: number): Promise<Principal | null> {
  if (kind === "admin") {
    const admin = await db.selectFrom("system_admins").selectAll().where("id", "=", id).executeTakeFirst();
    return admin && admin.status === "active" ? adminPrincipal(admin) : null;
  }
  const row = await db
    .selectFrom("users")
    .innerJoin("organizations as o", "o.id", "users.org_id")
    .selectAll("users")
    .select(["o.slug as org_slug", "o.name as org_name", "o.status as org_status"])
    .where("users.id", "=", id)
    .executeTakeFirst();
  if (row?.status !== "active" || row.org_status !== "active" || row.password_hash === null) return null;
  return userPrincipal(row, { id: row.org_id, slug: row.org_slug, name: row.org_name });
}
