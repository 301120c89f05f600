import type { AssetValue } from "../../domain/assets.js";
import type { MasterKey } from "../../platform/master-key.js";
import type { Db } from "../../storage/database.js";

/**
 * Seals asset values with the master key. The associated data names the asset's key and the
 * machine, so a sealed value copied into another asset's row (or another machine's) does not
 * decrypt there.
 */
export class AssetVault {
  constructor(private readonly masterKey: MasterKey) {}

  seal(assetKey: string, machineId: number | null, value: AssetValue): string {
    return this.masterKey.encrypt(JSON.stringify(value), context(assetKey, machineId));
  }

  open(assetKey: string, machineId: number | null, sealed: string): AssetValue {
    return JSON.parse(this.masterKey.decrypt(sealed, context(assetKey, machineId))) as AssetValue;
  }

  /** Re-encrypts every asset value sealed under an older master key; returns how many changed. */
  async reencrypt(db: Db): Promise<number> {
    let changed = 0;
    const assets = await db.selectFrom("assets").select(["id", "key", "value_enc"]).execute();
    const keyOf = new Map(assets.map((a) => [a.id, a.key]));
    for (const a of assets) {
      if (!a.value_enc || !this.masterKey.isStale(a.value_enc)) continue;
      const value_enc = this.seal(a.key, null, this.open(a.key, null, a.value_enc));
      await db.updateTable("assets").set({ value_enc }).where("id", "=", a.id).execute();
      changed += 1;
    }
    const values = await db
      .selectFrom("asset_machine_values")
      .select(["asset_id", "machine_id", "value_enc"])
      .execute();
    for (const v of values) {
      const key = keyOf.get(v.asset_id);
      if (key === undefined || !this.masterKey.isStale(v.value_enc)) continue;
      const value_enc = this.seal(key, v.machine_id, this.open(key, v.machine_id, v.value_enc));
      await db
        .updateTable("asset_machine_values")
        .set({ value_enc })
        .where("asset_id", "=", v.asset_id)
        .where("machine_id", "=", v.machine_id)
        .execute();
      changed += 1;
    }
    return changed;
  }
}

function context(assetKey: string, machineId: number | null): string {
  return machineId === null ? `asset:${assetKey}` : `asset:${assetKey}:machine:${machineId}`;
}
