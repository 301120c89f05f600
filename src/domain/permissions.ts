/**
 * Tenant and folder roles (orchestrator-spec §3.3): a permission is a resource × action, and
 * users get permissions only through roles. Tenant roles grant tenant-wide resources; folder
 * roles are assigned per folder and inherited by every subfolder.
 */
export const actions = ["view", "create", "edit", "delete"] as const;
export type Action = (typeof actions)[number];

/** Resources whose permissions are granted tenant-wide. */
export const tenantResources = [
  "folders",
  "machines",
  "packages",
  "roles",
  "users",
  "settings",
  "audit",
  "alerts",
  "webhooks",
] as const;
/** Resources whose permissions are granted per folder (and inherited by subfolders). */
export const folderResources = [
  "subfolders",
  "processes",
  "jobs",
  "logs",
  "triggers",
  "queues",
  "assets",
  "buckets",
] as const;

export type TenantResource = (typeof tenantResources)[number];
export type FolderResource = (typeof folderResources)[number];
export type RoleKind = "tenant" | "folder";

/** A permission written as `resource.action`, e.g. `jobs.create`. */
export type Permission = `${TenantResource | FolderResource}.${Action}`;

export function resourcesOf(kind: RoleKind): readonly string[] {
  return kind === "tenant" ? tenantResources : folderResources;
}

export function allPermissions(kind: RoleKind): Permission[] {
  return resourcesOf(kind).flatMap((r) => actions.map((a) => `${r}.${a}` as Permission));
}

/** Whether `permission` names a resource of the role's kind and a known action. */
export function isValidPermission(kind: RoleKind, permission: string): permission is Permission {
  return (allPermissions(kind) as string[]).includes(permission);
}

export interface PredefinedRole {
  key: string;
  name: string;
  kind: RoleKind;
  permissions: Permission[];
}

const view = (resources: readonly string[]) => resources.map((r) => `${r}.view` as Permission);
const all = (resources: readonly string[]) => resources.flatMap((r) => actions.map((a) => `${r}.${a}` as Permission));

/**
 * The roles every tenant has. They cannot be edited or deleted (copy one to customise it); their
 * permissions come from here, so a new version of Dirigent can extend them.
 */
export const predefinedRoles: readonly PredefinedRole[] = [
  { key: "tenant-administrator", name: "Tenant Administrator", kind: "tenant", permissions: allPermissions("tenant") },
  { key: "tenant-viewer", name: "Tenant Viewer", kind: "tenant", permissions: view(tenantResources) },
  { key: "folder-administrator", name: "Folder Administrator", kind: "folder", permissions: allPermissions("folder") },
  {
    key: "automation-developer",
    name: "Automation Developer",
    kind: "folder",
    permissions: [
      ...all(["processes", "jobs", "triggers", "queues", "assets", "buckets"]),
      ...view(["subfolders", "logs"]),
    ],
  },
  {
    key: "automation-user",
    name: "Automation User",
    kind: "folder",
    permissions: [...view(folderResources), "jobs.create", "jobs.edit", "queues.create", "queues.edit"],
  },
  { key: "viewer", name: "Viewer", kind: "folder", permissions: view(folderResources) },
];

/**
 * What a running job may do in its own folder with its job token (orchestrator-spec §3.5: a robot
 * views, adds and consumes queue items, reads assets and credentials, reads and writes buckets).
 */
export const robotPermissions: readonly Permission[] = [
  "queues.view",
  "queues.edit",
  "assets.view",
  "buckets.view",
  "buckets.edit",
];

/** Folder trees are at most this deep: one top-level folder and six levels below it. */
export const maxFolderDepth = 7;
