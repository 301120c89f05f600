import { randomUUID } from "node:crypto";
import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { maxFolderDepth } from "../../domain/permissions.js";
import { isoNow } from "../../platform/clock.js";
import type { Folder } from "../../shared/api/folders.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { FolderRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";

/**
 * A folder id of another tenant, or of none, is a 404 for everyone — administrators, who may see
 * every folder, included — before any permission check could answer differently.
 */
export async function assertFolderOfTenant(db: Db, tenantId: number, folderId: number): Promise<void> {
  const folder = await db
    .selectFrom("folders")
    .select("id")
    .where("id", "=", folderId)
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  if (!folder) throw new NotFoundError("The folder");
}

export type { Folder };

/** Largest id of an integer column (PostgreSQL `integer`). */
const maxFolderId = 2_147_483_647;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Tree {
  rows: Map<number, FolderRow>;
  children: Map<number | null, number[]>;
}

/**
 * The folder tree of a tenant: at most 7 levels, sibling names unique, moved without cycles,
 * deleted only when empty. Every query carries the tenant id.
 */
export class FolderService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
  ) {}

  /** The folders the caller can see, parents before children. */
  async list(access: TenantAccess): Promise<Folder[]> {
    const tree = await this.tree(this.ctx.db, access.tenantId);
    const out: Folder[] = [];
    const walk = (parent: number | null) => {
      for (const id of tree.children.get(parent) ?? []) {
        if (access.seesFolder(id)) out.push(present(tree, id));
        walk(id);
      }
    };
    walk(null);
    return out;
  }

  async get(access: TenantAccess, id: number): Promise<Folder> {
    const tree = await this.tree(this.ctx.db, access.tenantId);
    if (!tree.rows.has(id) || !access.seesFolder(id)) throw new NotFoundError("The folder");
    return present(tree, id);
  }

  async create(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    input: { name: string; parentId?: number | null | undefined; description?: string | null | undefined },
  ): Promise<Folder> {
    const parentId = input.parentId ?? null;
    return this.write(input.name, async () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const tree = await this.tree(tx, access.tenantId);
        if (parentId === null) {
          access.assertTenant("folders.create");
        } else {
          if (!tree.rows.has(parentId)) throw new NotFoundError("The parent folder");
          if (!access.can("folders.create")) access.assertFolder(parentId, "subfolders.create");
          if (depthOf(tree, parentId) + 1 > maxFolderDepth) throw tooDeep();
        }
        if (siblingNamed(tree, parentId, input.name)) throw nameTaken(input.name);
        const now = isoNow(this.ctx.clock);
        const row = await tx
          .insertInto("folders")
          .values({
            key: randomUUID(),
            tenant_id: access.tenantId,
            parent_id: parentId,
            name: input.name.trim(),
            description: input.description?.trim() || null,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        tree.rows.set(row.id, row);
        const folder = present(tree, row.id);
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.folders,
          action: AuditAction.create,
          target: { type: "folder", id: row.id, name: folder.path },
          after: folder,
        });
        return folder;
      }),
    );
  }

  /** Renames, re-describes or moves a folder (a move keeps the whole subtree within 7 levels). */
  async update(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
    changes: {
      name?: string | undefined;
      description?: string | null | undefined;
      parentId?: number | null | undefined;
    },
  ): Promise<Folder> {
    return this.write(changes.name ?? "", async () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const tree = await this.tree(tx, access.tenantId);
        const before = tree.rows.get(id);
        if (!before || !access.seesFolder(id)) throw new NotFoundError("The folder");
        if (!access.can("folders.edit")) access.assertFolder(id, "subfolders.edit");
        const moving = changes.parentId !== undefined && changes.parentId !== before.parent_id;
        if (moving) {
          const target = changes.parentId ?? null;
          if (target === null) access.assertTenant("folders.edit");
          else {
            if (!tree.rows.has(target)) throw new NotFoundError("The parent folder");
            if (!access.can("folders.edit")) access.assertFolder(target, "subfolders.create");
            if (target === id || isDescendant(tree, target, id)) {
              throw new ConflictError(
                "A folder cannot be moved into itself or one of its subfolders.",
                ProblemType.conflict,
                {
                  errors: [{ path: "parentId", message: "is this folder or one of its subfolders" }],
                },
              );
            }
          }
          const newDepth = (target === null ? 0 : depthOf(tree, target)) + 1 + subtreeHeight(tree, id) - 1;
          if (newDepth > maxFolderDepth) throw tooDeep();
        }
        const name = changes.name ?? before.name;
        const parentId = moving ? (changes.parentId ?? null) : before.parent_id;
        if ((moving || changes.name !== undefined) && siblingNamed(tree, parentId, name, id)) throw nameTaken(name);
        const row = await tx
          .updateTable("folders")
          .set({
            ...(changes.name !== undefined && { name: changes.name.trim() }),
            ...(changes.description !== undefined && { description: changes.description?.trim() || null }),
            ...(moving && { parent_id: changes.parentId ?? null }),
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", id)
          .where("tenant_id", "=", access.tenantId)
          .returningAll()
          .executeTakeFirstOrThrow();
        const beforeView = present(tree, id);
        tree.rows.set(id, row);
        const after = present(tree, id);
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.folders,
          action: moving ? AuditAction.move : AuditAction.update,
          target: { type: "folder", id, name: after.path },
          ...diffFields(beforeView, after),
        });
        return after;
      }),
    );
  }

  /** Deletes an empty folder (no subfolders); its role assignments go with it. */
  async delete(actor: Actor, orgId: number, access: TenantAccess, id: number): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const tree = await this.tree(tx, access.tenantId);
      if (!tree.rows.has(id) || !access.seesFolder(id)) throw new NotFoundError("The folder");
      // Deleting a folder is a change to its parent: a top-level folder needs the tenant's
      // folders.delete, a subfolder subfolders.delete in its parent (not in itself).
      const parentId = tree.rows.get(id)?.parent_id ?? null;
      if (!access.can("folders.delete")) {
        if (parentId === null) access.assertTenant("folders.delete");
        else access.assertFolder(parentId, "subfolders.delete");
      }
      if ((tree.children.get(id) ?? []).length > 0) {
        throw new ConflictError(
          "Only an empty folder can be deleted: delete or move its subfolders first.",
          ProblemType.folderNotEmpty,
        );
      }
      const folder = present(tree, id);
      await tx.deleteFrom("folders").where("id", "=", id).where("tenant_id", "=", access.tenantId).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.folders,
        action: AuditAction.delete,
        target: { type: "folder", id, name: folder.path },
        before: folder,
      });
    });
  }

  /**
   * The id of the folder a URL names by id, key (UUID) or path ("Finance/Invoices", "Finance /
   * Invoices", or "/2024" for a top-level folder named with digits only). An id is returned as it
   * is: the service that uses it checks the tenant and the caller's view as for any id. A key or
   * path the tenant does not have is a 404.
   */
  async resolveRef(tenantId: number, ref: string): Promise<number> {
    if (/^\d+$/.test(ref)) {
      const id = Number(ref);
      if (id < 1 || id > maxFolderId) throw new ValidationError([{ path: "folder", message: "is not a valid id" }]);
      return id;
    }
    if (uuidPattern.test(ref)) {
      const row = await this.ctx.db
        .selectFrom("folders")
        .select("id")
        .where("tenant_id", "=", tenantId)
        .where("key", "=", ref.toLowerCase())
        .executeTakeFirst();
      if (!row) throw new NotFoundError("The folder");
      return row.id;
    }
    const names = ref
      .replace(/^\//, "")
      .split("/")
      .map((n) => n.trim());
    if (names.some((n) => n === "")) throw new NotFoundError("The folder");
    const tree = await this.tree(this.ctx.db, tenantId);
    let parent: number | null = null;
    for (const name of names) {
      const wanted = name.toLowerCase();
      const next: number | undefined = (tree.children.get(parent) ?? []).find(
        (id) => tree.rows.get(id)?.name.toLowerCase() === wanted,
      );
      if (next === undefined) throw new NotFoundError("The folder");
      parent = next;
    }
    return parent as number;
  }

  /** Whether the folder exists in the tenant (for other services' checks). */
  async exists(db: Db, tenantId: number, id: number): Promise<boolean> {
    return (
      (await db
        .selectFrom("folders")
        .select("id")
        .where("id", "=", id)
        .where("tenant_id", "=", tenantId)
        .executeTakeFirst()) !== undefined
    );
  }

  private async write<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (this.ctx.dialect.isUniqueViolation(error)) throw nameTaken(name);
      throw error;
    }
  }

  private async tree(db: Db, tenantId: number): Promise<Tree> {
    const rows = await db.selectFrom("folders").selectAll().where("tenant_id", "=", tenantId).orderBy("name").execute();
    const tree: Tree = { rows: new Map(rows.map((r) => [r.id, r])), children: new Map() };
    for (const r of rows) {
      const list = tree.children.get(r.parent_id) ?? [];
      list.push(r.id);
      tree.children.set(r.parent_id, list);
    }
    return tree;
  }
}

function depthOf(tree: Tree, id: number): number {
  let depth = 0;
  for (let cur: number | null | undefined = id; cur != null; cur = tree.rows.get(cur)?.parent_id) depth += 1;
  return depth;
}

/** Levels in the subtree rooted at id, counting itself (a leaf is 1). */
function subtreeHeight(tree: Tree, id: number): number {
  const kids = tree.children.get(id) ?? [];
  return 1 + Math.max(0, ...kids.map((k) => subtreeHeight(tree, k)));
}

function isDescendant(tree: Tree, candidate: number, ancestor: number): boolean {
  for (let cur = tree.rows.get(candidate)?.parent_id; cur != null; cur = tree.rows.get(cur)?.parent_id) {
    if (cur === ancestor) return true;
  }
  return false;
}

function present(tree: Tree, id: number): Folder {
  const row = tree.rows.get(id) as FolderRow;
  const names: string[] = [];
  for (let cur: number | null | undefined = id; cur != null; cur = tree.rows.get(cur)?.parent_id) {
    names.unshift(tree.rows.get(cur)?.name ?? "");
  }
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    parentId: row.parent_id,
    path: names.join(" / "),
    depth: names.length,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Whether another folder under the parent has the name in any case. The unique index catches races,
 * but SQLite's lower() folds ASCII only, so the comparison that counts is this one.
 */
function siblingNamed(tree: Tree, parentId: number | null, name: string, except?: number): boolean {
  const wanted = name.trim().toLowerCase();
  return (tree.children.get(parentId) ?? []).some(
    (id) => id !== except && tree.rows.get(id)?.name.toLowerCase() === wanted,
  );
}

function nameTaken(name: string) {
  return new ConflictError(`A folder named "${name.trim()}" already exists here.`, ProblemType.alreadyExists, {
    errors: [{ path: "name", message: "is already taken by a sibling folder" }],
  });
}

function tooDeep() {
  return new ValidationError([
    { path: "parentId", message: `folders can be nested at most ${maxFolderDepth} levels deep` },
  ]);
}
