import { ForbiddenError, NotFoundError } from "../../domain/errors.js";
import { type Permission, predefinedRoles } from "../../domain/permissions.js";
import { OrgRole, type Principal } from "../../shared/identity.js";
import type { Db } from "../../storage/database.js";
import type { RoleRow } from "../../storage/schema.js";
import type { ServiceContext } from "../context.js";

/**
 * What one principal may do in one tenant. Organization administrators (and system
 * administrators) may do everything; other users only what their tenant roles and the folder
 * roles assigned to a folder or any of its ancestors grant.
 */
export class TenantAccess {
  constructor(
    readonly tenantId: number,
    readonly everything: boolean,
    private readonly tenant: ReadonlySet<Permission>,
    private readonly folders: ReadonlyMap<number, ReadonlySet<Permission>>,
  ) {}

  can(permission: Permission): boolean {
    return this.everything || this.tenant.has(permission);
  }

  canInFolder(folderId: number, permission: Permission): boolean {
    return this.everything || (this.folders.get(folderId)?.has(permission) ?? false);
  }

  /**
   * The folders in which the principal has `permission`, for filtering lists in SQL: `"all"` when
   * it has it everywhere (administrators), else the ids (possibly none).
   */
  foldersWith(permission: Permission): "all" | number[] {
    if (this.everything) return "all";
    return [...this.folders].filter(([, perms]) => perms.has(permission)).map(([id]) => id);
  }

  /** Whether the folder is visible at all: any permission in it, or tenant-wide folder viewing. */
  seesFolder(folderId: number): boolean {
    return this.everything || this.tenant.has("folders.view") || (this.folders.get(folderId)?.size ?? 0) > 0;
  }

  /** Throws 404 when the folder is invisible (ids of hidden folders do not leak), 403 when visible but not allowed. */
  assertFolder(folderId: number, permission: Permission): void {
    if (!this.seesFolder(folderId)) throw new NotFoundError("The folder");
    if (!this.canInFolder(folderId, permission))
      throw new ForbiddenError(`You need the ${permission} permission in this folder.`);
  }

  assertTenant(permission: Permission): void {
    if (!this.can(permission)) throw new ForbiddenError(`You need the ${permission} permission in this tenant.`);
  }

  /** Every permission per folder, for the UI. */
  describe() {
    return {
      everything: this.everything,
      tenant: [...this.tenant].sort(),
      folders: [...this.folders].map(([folderId, perms]) => ({ folderId, permissions: [...perms].sort() })),
    };
  }
}

/** The permissions a role grants: predefined roles from the code, custom ones from the database. */
export function rolePermissions(role: Pick<RoleRow, "predefined_key" | "permissions_json">): Permission[] {
  if (role.predefined_key) return predefinedRoles.find((p) => p.key === role.predefined_key)?.permissions ?? [];
  return JSON.parse(role.permissions_json) as Permission[];
}

export class AccessService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Computes the principal's access in the tenant (two queries: folders and assignments). */
  async forPrincipal(principal: Principal, tenantId: number, db: Db = this.ctx.db): Promise<TenantAccess> {
    if (principal.kind === "admin") return new TenantAccess(tenantId, true, new Set(), new Map());
    return this.forUser(principal, tenantId, db);
  }

  /** An organization user's access in the tenant. */
  async forUser(user: { id: number; role: OrgRole }, tenantId: number, db: Db = this.ctx.db): Promise<TenantAccess> {
    const [access] = await this.forUsers([user], tenantId, db);
    return access as TenantAccess;
  }

  /**
   * Several users' access in the tenant, in their order (e.g. the recipients of an alert): two
   * queries however many users, folders and assignments.
   */
  async forUsers(
    users: { id: number; role: OrgRole }[],
    tenantId: number,
    db: Db = this.ctx.db,
  ): Promise<TenantAccess[]> {
    const members = users.filter((u) => u.role !== OrgRole.orgAdmin).map((u) => u.id);
    const [folders, assignments] =
      members.length === 0
        ? [[], []]
        : await Promise.all([
            db.selectFrom("folders").select(["id", "parent_id"]).where("tenant_id", "=", tenantId).execute(),
            db
              .selectFrom("role_assignments as a")
              .innerJoin("roles as r", "r.id", "a.role_id")
              .select(["a.user_id", "a.folder_id", "r.predefined_key", "r.permissions_json"])
              .where("a.tenant_id", "=", tenantId)
              .where("a.user_id", "in", members)
              .execute(),
          ]);
    const parentOf = new Map(folders.map((f) => [f.id, f.parent_id]));
    return users.map((user) => {
      if (user.role === OrgRole.orgAdmin) return new TenantAccess(tenantId, true, new Set(), new Map());
      const tenant = new Set<Permission>();
      const direct = new Map<number, Set<Permission>>();
      for (const a of assignments) {
        if (a.user_id !== user.id) continue;
        const perms = rolePermissions(a);
        if (a.folder_id === null) {
          for (const p of perms) tenant.add(p);
        } else {
          const set = direct.get(a.folder_id) ?? new Set<Permission>();
          for (const p of perms) set.add(p);
          direct.set(a.folder_id, set);
        }
      }
      // Inheritance: a folder has its own permissions plus every ancestor's.
      const effective = new Map<number, Set<Permission>>();
      for (const f of folders) {
        const set = new Set<Permission>();
        for (let id: number | null | undefined = f.id; id != null; id = parentOf.get(id)) {
          for (const p of direct.get(id) ?? []) set.add(p);
        }
        if (set.size > 0) effective.set(f.id, set);
      }
      return new TenantAccess(tenantId, false, tenant, effective);
    });
  }
}
