import { sql } from "kysely";
import { type AssetValue, auditView, viewOf } from "../../domain/assets.js";
import type { Asset, AssetMachineValue } from "../../shared/api/assets.js";
import type { Db } from "../../storage/database.js";
import type { AssetRow } from "../../storage/schema.js";
import type { AssetVault } from "./asset-vault.js";

export type MachineValue = AssetMachineValue;

export type { Asset };

/** Opens stored assets for presentation: every value but a credential's password. */
export class AssetReader {
  constructor(private readonly vault: AssetVault) {}

  globalValue(row: AssetRow): AssetValue | null {
    return row.value_enc === null ? null : this.vault.open(row.key, null, row.value_enc);
  }

  /** Per-machine values of the given assets, by asset id, ordered by machine name. */
  async machineValues(db: Db, assetIds: number[]): Promise<Map<number, MachineValue[]>> {
    const out = new Map<number, MachineValue[]>();
    if (assetIds.length === 0) return out;
    const rows = await db
      .selectFrom("asset_machine_values as v")
      .innerJoin("assets as a", "a.id", "v.asset_id")
      .innerJoin("machines as m", "m.id", "v.machine_id")
      .select(["v.asset_id", "v.machine_id", "v.value_enc", "v.updated_by", "v.updated_at", "a.key", "m.name"])
      .where("v.asset_id", "in", assetIds)
      .orderBy(sql`lower(m.name)`)
      .execute();
    for (const r of rows) {
      const list = out.get(r.asset_id) ?? [];
      list.push({
        machineId: r.machine_id,
        machineName: r.name,
        value: viewOf(this.vault.open(r.key, r.machine_id, r.value_enc)),
        updatedBy: r.updated_by,
        updatedAt: r.updated_at,
      });
      out.set(r.asset_id, list);
    }
    return out;
  }

  async presentOne(db: Db, row: AssetRow): Promise<Asset> {
    return this.present(row, (await this.machineValues(db, [row.id])).get(row.id) ?? []);
  }

  present(r: AssetRow, machineValues: MachineValue[]): Asset {
    const value = this.globalValue(r);
    return {
      id: r.id,
      key: r.key,
      folderId: r.folder_id,
      name: r.name,
      description: r.description,
      type: r.type,
      value: value === null ? null : viewOf(value),
      machineValues,
      createdBy: r.created_by,
      updatedBy: r.updated_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}

/** What the audit log keeps of an asset: no key, a credential without its password, long texts cut. */
export function auditOf(row: AssetRow, value: AssetValue | null) {
  return {
    name: row.name,
    description: row.description,
    type: row.type,
    folderId: row.folder_id,
    value: auditView(value),
  };
}
