import { randomUUID } from "node:crypto";
import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import type { Permission } from "../../domain/permissions.js";
import { isoNow } from "../../platform/clock.js";
import type { MasterKey } from "../../platform/master-key.js";
import type { Bucket, BucketChanges, BucketInput, S3Input, S3Settings } from "../../shared/api/buckets.js";
import { BucketProviderKind } from "../../shared/buckets.js";
import type { Db } from "../../storage/database.js";
import type { BucketRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type ServiceContext, uniqueOrConflict } from "../context.js";
import { assertFolderOfTenant } from "../folders/folder-service.js";
import type { BucketProvider } from "./bucket-provider.js";
import { LocalProvider } from "./local-provider.js";
import { S3Provider } from "./s3-provider.js";

export type { Bucket, BucketChanges, BucketInput, S3Input, S3Settings };

const noS3 = {
  s3_endpoint: null,
  s3_region: null,
  s3_bucket: null,
  s3_access_key_id: null,
  s3_secret_key_enc: null,
  s3_path_style: 0,
};

/** Encryption context of S3 secret keys: bound to the bucket, so a value cannot be moved to another. */
const secretContext = (bucketKey: string) => `buckets.s3_secret_key:${bucketKey}`;

/**
 * Storage buckets (folder-scoped, `buckets.*`): their definitions, and the provider that holds
 * each one's files. Providers are cached per bucket until the bucket changes.
 */
export class BucketService {
  private readonly providers = new Map<number, { updatedAt: string; provider: BucketProvider }>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly masterKey: MasterKey,
  ) {}

  async list(access: TenantAccess, folderId: number): Promise<Bucket[]> {
    await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
    access.assertFolder(folderId, "buckets.view");
    const rows = await this.ctx.db
      .selectFrom("buckets")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .where("folder_id", "=", folderId)
      .orderBy("name")
      .execute();
    return rows.map(present);
  }

  async get(access: TenantAccess, id: number): Promise<Bucket> {
    return present(await this.find(access, id, "buckets.view"));
  }

  /** The bucket row after checking the caller's permission in its folder (404 when it is invisible). */
  async find(access: TenantAccess, id: number, permission: Permission): Promise<BucketRow> {
    const row = await this.ctx.db
      .selectFrom("buckets")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    if (!row || !access.seesFolder(row.folder_id) || !access.canInFolder(row.folder_id, "buckets.view")) {
      throw new NotFoundError("The bucket");
    }
    access.assertFolder(row.folder_id, permission);
    return row;
  }

  /** A bucket by name in one folder (case-insensitive), for running jobs. */
  async findByName(tenantId: number, folderId: number, name: string): Promise<BucketRow> {
    const row = await this.ctx.db
      .selectFrom("buckets")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("folder_id", "=", folderId)
      .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()))
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`The bucket "${name}" in the job's folder`);
    return row;
  }

  /** A bucket by its key, for signed links. */
  async findByKey(key: string): Promise<BucketRow> {
    const row = await this.ctx.db.selectFrom("buckets").selectAll().where("key", "=", key).executeTakeFirst();
    if (!row) throw new NotFoundError("The bucket");
    return row;
  }

  async create(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    folderId: number,
    input: BucketInput,
  ): Promise<Bucket> {
    await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
    access.assertFolder(folderId, "buckets.create");
    const provider = input.provider ?? BucketProviderKind.local;
    const key = randomUUID();
    const s3 = provider === BucketProviderKind.s3 ? this.s3Columns(key, null, input.s3 ?? {}) : noS3;
    if (provider === BucketProviderKind.local && input.s3 !== undefined) {
      throw ValidationError.field("s3", "is only for buckets with the provider s3");
    }
    return this.unique(input.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const now = isoNow(this.ctx.clock);
        const row = await tx
          .insertInto("buckets")
          .values({
            key,
            tenant_id: access.tenantId,
            folder_id: folderId,
            name: input.name.trim(),
            description: input.description?.trim() || null,
            provider,
            read_only: input.readOnly ? 1 : 0,
            ...s3,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.buckets,
          action: AuditAction.create,
          target: { type: "bucket", id: row.id, name: row.name },
          after: present(row),
        });
        return present(row);
      }),
    );
  }

  async update(actor: Actor, orgId: number, access: TenantAccess, id: number, changes: BucketChanges): Promise<Bucket> {
    const before = await this.find(access, id, "buckets.edit");
    if (before.provider === BucketProviderKind.local && changes.s3 !== undefined) {
      throw ValidationError.field("s3", "is only for buckets with the provider s3");
    }
    const s3 =
      before.provider === BucketProviderKind.s3 && changes.s3 ? this.s3Columns(before.key, before, changes.s3) : {};
    const name = changes.name ?? before.name;
    return this.unique(name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable("buckets")
          .set({
            name: name.trim(),
            ...(changes.description !== undefined && { description: changes.description?.trim() || null }),
            ...(changes.readOnly !== undefined && { read_only: changes.readOnly ? 1 : 0 }),
            ...s3,
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.buckets,
          action: AuditAction.update,
          target: { type: "bucket", id, name: row.name },
          ...auditDiff(before, row, changes.s3?.secretKey !== undefined),
        });
        this.forget(id);
        return present(row);
      }),
    );
  }

  /** Deletes the bucket; a local bucket's files go with it (an S3 store's objects stay). */
  async delete(actor: Actor, orgId: number, access: TenantAccess, id: number): Promise<void> {
    const row = await this.find(access, id, "buckets.delete");
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("buckets").where("id", "=", id).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.buckets,
        action: AuditAction.delete,
        target: { type: "bucket", id, name: row.name },
        before: present(row),
      });
    });
    this.forget(id);
    if (row.provider === BucketProviderKind.local) await new LocalProvider(this.ctx.config.dataDir, row.key).destroy();
  }

  /** The provider holding the bucket's files. */
  provider(row: BucketRow): BucketProvider {
    const cached = this.providers.get(row.id);
    if (cached && cached.updatedAt === row.updated_at) return cached.provider;
    cached?.provider.close();
    const provider =
      row.provider === BucketProviderKind.s3
        ? new S3Provider({
            endpoint: row.s3_endpoint,
            region: row.s3_region ?? "us-east-1",
            bucket: row.s3_bucket ?? "",
            accessKeyId: row.s3_access_key_id ?? "",
            secretAccessKey: row.s3_secret_key_enc
              ? this.masterKey.decrypt(row.s3_secret_key_enc, secretContext(row.key))
              : "",
            pathStyle: row.s3_path_style === 1,
          })
        : new LocalProvider(this.ctx.config.dataDir, row.key);
    this.providers.set(row.id, { updatedAt: row.updated_at, provider });
    return provider;
  }

  /** The organization a bucket belongs to (for audit rows of sessionless access). */
  async orgIdOf(row: BucketRow): Promise<number> {
    const tenant = await this.ctx.db
      .selectFrom("tenants")
      .select("org_id")
      .where("id", "=", row.tenant_id)
      .executeTakeFirstOrThrow();
    return tenant.org_id;
  }

  /** The tenant's cap on one upload, in MiB. */
  async uploadMaxMiB(db: Db, tenantId: number): Promise<number> {
    const row = await db
      .selectFrom("tenants")
      .select("bucket_upload_max_mib")
      .where("id", "=", tenantId)
      .executeTakeFirstOrThrow();
    return row.bucket_upload_max_mib;
  }

  async settings(access: TenantAccess): Promise<{ uploadMaxMiB: number }> {
    access.assertTenant("settings.view");
    return { uploadMaxMiB: await this.uploadMaxMiB(this.ctx.db, access.tenantId) };
  }

  async updateSettings(actor: Actor, orgId: number, access: TenantAccess, uploadMaxMiB: number) {
    access.assertTenant("settings.edit");
    await this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.uploadMaxMiB(tx, access.tenantId);
      await tx
        .updateTable("tenants")
        .set({ bucket_upload_max_mib: uploadMaxMiB })
        .where("id", "=", access.tenantId)
        .execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.buckets,
        action: AuditAction.update,
        target: { type: "tenant", id: access.tenantId, name: "bucket settings" },
        before: { uploadMaxMiB: before },
        after: { uploadMaxMiB },
      });
    });
    return { uploadMaxMiB };
  }

  /** Re-encrypts S3 secret keys under the current master key; returns how many changed. */
  async reencryptSecrets(): Promise<number> {
    const rows = await this.ctx.db
      .selectFrom("buckets")
      .select(["id", "key", "s3_secret_key_enc"])
      .where("s3_secret_key_enc", "is not", null)
      .execute();
    let changed = 0;
    for (const row of rows) {
      if (!row.s3_secret_key_enc || !this.masterKey.isStale(row.s3_secret_key_enc)) continue;
      const plain = this.masterKey.decrypt(row.s3_secret_key_enc, secretContext(row.key));
      await this.ctx.db
        .updateTable("buckets")
        .set({ s3_secret_key_enc: this.masterKey.encrypt(plain, secretContext(row.key)) })
        .where("id", "=", row.id)
        .execute();
      changed += 1;
    }
    return changed;
  }

  /** The S3 columns of a bucket from new settings merged over the stored ones; names each missing field. */
  private s3Columns(key: string, before: BucketRow | null, input: S3Input) {
    const merged = {
      s3_endpoint: input.endpoint !== undefined ? input.endpoint || null : (before?.s3_endpoint ?? null),
      s3_region: input.region ?? before?.s3_region ?? "us-east-1",
      s3_bucket: input.bucket ?? before?.s3_bucket ?? null,
      s3_access_key_id: input.accessKeyId ?? before?.s3_access_key_id ?? null,
      s3_secret_key_enc:
        input.secretKey !== undefined
          ? this.masterKey.encrypt(input.secretKey, secretContext(key))
          : (before?.s3_secret_key_enc ?? null),
      s3_path_style: input.pathStyle !== undefined ? (input.pathStyle ? 1 : 0) : (before?.s3_path_style ?? 0),
    };
    const missing = [
      ["s3.bucket", merged.s3_bucket],
      ["s3.accessKeyId", merged.s3_access_key_id],
      ["s3.secretKey", merged.s3_secret_key_enc],
    ].filter(([, v]) => !v);
    if (missing.length > 0) {
      throw new ValidationError(missing.map(([path]) => ({ path: path as string, message: "is required for S3" })));
    }
    return merged;
  }

  private forget(id: number): void {
    this.providers.get(id)?.provider.close();
    this.providers.delete(id);
  }

  private unique<T>(name: string, work: () => Promise<T>): Promise<T> {
    return uniqueOrConflict(this.ctx, work, `A bucket named "${name.trim()}" already exists in this folder.`);
  }
}

/** What changed, with a new secret key shown as "changed" (never its value). */
function auditDiff(before: BucketRow, after: BucketRow, secretChanged: boolean) {
  const diff = diffFields(present(before), present(after));
  if (secretChanged) {
    diff.before.s3SecretKey = "***";
    diff.after.s3SecretKey = "changed";
  }
  return diff;
}

export function present(r: BucketRow): Bucket {
  return {
    id: r.id,
    key: r.key,
    folderId: r.folder_id,
    name: r.name,
    description: r.description,
    provider: r.provider,
    readOnly: r.read_only === 1,
    s3:
      r.provider === BucketProviderKind.s3
        ? {
            endpoint: r.s3_endpoint,
            region: r.s3_region ?? "us-east-1",
            bucket: r.s3_bucket ?? "",
            accessKeyId: r.s3_access_key_id ?? "",
            pathStyle: r.s3_path_style === 1,
            hasSecretKey: r.s3_secret_key_enc !== null,
          }
        : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
