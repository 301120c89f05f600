import { randomUUID } from "node:crypto";
import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import { compileSchema, schemaFieldErrors } from "../../domain/json-schema.js";
import type { EntryPoint, Manifest } from "../../domain/manifest.js";
import { isoNow } from "../../platform/clock.js";
import type { Process, ProcessCreateInput } from "../../shared/api/packages.js";
import type { Db } from "../../storage/database.js";
import type { ProcessRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type ServiceContext, uniqueOrConflict } from "../context.js";
import { assertFolderOfTenant } from "../folders/folder-service.js";
import type { PackageService } from "../packages/package-service.js";

export type { Process };

/** What creating a process takes (the API's create body). */
export type ProcessInput = ProcessCreateInput;

export const defaultPriority = 50;

/**
 * Validates arguments against an entry point's `inputSchema` (JSON Schema), naming each invalid
 * field under `prefix`. Entry points without a schema accept any JSON object.
 */
export function assertArguments(entryPoint: EntryPoint, args: Record<string, unknown>, prefix: string): void {
  if (!entryPoint.inputSchema) return;
  let validate: ReturnType<typeof compileSchema>;
  try {
    validate = compileSchema(entryPoint.inputSchema);
  } catch (error) {
    throw ValidationError.field(
      prefix,
      `cannot be checked: the entry point's inputSchema is invalid (${(error as Error).message})`,
    );
  }
  if (validate(args)) return;
  throw new ValidationError(schemaFieldErrors(validate.errors, prefix));
}

/** Processes: a package (a version, or always the latest) and entry point bound to a folder with default arguments. */
export class ProcessService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly packages: PackageService,
  ) {}

  async list(access: TenantAccess, folderId?: number): Promise<Process[]> {
    if (folderId !== undefined) {
      await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
      access.assertFolder(folderId, "processes.view");
    }
    const rows = await this.ctx.db
      .selectFrom("processes")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .$if(folderId !== undefined, (q) => q.where("folder_id", "=", folderId ?? 0))
      .orderBy("name")
      .execute();
    return rows.filter((r) => access.canInFolder(r.folder_id, "processes.view")).map(present);
  }

  async get(access: TenantAccess, id: number): Promise<Process> {
    const row = await this.find(this.ctx.db, access, id);
    return present(row);
  }

  async create(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    folderId: number,
    input: ProcessInput,
  ): Promise<Process> {
    await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
    access.assertFolder(folderId, "processes.create");
    const resolved = await this.resolveEntryPoint(this.ctx.db, access.tenantId, input);
    return this.unique(input.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const now = isoNow(this.ctx.clock);
        const row = await tx
          .insertInto("processes")
          .values({
            key: randomUUID(),
            tenant_id: access.tenantId,
            folder_id: folderId,
            name: input.name.trim(),
            description: input.description?.trim() || null,
            package_name: resolved.packageName,
            package_version: input.packageVersion ?? null,
            entry_point: resolved.entryPoint.name,
            input_json: JSON.stringify(input.inputArguments ?? {}),
            priority: input.priority ?? defaultPriority,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.processes,
          action: AuditAction.create,
          target: { type: "process", id: row.id, name: row.name },
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
    changes: Partial<ProcessInput>,
  ): Promise<Process> {
    const before = await this.find(this.ctx.db, access, id);
    access.assertFolder(before.folder_id, "processes.edit");
    const merged: ProcessInput = {
      name: changes.name ?? before.name,
      packageName: changes.packageName ?? before.package_name,
      packageVersion: changes.packageVersion !== undefined ? changes.packageVersion : before.package_version,
      entryPoint: changes.entryPoint ?? (changes.packageName ? undefined : before.entry_point),
      inputArguments: changes.inputArguments ?? (JSON.parse(before.input_json) as Record<string, unknown>),
    };
    const resolved = await this.resolveEntryPoint(this.ctx.db, access.tenantId, merged);
    return this.unique(merged.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable("processes")
          .set({
            name: merged.name.trim(),
            ...(changes.description !== undefined && { description: changes.description?.trim() || null }),
            package_name: resolved.packageName,
            package_version: merged.packageVersion ?? null,
            entry_point: resolved.entryPoint.name,
            input_json: JSON.stringify(merged.inputArguments ?? {}),
            ...(changes.priority !== undefined && { priority: changes.priority }),
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.processes,
          action: AuditAction.update,
          target: { type: "process", id, name: row.name },
          ...diffFields(present(before), present(row)),
        });
        return present(row);
      }),
    );
  }

  async delete(actor: Actor, orgId: number, access: TenantAccess, id: number): Promise<void> {
    const row = await this.find(this.ctx.db, access, id);
    access.assertFolder(row.folder_id, "processes.delete");
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("processes").where("id", "=", id).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.processes,
        action: AuditAction.delete,
        target: { type: "process", id, name: row.name },
        before: present(row),
      });
    });
  }

  /** The package version and entry point a process (or a job of it) runs, checked against its arguments. */
  async resolveEntryPoint(db: Db, tenantId: number, input: ProcessInput) {
    const pkg = await this.packages.resolve(db, tenantId, input.packageName, input.packageVersion ?? null);
    if (!pkg) {
      throw new ValidationError([
        input.packageVersion
          ? {
              path: "packageVersion",
              message: `version ${input.packageVersion} of ${input.packageName} does not exist`,
            }
          : { path: "packageName", message: "no such package in this tenant" },
      ]);
    }
    const manifest = JSON.parse(pkg.manifest_json) as Manifest;
    const entryPoint = input.entryPoint
      ? manifest.entryPoints.find((e) => e.name === input.entryPoint)
      : manifest.entryPoints[0];
    if (!entryPoint) {
      throw ValidationError.field(
        "entryPoint",
        `is not an entry point of ${pkg.name} ${pkg.version} (${manifest.entryPoints.map((e) => e.name).join(", ")})`,
      );
    }
    assertArguments(entryPoint, input.inputArguments ?? {}, "inputArguments");
    return { packageName: pkg.name, pkg, entryPoint };
  }

  private async find(db: Db, access: TenantAccess, id: number): Promise<ProcessRow> {
    const row = await db
      .selectFrom("processes")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    if (!row || !access.seesFolder(row.folder_id) || !access.canInFolder(row.folder_id, "processes.view")) {
      throw new NotFoundError("The process");
    }
    return row;
  }

  private unique<T>(name: string, work: () => Promise<T>): Promise<T> {
    return uniqueOrConflict(this.ctx, work, `A process named "${name.trim()}" already exists in this folder.`);
  }
}

function present(r: ProcessRow): Process {
  return {
    id: r.id,
    folderId: r.folder_id,
    name: r.name,
    description: r.description,
    packageName: r.package_name,
    packageVersion: r.package_version,
    entryPoint: r.entry_point,
    inputArguments: JSON.parse(r.input_json) as Record<string, unknown>,
    priority: r.priority,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
