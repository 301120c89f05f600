import { z } from "zod";
import { assetLimits, assetTypes } from "../assets.js";
import { limited, text } from "./fields.js";

/** The API's shapes of folder assets. */

/** A value as users see it: a credential shows its user name, never its password. */
export const assetValueViewSchema = z
  .union([z.string(), z.boolean(), z.number(), z.object({ username: z.string(), hasPassword: z.boolean() })])
  .describe(
    "text: a string, bool: a boolean, integer: a number, credential: {username, hasPassword} (never the password)",
  );
export type AssetValueView = z.infer<typeof assetValueViewSchema>;

const valueInput = z
  .unknown()
  .describe(
    "By the asset's type: text a string (≤ 1,000,000 characters), bool true/false, integer a safe integer " +
      "(±9007199254740991), credential {username, password} (password optional on a change: absent keeps it)",
  );

export const assetMachineValueSchema = z.object({
  machineId: z.number(),
  machineName: z.string(),
  value: assetValueViewSchema,
  updatedBy: z.string(),
  updatedAt: z.string(),
});
export type AssetMachineValue = z.infer<typeof assetMachineValueSchema>;

/** An asset as users see it: values without a credential's password. */
export const assetSchema = z.object({
  id: z.number(),
  key: z.string(),
  folderId: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  type: z.enum(assetTypes),
  /** The global value; null = none (only machines with their own value get one). */
  value: assetValueViewSchema.nullable(),
  machineValues: z.array(assetMachineValueSchema),
  createdBy: z.string(),
  updatedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Asset = z.infer<typeof assetSchema>;

const name = text(assetLimits.name);
const description = limited(assetLimits.description).trim().nullable().optional();

/** `POST …/folders/{folder}/assets`: `value` is untrusted JSON, checked against `type` by the service. */
export const assetCreateSchema = z
  .object({ name, description, type: z.enum(assetTypes), value: valueInput.optional() })
  .strict();
/** `PATCH …/assets/{id}`: `type` may be sent but not changed. */
export const assetChangeSchema = z
  .object({ name: name.optional(), description, type: z.enum(assetTypes).optional(), value: valueInput.optional() })
  .strict();
export const assetValueBodySchema = z.object({ value: valueInput }).strict();
