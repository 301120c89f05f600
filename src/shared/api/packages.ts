import { z } from "zod";
import { jsonObject, text } from "./fields.js";

/** The API's shapes of package versions and of the processes bound to folders. */

export const entryPointSchema = z.object({
  name: z.string(),
  command: z.array(z.string()),
  inputSchema: jsonObject.optional(),
  outputSchema: jsonObject.optional(),
});
export type EntryPoint = z.infer<typeof entryPointSchema>;

export const packageVersionSchema = z.object({
  id: z.number(),
  name: z.string(),
  version: z.string(),
  description: z.string().nullable(),
  entryPoints: z.array(entryPointSchema),
  format: z.enum(["zip", "tgz"]),
  size: z.number(),
  sha256: z.string(),
  uploadedBy: z.string(),
  createdAt: z.string(),
});
export type PackageVersion = z.infer<typeof packageVersionSchema>;

export const processSchema = z.object({
  id: z.number(),
  folderId: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  packageName: z.string(),
  packageVersion: z.string().nullable(),
  entryPoint: z.string(),
  inputArguments: jsonObject,
  priority: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Process = z.infer<typeof processSchema>;

/** The fields of `POST …/processes` (all required but the optional ones) and `PATCH …/processes/{id}` (all optional). */
export const processFields = {
  name: text(100),
  description: z.string().trim().max(500).nullable().optional(),
  packageName: text(100),
  packageVersion: z.string().max(64).nullable().optional(),
  entryPoint: z.string().max(100).optional(),
  inputArguments: jsonObject.optional(),
  priority: z.number().int().min(1).max(100).optional(),
};
export const processInputSchema = z.object(processFields).partial().strict();
export type ProcessInput = z.infer<typeof processInputSchema>;

/** A package by name with its versions (newest first). */
export const packageSummarySchema = z.object({
  name: z.string(),
  latestVersion: z.string(),
  description: z.string().nullable(),
  versions: z.array(packageVersionSchema),
});
export type PackageSummary = z.infer<typeof packageSummarySchema>;

/** `POST …/folders/{folder}/processes`. */
export const processCreateSchema = z.object(processFields).strict();
export type ProcessCreateInput = z.infer<typeof processCreateSchema>;
