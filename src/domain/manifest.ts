import semver from "semver";
import { z } from "zod";

/** The file every package archive carries at its root. */
export const manifestFile = "dirigent.json";

const jsonSchema = z.record(z.string(), z.unknown());

/** `dirigent.json` (API.md): name, semver version, and the entry points with their commands. */
export const manifestSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
        "may contain letters, digits and . _ - only, starting with a letter or digit",
      ),
    version: z
      .string()
      .max(64)
      .refine((v) => semver.valid(v) === v, "must be a semantic version such as 1.2.3"),
    description: z.string().max(1000).optional(),
    entryPoints: z
      .array(
        z
          .object({
            name: z
              .string()
              .min(1)
              .max(100)
              .regex(/^[A-Za-z0-9._-]+$/, "may contain letters, digits and . _ - only"),
            command: z
              .array(z.string().max(1000))
              .min(1, "must name a program")
              .max(100)
              .refine((c) => (c[0] ?? "").length > 0, "must start with the program to run"),
            inputSchema: jsonSchema.optional(),
            outputSchema: jsonSchema.optional(),
          })
          .strict(),
      )
      .min(1, "must have at least one entry point")
      .max(50)
      .refine((eps) => new Set(eps.map((e) => e.name)).size === eps.length, "entry point names must be unique"),
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;
export type EntryPoint = Manifest["entryPoints"][number];

/**
 * Whether an archive member's path stays inside the package: relative, no `..` segments, no
 * drive letters or backslash tricks.
 */
export function isSafeMemberPath(path: string): boolean {
  if (path.length === 0 || path.length > 1000) return false;
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path) || path.includes("\0")) return false;
  return !path.split(/[\\/]/).some((segment) => segment === "..");
}

/** Normalises an archive member path (strips a leading ./). */
export function memberPath(path: string): string {
  return path.replace(/^(\.\/)+/, "");
}
