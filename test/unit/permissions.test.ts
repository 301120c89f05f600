import { describe, expect, it } from "vitest";
import {
  actions,
  allPermissions,
  folderResources,
  isValidPermission,
  maxFolderDepth,
  predefinedRoles,
  type RoleKind,
  tenantResources,
} from "../../src/domain/permissions.js";

// Written out here rather than taken from the code, so a change to the catalogue fails a test.
const tenantAreas = ["folders", "machines", "packages", "roles", "users", "settings", "audit", "alerts", "webhooks"];
const folderAreas = ["subfolders", "processes", "jobs", "logs", "triggers", "queues", "assets", "buckets"];
const verbs = ["view", "create", "edit", "delete"];
const every = (areas: string[]) => areas.flatMap((r) => verbs.map((a) => `${r}.${a}`));
const viewOf = (areas: string[]) => areas.map((r) => `${r}.view`);

describe("the permission catalogue", () => {
  it("has the four actions and the tenant and folder resources", () => {
    expect([...actions]).toEqual(verbs);
    expect([...tenantResources]).toEqual(tenantAreas);
    expect([...folderResources]).toEqual(folderAreas);
  });

  it("keeps tenant and folder resources apart", () => {
    expect(tenantAreas.filter((r) => folderAreas.includes(r))).toEqual([]);
  });

  it("limits folder trees to 7 levels", () => {
    expect(maxFolderDepth).toBe(7);
  });
});

describe("allPermissions", () => {
  it.each([
    ["tenant", tenantAreas],
    ["folder", folderAreas],
  ] as const)("lists every resource × action of a %s role, resource by resource", (kind, areas) => {
    expect(allPermissions(kind)).toEqual(every([...areas]));
    expect(allPermissions(kind)).toHaveLength(areas.length * 4);
  });

  it("gives permissions that are all valid for their own kind and invalid for the other", () => {
    for (const kind of ["tenant", "folder"] as RoleKind[]) {
      const other: RoleKind = kind === "tenant" ? "folder" : "tenant";
      for (const p of allPermissions(kind)) {
        expect(isValidPermission(kind, p), `${kind} ${p}`).toBe(true);
        expect(isValidPermission(other, p), `${other} ${p}`).toBe(false);
      }
    }
  });

  it("returns a fresh array each time (callers may not corrupt the catalogue)", () => {
    const list = allPermissions("folder");
    list.length = 0;
    expect(allPermissions("folder")).toHaveLength(32);
  });
});

describe("isValidPermission", () => {
  it.each([
    ["tenant", "folders.view"],
    ["tenant", "roles.delete"],
    ["tenant", "alerts.edit"],
    ["folder", "subfolders.create"],
    ["folder", "jobs.edit"],
    ["folder", "buckets.delete"],
  ] as const)("accepts %s permission %s", (kind, permission) => {
    expect(isValidPermission(kind, permission)).toBe(true);
  });

  it.each([
    ["folder", "folders.view", "a tenant resource in a folder role"],
    ["tenant", "jobs.create", "a folder resource in a tenant role"],
    ["tenant", "subfolders.view", "subfolders are per folder"],
    ["folder", "jobs.run", "an unknown action"],
    ["folder", "robots.view", "an unknown resource"],
    ["folder", "jobs", "no action"],
    ["folder", "jobs.", "an empty action"],
    ["folder", ".view", "an empty resource"],
    ["folder", "", "nothing"],
    ["folder", "Jobs.View", "the wrong case"],
    ["folder", " jobs.view", "a leading space"],
    ["folder", "jobs.view ", "a trailing space"],
    ["folder", "jobs.view.extra", "a third part"],
    ["tenant", "folders.view.", "a trailing dot"],
    ["folder", "jobs..view", "a doubled dot"],
    ["folder", "constructor.view", "an Object property name"],
    ["folder", "jobs.toString", "an Object method name"],
  ] as const)("rejects %s permission %j (%s)", (kind, permission, _why) => {
    expect(isValidPermission(kind, permission)).toBe(false);
  });
});

describe("predefined roles", () => {
  it("are the six roles of every tenant, with unique keys and names", () => {
    expect(predefinedRoles.map((r) => [r.key, r.name, r.kind])).toEqual([
      ["tenant-administrator", "Tenant Administrator", "tenant"],
      ["tenant-viewer", "Tenant Viewer", "tenant"],
      ["folder-administrator", "Folder Administrator", "folder"],
      ["automation-developer", "Automation Developer", "folder"],
      ["automation-user", "Automation User", "folder"],
      ["viewer", "Viewer", "folder"],
    ]);
    expect(new Set(predefinedRoles.map((r) => r.name.toLowerCase())).size).toBe(predefinedRoles.length);
  });

  it.each(predefinedRoles.map((r) => [r.name, r] as const))(
    "%s uses only valid permissions of its kind, each once",
    (_name, role) => {
      expect(role.permissions.length).toBeGreaterThan(0);
      for (const p of role.permissions) expect(isValidPermission(role.kind, p), p).toBe(true);
      expect(new Set(role.permissions).size).toBe(role.permissions.length);
    },
  );

  it("grant exactly the documented permissions", () => {
    const byKey = Object.fromEntries(predefinedRoles.map((r) => [r.key, [...r.permissions].sort()]));
    expect(byKey).toEqual({
      "tenant-administrator": every(tenantAreas).sort(),
      "tenant-viewer": viewOf(tenantAreas).sort(),
      "folder-administrator": every(folderAreas).sort(),
      "automation-developer": [
        ...every(["processes", "jobs", "triggers", "queues", "assets", "buckets"]),
        "subfolders.view",
        "logs.view",
      ].sort(),
      "automation-user": [...viewOf(folderAreas), "jobs.create", "jobs.edit", "queues.create", "queues.edit"].sort(),
      viewer: viewOf(folderAreas).sort(),
    });
  });

  it("let only administrators manage subfolders", () => {
    const managing = predefinedRoles.filter((r) =>
      r.permissions.some((p) => /^subfolders\.(create|edit|delete)$/.test(p)),
    );
    expect(managing.map((r) => r.key)).toEqual(["folder-administrator"]);
  });
});
