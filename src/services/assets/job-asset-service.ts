import { sql } from "kysely";
import { type AssetValue, auditView, isCredential, parseAssetValue } from "../../domain/assets.js";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { AppError, ForbiddenError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { AssetType } from "../../shared/assets.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { AssetRow } from "../../storage/schema.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import type { AssetVault } from "./asset-vault.js";

/** The running job asking: its tenant, folder and machine decide which asset and which value it gets. */
export interface AssetJob {
  orgId: number;
  tenantId: number;
  folderId: number;
  machineId: number | null;
}

/** What a running job reads: the value itself, or a credential's user name and password. */
export type JobAsset =
  | { name: string; type: "text"; value: string }
  | { name: string; type: "bool"; value: boolean }
  | { name: string; type: "integer"; value: number }
  | { name: string; type: "credential"; username: string; password: string };

/**
 * Assets as running automations see them (the job token's `GET|PUT /api/v1/job/assets/{name}`):
 * found by name in the job's folder, the machine's own value winning over the global one. The
 * only place a credential's password leaves the vault.
 */
export class JobAssetService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly vault: AssetVault,
  ) {}

  async read(job: AssetJob, name: string): Promise<JobAsset> {
    const asset = await this.find(this.ctx.db, job, name);
    const { value } = await this.effective(this.ctx.db, asset, job);
    return present(asset, value);
  }

  /**
   * Sets a text, bool or integer asset from a running job: the value the job itself reads is the
   * one that changes (its machine's own value if it has one, else the global value).
   */
  async write(actor: Actor, job: AssetJob, name: string, raw: unknown): Promise<JobAsset> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const asset = await this.find(tx, job, name);
      if (asset.type === AssetType.credential) {
        throw new ForbiddenError("Automations may read credentials but not set them; change them in Dirigent.");
      }
      // No value yet (asset-value-missing): the job sets the global one.
      const current = await this.effective(tx, asset, job).catch((error: unknown) => {
        if (error instanceof AppError && error.type === ProblemType.assetValueMissing) return null;
        throw error;
      });
      const value = parseAssetValue(asset.type, raw, "value");
      const now = isoNow(this.ctx.clock);
      const perMachine = current?.machineId != null;
      if (perMachine) {
        await tx
          .updateTable("asset_machine_values")
          .set({ value_enc: this.vault.seal(asset.key, job.machineId, value), updated_by: actor.name, updated_at: now })
          .where("asset_id", "=", asset.id)
          .where("machine_id", "=", job.machineId)
          .execute();
      } else {
        await tx
          .updateTable("assets")
          .set({ value_enc: this.vault.seal(asset.key, null, value) })
          .where("id", "=", asset.id)
          .execute();
      }
      await tx
        .updateTable("assets")
        .set({ updated_by: actor.name, updated_at: now })
        .where("id", "=", asset.id)
        .execute();
      const scope = perMachine ? { machineId: job.machineId } : { global: true };
      await this.audit.record(tx, actor, orgAuditScope(actor, job.orgId), {
        component: AuditComponent.assets,
        action: AuditAction.update,
        target: { type: "asset", id: asset.id, name: asset.name },
        before: { ...scope, value: auditView(current?.value ?? null) },
        after: { ...scope, value: auditView(value) },
      });
      return present(asset, value);
    });
  }

  /** The asset named so (case-insensitively) in the job's folder. */
  private async find(db: Db, job: AssetJob, name: string): Promise<AssetRow> {
    // lower() on both sides: SQLite's lower() folds ASCII only, and the unique index uses it too.
    const row = await db
      .selectFrom("assets")
      .selectAll()
      .where("tenant_id", "=", job.tenantId)
      .where("folder_id", "=", job.folderId)
      .where(sql<boolean>`lower(name) = lower(${name.trim()})`)
      .executeTakeFirst();
    if (!row) {
      throw new AppError(
        404,
        ProblemType.assetNotFound,
        "Asset not found",
        `The job's folder has no asset named "${name}".`,
      );
    }
    return row;
  }

  /** The value a job on `job.machineId` gets: its machine's own, else the global one. */
  private async effective(
    db: Db,
    asset: AssetRow,
    job: AssetJob,
  ): Promise<{ value: AssetValue; machineId: number | null }> {
    if (job.machineId !== null) {
      const own = await db
        .selectFrom("asset_machine_values")
        .select("value_enc")
        .where("asset_id", "=", asset.id)
        .where("machine_id", "=", job.machineId)
        .executeTakeFirst();
      if (own) return { value: this.vault.open(asset.key, job.machineId, own.value_enc), machineId: job.machineId };
    }
    if (asset.value_enc !== null) return { value: this.vault.open(asset.key, null, asset.value_enc), machineId: null };
    throw new AppError(
      404,
      ProblemType.assetValueMissing,
      "Asset value missing",
      `The asset "${asset.name}" has no value for this job's machine and no global value.`,
    );
  }
}

function present(asset: AssetRow, value: AssetValue): JobAsset {
  if (isCredential(value))
    return { name: asset.name, type: "credential", username: value.username, password: value.password };
  return { name: asset.name, type: asset.type, value } as JobAsset;
}
