import { z } from "zod";

/** The API's shapes of roles, their assignments and a caller's own permissions. */

export const roleKinds = ["tenant", "folder"] as const;

export const roleSchema = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(roleKinds),
  predefined: z.boolean(),
  permissions: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Role = z.infer<typeof roleSchema>;

/** What permissions can be made of: `resource.action`. */
export const roleCatalogueSchema = z.object({
  actions: z.array(z.string()),
  tenantResources: z.array(z.string()),
  folderResources: z.array(z.string()),
});
export type RoleCatalogue = z.infer<typeof roleCatalogueSchema>;

const userRef = z.object({ id: z.number(), email: z.string(), name: z.string() });
const roleRef = z.object({ id: z.number(), name: z.string() });

export const tenantAssignmentSchema = z.object({ user: userRef, role: roleRef });
export type TenantAssignment = z.infer<typeof tenantAssignmentSchema>;

export const folderAssignmentSchema = z.object({
  user: userRef,
  role: roleRef,
  origin: z.enum(["assigned", "inherited"]),
  fromFolderId: z.number(),
});
export type FolderAssignment = z.infer<typeof folderAssignmentSchema>;

/** The caller's own permissions in a tenant and per folder (for the UI). */
export const tenantPermissionsSchema = z.object({
  everything: z.boolean(),
  tenant: z.array(z.string()),
  folders: z.array(z.object({ folderId: z.number(), permissions: z.array(z.string()) })),
});
export type TenantPermissions = z.infer<typeof tenantPermissionsSchema>;
