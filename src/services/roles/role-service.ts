import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isValidPermission, type Permission, predefinedRoles, type RoleKind } from "../../domain/permissions.js";
import { isoNow } from "../../platform/clock.js";
import type { FolderAssignment, Role } from "../../shared/api/roles.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { RoleRow } from "../../storage/schema.js";
import { rolePermissions, type TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type ServiceContext, uniqueOrConflict } from "../context.js";

export type { FolderAssignment, Role };

/**
 * Tenant and folder roles (predefined and custom) and their assignment to organization users:
 * tenant roles tenant-wide, folder roles per folder and inherited by subfolders.
 */
export class RoleService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
  ) {}

  async list(tenantId: number): Promise<Role[]> {
    await this.ensurePredefined(this.ctx.db, tenantId);
    const rows = await this.ctx.db
      .selectFrom("roles")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("id")
      .execute();
    return rows.map(present);
  }

  async create(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    input: { name: string; kind: RoleKind; permissions: string[] },
  ) {
    access.assertTenant("roles.create");
    const permissions = validPermissions(input.kind, input.permissions);
    return this.unique(input.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        // The predefined roles first, so a custom role cannot take one of their names.
        await this.ensurePredefined(tx, access.tenantId);
        await this.assertNameFree(tx, access.tenantId, input.name);
        const now = isoNow(this.ctx.clock);
        const row = await tx
          .insertInto("roles")
          .values({
            tenant_id: access.tenantId,
            predefined_key: null,
            name: input.name.trim(),
            kind: input.kind,
            permissions_json: JSON.stringify(permissions),
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.roles,
          action: AuditAction.create,
          target: { type: "role", id: row.id, name: row.name },
          after: present(row),
        });
        return present(row);
      }),
    );
  }

  async update(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
    changes: { name?: string | undefined; permissions?: string[] | undefined },
  ): Promise<Role> {
    access.assertTenant("roles.edit");
    return this.unique(changes.name ?? "", () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const before = await this.findCustom(tx, access.tenantId, id);
        if (changes.name !== undefined) await this.assertNameFree(tx, access.tenantId, changes.name, id);
        const permissions =
          changes.permissions === undefined ? undefined : validPermissions(before.kind, changes.permissions);
        const row = await tx
          .updateTable("roles")
          .set({
            ...(changes.name !== undefined && { name: changes.name.trim() }),
            ...(permissions !== undefined && { permissions_json: JSON.stringify(permissions) }),
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.roles,
          action: AuditAction.update,
          target: { type: "role", id, name: row.name },
          ...diffFields(present(before), present(row)),
        });
        return present(row);
      }),
    );
  }

  async delete(actor: Actor, orgId: number, access: TenantAccess, id: number): Promise<void> {
    access.assertTenant("roles.delete");
    await this.ctx.db.transaction().execute(async (tx) => {
      const role = await this.findCustom(tx, access.tenantId, id);
      const used = await tx
        .selectFrom("role_assignments")
        .select("id")
        .where("role_id", "=", id)
        .limit(1)
        .executeTakeFirst();
      if (used)
        throw new ConflictError(
          "The role is still assigned to users; remove those assignments first.",
          ProblemType.roleInUse,
        );
      await tx.deleteFrom("roles").where("id", "=", id).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.roles,
        action: AuditAction.delete,
        target: { type: "role", id, name: role.name },
        before: present(role),
      });
    });
  }

  /** Users with tenant roles. */
  async tenantAssignments(tenantId: number) {
    await this.ensurePredefined(this.ctx.db, tenantId);
    const rows = await this.ctx.db
      .selectFrom("role_assignments as a")
      .innerJoin("users as u", "u.id", "a.user_id")
      .innerJoin("roles as r", "r.id", "a.role_id")
      .select(["u.id as user_id", "u.email", "u.name as user_name", "r.id as role_id", "r.name as role_name"])
      .where("a.tenant_id", "=", tenantId)
      .where("a.folder_id", "is", null)
      .orderBy("u.email")
      .execute();
    return rows.map((r) => ({
      user: { id: r.user_id, email: r.email, name: r.user_name },
      role: { id: r.role_id, name: r.role_name },
    }));
  }

  /** Everyone with access to the folder: assigned here, or inherited from an ancestor. */
  async folderAssignments(tenantId: number, folderId: number): Promise<FolderAssignment[]> {
    const folders = await this.ctx.db
      .selectFrom("folders")
      .select(["id", "parent_id"])
      .where("tenant_id", "=", tenantId)
      .execute();
    const parentOf = new Map(folders.map((f) => [f.id, f.parent_id]));
    if (!parentOf.has(folderId)) throw new NotFoundError("The folder");
    const chain: number[] = [];
    for (let cur: number | null | undefined = folderId; cur != null; cur = parentOf.get(cur)) chain.push(cur);
    const rows = await this.ctx.db
      .selectFrom("role_assignments as a")
      .innerJoin("users as u", "u.id", "a.user_id")
      .innerJoin("roles as r", "r.id", "a.role_id")
      .select([
        "a.folder_id",
        "u.id as user_id",
        "u.email",
        "u.name as user_name",
        "r.id as role_id",
        "r.name as role_name",
      ])
      .where("a.tenant_id", "=", tenantId)
      .where("a.folder_id", "in", chain)
      .execute();
    return rows
      .map((r) => ({
        user: { id: r.user_id, email: r.email, name: r.user_name },
        role: { id: r.role_id, name: r.role_name },
        origin: r.folder_id === folderId ? ("assigned" as const) : ("inherited" as const),
        fromFolderId: r.folder_id as number,
      }))
      .sort((a, b) => a.user.email.localeCompare(b.user.email) || a.origin.localeCompare(b.origin));
  }

  /**
   * Replaces the roles a user holds directly in a folder (or tenant-wide when folderId is null).
   * Folder roles go to folders, tenant roles to the tenant; the user must belong to the tenant's organization.
   */
  async setAssignments(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    target: { userId: number; folderId: number | null },
    roleIds: number[],
  ): Promise<void> {
    if (target.folderId === null) access.assertTenant("users.edit");
    else if (!access.can("users.edit")) access.assertFolder(target.folderId, "subfolders.edit");
    await this.ctx.db.transaction().execute(async (tx) => {
      await this.ensurePredefined(tx, access.tenantId);
      const user = await tx
        .selectFrom("users")
        .select(["id", "email"])
        .where("id", "=", target.userId)
        .where("org_id", "=", orgId)
        .executeTakeFirst();
      if (!user) throw new NotFoundError("The user");
      if (target.folderId !== null) {
        const folder = await tx
          .selectFrom("folders")
          .select("id")
          .where("id", "=", target.folderId)
          .where("tenant_id", "=", access.tenantId)
          .executeTakeFirst();
        if (!folder) throw new NotFoundError("The folder");
      }
      const wantKind: RoleKind = target.folderId === null ? "tenant" : "folder";
      const roles =
        roleIds.length === 0
          ? []
          : await tx
              .selectFrom("roles")
              .selectAll()
              .where("tenant_id", "=", access.tenantId)
              .where("id", "in", roleIds)
              .execute();
      const errors = roleIds.flatMap((id, i) => {
        const role = roles.find((r) => r.id === id);
        if (!role) return [{ path: `roleIds.${i}`, message: "is not a role of this tenant" }];
        if (role.kind !== wantKind)
          return [{ path: `roleIds.${i}`, message: `is a ${role.kind} role; ${wantKind} roles are assigned here` }];
        return [];
      });
      if (errors.length > 0) throw new ValidationError(errors);
      const existing = await tx
        .selectFrom("role_assignments as a")
        .innerJoin("roles as r", "r.id", "a.role_id")
        .select(["a.id", "r.name"])
        .where("a.user_id", "=", target.userId)
        .where("a.tenant_id", "=", access.tenantId)
        .where("a.folder_id", target.folderId === null ? "is" : "=", target.folderId)
        .execute();
      await tx
        .deleteFrom("role_assignments")
        .where("user_id", "=", target.userId)
        .where("tenant_id", "=", access.tenantId)
        .where("folder_id", target.folderId === null ? "is" : "=", target.folderId)
        .execute();
      const now = isoNow(this.ctx.clock);
      for (const role of roles) {
        await tx
          .insertInto("role_assignments")
          .values({
            tenant_id: access.tenantId,
            user_id: target.userId,
            role_id: role.id,
            folder_id: target.folderId,
            created_at: now,
          })
          .execute();
      }
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.roles,
        action: roles.length > 0 ? AuditAction.assign : AuditAction.unassign,
        target: { type: "user", id: user.id, name: user.email },
        before: { folderId: target.folderId, roles: existing.map((e) => e.name).sort() },
        after: { folderId: target.folderId, roles: roles.map((r) => r.name).sort() },
      });
    });
  }

  /** Makes sure the tenant has every predefined role (tenants created before a role existed get it now). */
  async ensurePredefined(db: Db, tenantId: number): Promise<void> {
    const have = await db
      .selectFrom("roles")
      .select("predefined_key")
      .where("tenant_id", "=", tenantId)
      .where("predefined_key", "is not", null)
      .execute();
    const missing = predefinedRoles.filter((p) => !have.some((h) => h.predefined_key === p.key));
    if (missing.length === 0) return;
    const now = isoNow(this.ctx.clock);
    await db
      .insertInto("roles")
      .values(
        missing.map((p) => ({
          tenant_id: tenantId,
          predefined_key: p.key,
          name: p.name,
          kind: p.kind,
          permissions_json: "[]",
          created_at: now,
          updated_at: now,
        })),
      )
      // Two requests may fill the same gap at once.
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  private async findCustom(db: Db, tenantId: number, id: number): Promise<RoleRow> {
    const role = await db
      .selectFrom("roles")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!role) throw new NotFoundError("The role");
    if (role.predefined_key)
      throw new ForbiddenError("Predefined roles cannot be changed; create a custom role instead.");
    return role;
  }

  /** Role names are unique in any case; SQLite's lower() in the unique index folds ASCII only. */
  private async assertNameFree(db: Db, tenantId: number, name: string, except?: number): Promise<void> {
    const wanted = name.trim().toLowerCase();
    const rows = await db.selectFrom("roles").select(["id", "name"]).where("tenant_id", "=", tenantId).execute();
    if (rows.some((r) => r.id !== except && r.name.toLowerCase() === wanted)) throw nameTaken(name);
  }

  private unique<T>(name: string, work: () => Promise<T>): Promise<T> {
    return uniqueOrConflict(this.ctx, work, `A role named "${name.trim()}" already exists.`);
  }
}

function nameTaken(name: string) {
  return new ConflictError(`A role named "${name.trim()}" already exists.`, ProblemType.alreadyExists, {
    errors: [{ path: "name", message: "is already taken" }],
  });
}

function validPermissions(kind: RoleKind, permissions: string[]): Permission[] {
  const errors = permissions.flatMap((p, i) =>
    isValidPermission(kind, p) ? [] : [{ path: `permissions.${i}`, message: `is not a ${kind} permission` }],
  );
  if (errors.length > 0) throw new ValidationError(errors);
  return [...new Set(permissions as Permission[])].sort();
}

function present(r: RoleRow): Role {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    predefined: r.predefined_key !== null,
    permissions: rolePermissions(r),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
