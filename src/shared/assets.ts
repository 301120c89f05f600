/**
 * Assets (orchestrator-spec §4.7): named values of a folder that automations read by name.
 * The type is fixed when the asset is created. Shared by the server and the UI.
 */
export const AssetType = {
  text: "text",
  bool: "bool",
  integer: "integer",
  credential: "credential",
} as const;
export type AssetType = (typeof AssetType)[keyof typeof AssetType];
export const assetTypes = Object.values(AssetType);

export const assetLimits = {
  name: 256,
  description: 250,
  /** Characters of a Text value (the original's limit). */
  text: 1_000_000,
  username: 512,
  password: 25_000,
  /**
   * Integer values: JavaScript's safe integers, −(2^53 − 1) … 2^53 − 1, so a value survives JSON
   * and every client language unchanged. (The original's Integer is int32; a compatibility layer
   * serving its shapes must refuse values outside that range itself.)
   */
  integerMin: Number.MIN_SAFE_INTEGER,
  integerMax: Number.MAX_SAFE_INTEGER,
} as const;
