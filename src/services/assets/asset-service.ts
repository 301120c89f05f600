import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { auditView, parseAssetValue } from "../../domain/assets.js";
import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { ConflictError, NotFoundError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { AssetType } from "../../shared/assets.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { AssetRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type Page, type ServiceContext, uniqueOrConflict } from "../context.js";
import { assertFolderOfTenant } from "../folders/folder-service.js";
import { type Asset, AssetReader, auditOf } from "./asset-reader.js";
import type { AssetVault } from "./asset-vault.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

export interface AssetInput {
  name: string;
  description?: string | null | undefined;
  type: AssetType;
  /** Untrusted JSON, checked against `type`; null or absent = no global value. */
  value?: unknown;
}

export interface AssetChanges {
  name?: string | undefined;
  description?: string | null | undefined;
  /** Only the current type is accepted: the type is fixed after creation. */
  type?: AssetType | undefined;
  /** Absent = unchanged, null = remove the global value. */
  value?: unknown;
}

export interface AssetListQuery {
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

const sortName = sql<string>`lower(name)`;

/** Assets of folders: create, read (never a password), change and delete, with per-machine values. */
export class AssetService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly vault: AssetVault,
    private readonly reader: AssetReader = new AssetReader(vault),
  ) {}

  /** A folder's assets by name (case-insensitive), `q` matching part of the name. */
  async list(access: TenantAccess, folderId: number, query: AssetListQuery): Promise<Page<Asset>> {
    await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
    access.assertFolder(folderId, "assets.view");
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.ctx.db
      .selectFrom("assets")
      .selectAll()
      .select(sortName.as("sort_name"))
      .where("tenant_id", "=", access.tenantId)
      .where("folder_id", "=", folderId)
      .$if(query.q !== undefined && query.q !== "", (q) => q.where(this.ctx.dialect.contains("name", query.q ?? "")))
      .$if(after !== undefined, (q) =>
        q.where((eb) =>
          eb.or([
            eb(sortName, ">", after?.name ?? ""),
            eb.and([eb(sortName, "=", after?.name ?? ""), eb("id", ">", after?.id ?? 0)]),
          ]),
        ),
      )
      .orderBy(sortName)
      .orderBy("id")
      .limit(query.limit + 1)
      .execute();
    const page = rows.slice(0, query.limit);
    const values = await this.reader.machineValues(
      this.ctx.db,
      page.map((r) => r.id),
    );
    const last = page.at(-1);
    return {
      items: page.map((r) => this.reader.present(r, values.get(r.id) ?? [])),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.sort_name, last.id) : null,
    };
  }

  async get(access: TenantAccess, id: number): Promise<Asset> {
    const row = await this.find(this.ctx.db, access, id, "assets.view");
    return this.reader.presentOne(this.ctx.db, row);
  }

  async create(actor: Actor, orgId: number, access: TenantAccess, folderId: number, input: AssetInput): Promise<Asset> {
    await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
    access.assertFolder(folderId, "assets.create");
    const value =
      input.value === undefined || input.value === null ? null : parseAssetValue(input.type, input.value, "value");
    const key = randomUUID();
    return this.unique(input.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const now = isoNow(this.ctx.clock);
        const row = await tx
          .insertInto("assets")
          .values({
            key,
            tenant_id: access.tenantId,
            folder_id: folderId,
            name: input.name.trim(),
            description: input.description?.trim() || null,
            type: input.type,
            value_enc: value === null ? null : this.vault.seal(key, null, value),
            created_by: actor.name,
            updated_by: actor.name,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.assets,
          action: AuditAction.create,
          target: { type: "asset", id: row.id, name: row.name },
          after: auditOf(row, value),
        });
        return this.reader.present(row, []);
      }),
    );
  }

  async update(actor: Actor, orgId: number, access: TenantAccess, id: number, changes: AssetChanges): Promise<Asset> {
    const before = await this.find(this.ctx.db, access, id, "assets.edit");
    if (changes.type !== undefined && changes.type !== before.type) {
      throw new ConflictError(
        `The type of an asset is fixed when it is created (this one is ${before.type}); create a new asset instead.`,
        ProblemType.assetTypeImmutable,
        { errors: [{ path: "type", message: "cannot be changed" }] },
      );
    }
    const previous = this.reader.globalValue(before);
    let value = previous;
    if (changes.value === null) value = null;
    else if (changes.value !== undefined) value = parseAssetValue(before.type, changes.value, "value", previous);
    const name = changes.name ?? before.name;
    return this.unique(name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable("assets")
          .set({
            name: name.trim(),
            ...(changes.description !== undefined && { description: changes.description?.trim() || null }),
            ...(changes.value !== undefined && {
              value_enc: value === null ? null : this.vault.seal(before.key, null, value),
            }),
            updated_by: actor.name,
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.assets,
          action: AuditAction.update,
          target: { type: "asset", id, name: row.name },
          ...diffFields(auditOf(before, previous), auditOf(row, value)),
        });
        return this.reader.presentOne(tx, row);
      }),
    );
  }

  /** Sets the value one machine of the tenant gets (it wins over the global value for that machine's jobs). */
  async setMachineValue(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
    machineId: number,
    raw: unknown,
  ): Promise<Asset> {
    const asset = await this.find(this.ctx.db, access, id, "assets.edit");
    const machine = await this.machine(access.tenantId, machineId);
    return this.ctx.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom("asset_machine_values")
        .select("value_enc")
        .where("asset_id", "=", id)
        .where("machine_id", "=", machineId)
        .executeTakeFirst();
      const previous = existing ? this.vault.open(asset.key, machineId, existing.value_enc) : null;
      const value = parseAssetValue(asset.type, raw, "value", previous);
      const row = {
        value_enc: this.vault.seal(asset.key, machineId, value),
        updated_by: actor.name,
        updated_at: isoNow(this.ctx.clock),
      };
      if (existing) {
        await tx
          .updateTable("asset_machine_values")
          .set(row)
          .where("asset_id", "=", id)
          .where("machine_id", "=", machineId)
          .execute();
      } else {
        await tx
          .insertInto("asset_machine_values")
          .values({ asset_id: id, machine_id: machineId, ...row })
          .execute();
      }
      await this.touch(tx, actor, id);
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.assets,
        action: AuditAction.update,
        target: { type: "asset", id, name: asset.name },
        before: { machineValue: previous === null ? null : { machine: machine.name, value: auditView(previous) } },
        after: { machineValue: { machine: machine.name, value: auditView(value) } },
      });
      return this.reader.presentOne(tx, await this.row(tx, id));
    });
  }

  /** Removes a machine's own value: its jobs get the global value again. */
  async deleteMachineValue(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
    machineId: number,
  ): Promise<void> {
    const asset = await this.find(this.ctx.db, access, id, "assets.edit");
    const machine = await this.machine(access.tenantId, machineId);
    await this.ctx.db.transaction().execute(async (tx) => {
      const removed = await tx
        .deleteFrom("asset_machine_values")
        .where("asset_id", "=", id)
        .where("machine_id", "=", machineId)
        .returning("value_enc")
        .executeTakeFirst();
      if (!removed) throw new NotFoundError("A value of this asset for the machine");
      await this.touch(tx, actor, id);
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.assets,
        action: AuditAction.update,
        target: { type: "asset", id, name: asset.name },
        before: {
          machineValue: {
            machine: machine.name,
            value: auditView(this.vault.open(asset.key, machineId, removed.value_enc)),
          },
        },
        after: { machineValue: null },
      });
    });
  }

  async delete(actor: Actor, orgId: number, access: TenantAccess, id: number): Promise<void> {
    const row = await this.find(this.ctx.db, access, id, "assets.delete");
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("assets").where("id", "=", id).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.assets,
        action: AuditAction.delete,
        target: { type: "asset", id, name: row.name },
        before: auditOf(row, this.reader.globalValue(row)),
      });
    });
  }

  /** Re-encrypts asset values sealed under an older master key (`dirigent admin rotate-master-key`). */
  reencryptSecrets(): Promise<number> {
    return this.ctx.db.transaction().execute((tx) => this.vault.reencrypt(tx));
  }

  /** The asset, if the caller sees it and has `permission` in its folder; 404 when it is not visible at all. */
  private async find(
    db: Db,
    access: TenantAccess,
    id: number,
    permission: "assets.view" | "assets.edit" | "assets.delete",
  ) {
    const row = await db
      .selectFrom("assets")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    if (!row || !access.seesFolder(row.folder_id) || !access.canInFolder(row.folder_id, "assets.view")) {
      throw new NotFoundError("The asset");
    }
    access.assertFolder(row.folder_id, permission);
    return row;
  }

  private async row(db: Db, id: number): Promise<AssetRow> {
    return db.selectFrom("assets").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  }

  private async machine(tenantId: number, machineId: number) {
    const machine = await this.ctx.db
      .selectFrom("machines")
      .select(["id", "name"])
      .where("id", "=", machineId)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!machine) throw new NotFoundError("The machine");
    return machine;
  }

  private async touch(db: Db, actor: Actor, id: number): Promise<void> {
    await db
      .updateTable("assets")
      .set({ updated_by: actor.name, updated_at: isoNow(this.ctx.clock) })
      .where("id", "=", id)
      .execute();
  }

  private unique<T>(name: string, work: () => Promise<T>): Promise<T> {
    return uniqueOrConflict(this.ctx, work, `An asset named "${name.trim()}" already exists in this folder.`);
  }
}
