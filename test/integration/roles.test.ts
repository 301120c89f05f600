import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

// The catalogue written out here rather than taken from the code, so a change to it fails a test.
const tenantAreas = ["folders", "machines", "packages", "roles", "users", "settings", "audit", "alerts", "webhooks"];
const folderAreas = ["subfolders", "processes", "jobs", "logs", "triggers", "queues", "assets", "buckets"];
const verbs = ["view", "create", "edit", "delete"];
const every = (areas: string[]) => areas.flatMap((r) => verbs.map((a) => `${r}.${a}`)).sort();
const viewOf = (areas: string[]) => areas.map((r) => `${r}.view`).sort();

interface Role {
  id: number;
  name: string;
  kind: "tenant" | "folder";
  predefined: boolean;
  permissions: string[];
  createdAt: string;
  updatedAt: string;
}

const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

async function listRoles(api: Api, t: string): Promise<Role[]> {
  const res = await api.get(`${t}/roles`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as Role[];
}

async function roleId(api: Api, t: string, name: string): Promise<number> {
  const role = (await listRoles(api, t)).find((r) => r.name === name);
  expect(role, name).toBeDefined();
  return (role as Role).id;
}

async function createRole(api: Api, t: string, body: { name: string; kind: string; permissions: string[] }) {
  const res = await api.post(`${t}/roles`, body);
  expect(res.status, res.text).toBe(201);
  return res.body as Role;
}

async function createFolder(api: Api, t: string, name: string, parentId?: number): Promise<{ id: number }> {
  const res = await api.post(`${t}/folders`, { name, ...(parentId !== undefined && { parentId }) });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function assign(api: Api, t: string, folderId: number, userId: number, roleIds: number[]) {
  const res = await api.put(`${t}/folders/${folderId}/assignments/${userId}`, { roleIds });
  expect(res.status, res.text).toBe(204);
}

async function assignTenant(api: Api, t: string, userId: number, roleIds: number[]) {
  const res = await api.put(`${t}/role-assignments/${userId}`, { roleIds });
  expect(res.status, res.text).toBe(204);
}

async function folderAssignments(api: Api, t: string, folderId: number) {
  const res = await api.get(`${t}/folders/${folderId}/assignments`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as {
    user: { id: number; email: string; name: string };
    role: { id: number; name: string };
    origin: string;
    fromFolderId: number;
  }[];
}

const userRef = (u: TestUser) => ({ id: u.id, email: u.email, name: u.email });

describe.each(testDatabases())("roles on %s", (database) => {
  let server: TestServer;
  let host: Api;
  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => server?.stop());

  async function setup() {
    const org = await createOrg(host);
    return { org, api: org.admin.api, t: tenantPath(org) };
  }

  describe("listing", () => {
    it("lists the predefined roles with their permissions, and the permission catalogue", async () => {
      const { api, t } = await setup();
      const res = await api.get(`${t}/roles`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.catalogue).toEqual({
        actions: verbs,
        tenantResources: tenantAreas,
        folderResources: folderAreas,
      });
      const items = res.body.items as Role[];
      for (const r of items) {
        expect(r).toEqual({
          id: expect.any(Number),
          name: r.name,
          kind: r.kind,
          predefined: true,
          permissions: expect.any(Array),
          createdAt: isoTime,
          updatedAt: isoTime,
        });
      }
      expect(items.map((r) => [r.name, r.kind, [...r.permissions].sort()])).toEqual([
        ["Tenant Administrator", "tenant", every(tenantAreas)],
        ["Tenant Viewer", "tenant", viewOf(tenantAreas)],
        ["Folder Administrator", "folder", every(folderAreas)],
        [
          "Automation Developer",
          "folder",
          [
            ...every(["processes", "jobs", "triggers", "queues", "assets", "buckets"]),
            "logs.view",
            "subfolders.view",
          ].sort(),
        ],
        [
          "Automation User",
          "folder",
          [...viewOf(folderAreas), "jobs.create", "jobs.edit", "queues.create", "queues.edit"].sort(),
        ],
        ["Viewer", "folder", viewOf(folderAreas)],
      ]);
      // Asking again neither duplicates nor renumbers them.
      expect(await listRoles(api, t)).toEqual(items);
    });

    it("gives every tenant its own predefined roles", async () => {
      const { api, org, t } = await setup();
      const created = await api.post(`/orgs/${org.slug}/tenants`, { name: unique("Second") });
      expect(created.status, created.text).toBe(201);
      const mine = await listRoles(api, t);
      const theirs = await listRoles(api, `/orgs/${org.slug}/tenants/${created.body.id}`);
      expect(theirs.map((r) => r.name)).toEqual(mine.map((r) => r.name));
      expect(theirs.map((r) => r.id).filter((id) => mine.some((m) => m.id === id))).toEqual([]);
    });
  });

  describe("custom roles", () => {
    it("creates a folder role: name trimmed, permissions sorted and each once, listed after the predefined ones", async () => {
      const { api, t } = await setup();
      const res = await api.post(`${t}/roles`, {
        name: "  Job Starter ",
        kind: "folder",
        permissions: ["jobs.create", "jobs.view", "processes.view", "jobs.view"],
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        name: "Job Starter",
        kind: "folder",
        predefined: false,
        permissions: ["jobs.create", "jobs.view", "processes.view"],
        createdAt: isoTime,
        updatedAt: isoTime,
      });
      const roles = await listRoles(api, t);
      expect(roles.map((r) => r.name)).toEqual([
        "Tenant Administrator",
        "Tenant Viewer",
        "Folder Administrator",
        "Automation Developer",
        "Automation User",
        "Viewer",
        "Job Starter",
      ]);
      expect(roles.at(-1)).toEqual(res.body);
    });

    it("creates a tenant role and a role without permissions", async () => {
      const { api, t } = await setup();
      const auditor = await createRole(api, t, { name: "Auditor", kind: "tenant", permissions: ["audit.view"] });
      expect(auditor).toMatchObject({ kind: "tenant", predefined: false, permissions: ["audit.view"] });
      const empty = await createRole(api, t, { name: "Nothing", kind: "folder", permissions: [] });
      expect(empty.permissions).toEqual([]);
    });

    it("rejects invalid permission names, naming each by its index, and creates nothing", async () => {
      const { api, t } = await setup();
      const before = await listRoles(api, t);
      const problem = expectProblem(
        await api.post(`${t}/roles`, {
          name: "Broken",
          kind: "folder",
          permissions: ["jobs.view", "jobs.run", "bogus", "jobs.view.extra", "JOBS.VIEW", "robots.view", "jobs.edit"],
        }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual(
        [1, 2, 3, 4, 5].map((i) => ({ path: `permissions.${i}`, message: "is not a folder permission" })),
      );
      expect(await listRoles(api, t)).toEqual(before);
    });

    it("rejects a tenant permission in a folder role and a folder permission in a tenant role", async () => {
      const { api, t } = await setup();
      const folderRole = expectProblem(
        await api.post(`${t}/roles`, { name: "F", kind: "folder", permissions: ["jobs.view", "folders.create"] }),
        400,
        "validation-failed",
      );
      expect(folderRole.errors).toEqual([{ path: "permissions.1", message: "is not a folder permission" }]);
      const tenantRole = expectProblem(
        await api.post(`${t}/roles`, { name: "T", kind: "tenant", permissions: ["subfolders.create"] }),
        400,
        "validation-failed",
      );
      expect(tenantRole.errors).toEqual([{ path: "permissions.0", message: "is not a tenant permission" }]);
      expect((await listRoles(api, t)).filter((r) => !r.predefined)).toEqual([]);
    });

    it("validates the body, naming the fields", async () => {
      const { api, t } = await setup();
      const cases: [unknown, string[]][] = [
        [{}, ["name", "kind", "permissions"]],
        [{ name: "X", kind: "mixed", permissions: [] }, ["kind"]],
        [{ name: "X", kind: "folder", permissions: "jobs.view" }, ["permissions"]],
        [{ name: "X", kind: "folder", permissions: [42] }, ["permissions.0"]],
        [{ name: "X", kind: "folder", permissions: ["x".repeat(65)] }, ["permissions.0"]],
        [{ name: "X", kind: "folder", permissions: Array(201).fill("jobs.view") }, ["permissions"]],
        [{ name: "x".repeat(65), kind: "folder", permissions: [] }, ["name"]],
        [{ name: "  ", kind: "folder", permissions: [] }, ["name"]],
        [{ name: "X", kind: "folder", permissions: [], predefined: true, id: 1 }, ["predefined", "id"]],
      ];
      for (const [body, fields] of cases) {
        const problem = expectProblem(await api.post(`${t}/roles`, body), 400, "validation-failed");
        expect(
          problem.errors?.map((e) => e.path),
          JSON.stringify(body).slice(0, 80),
        ).toEqual(fields);
      }
      const long = expectProblem(
        await api.post(`${t}/roles`, { name: "x".repeat(65), kind: "folder", permissions: [] }),
        400,
        "validation-failed",
      );
      expect(long.errors).toEqual([{ path: "name", message: "must be at most 64 characters" }]);
      expect((await listRoles(api, t)).filter((r) => !r.predefined)).toEqual([]);
    });

    it("keeps role names unique regardless of case, predefined names included", async () => {
      const { api, t } = await setup();
      await createRole(api, t, { name: "Operators", kind: "folder", permissions: [] });
      for (const name of ["OPERATORS", " operators ", "viewer", "Tenant administrator"]) {
        const problem = expectProblem(
          await api.post(`${t}/roles`, { name, kind: "tenant", permissions: [] }),
          409,
          "already-exists",
        );
        expect(problem.errors).toEqual([{ path: "name", message: "is already taken" }]);
      }
    });

    it("refuses a predefined role's name even as the first request on a fresh tenant, and keeps every predefined role", async () => {
      const { api, t } = await setup();
      // No list has been read yet, so nothing has asked for the predefined roles before.
      const problem = expectProblem(
        await api.post(`${t}/roles`, { name: "viewer", kind: "folder", permissions: ["jobs.view"] }),
        409,
        "already-exists",
      );
      expect(problem.errors).toEqual([{ path: "name", message: "is already taken" }]);
      const roles = await listRoles(api, t);
      expect(roles.filter((r) => r.predefined).map((r) => r.name)).toEqual([
        "Tenant Administrator",
        "Tenant Viewer",
        "Folder Administrator",
        "Automation Developer",
        "Automation User",
        "Viewer",
      ]);
      expect(roles.filter((r) => !r.predefined)).toEqual([]);
    });

    it("compares role names case-insensitively beyond ASCII too, on every storage", async () => {
      const { api, t } = await setup();
      await createRole(api, t, { name: "Prüfer", kind: "folder", permissions: [] });
      expectProblem(
        await api.post(`${t}/roles`, { name: "PRÜFER", kind: "folder", permissions: [] }),
        409,
        "already-exists",
      );
      const other = await createRole(api, t, { name: "Other", kind: "folder", permissions: [] });
      expectProblem(await api.patch(`${t}/roles/${other.id}`, { name: "prüfer" }), 409, "already-exists");
      expect((await listRoles(api, t)).filter((r) => !r.predefined).map((r) => r.name)).toEqual(["Prüfer", "Other"]);
    });

    it("renames a custom role and replaces its permissions", async () => {
      const { api, t } = await setup();
      const role = await createRole(api, t, { name: "Ops", kind: "folder", permissions: ["jobs.view"] });
      const res = await api.patch(`${t}/roles/${role.id}`, {
        name: " Operations ",
        permissions: ["queues.edit", "jobs.create", "jobs.create"],
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({
        ...role,
        name: "Operations",
        permissions: ["jobs.create", "queues.edit"],
        updatedAt: isoTime,
      });
      const renamed = await api.patch(`${t}/roles/${role.id}`, { name: "Ops Team" });
      expect(renamed.body).toMatchObject({ name: "Ops Team", permissions: ["jobs.create", "queues.edit"] });
      const cleared = await api.patch(`${t}/roles/${role.id}`, { permissions: [] });
      expect(cleared.body).toMatchObject({ name: "Ops Team", permissions: [] });
      expect((await listRoles(api, t)).at(-1)).toEqual(cleared.body);
    });

    it("validates an update against the role's own kind and refuses a change of kind", async () => {
      const { api, t } = await setup();
      const role = await createRole(api, t, { name: "Ops", kind: "tenant", permissions: ["users.view"] });
      const bad = expectProblem(
        await api.patch(`${t}/roles/${role.id}`, { permissions: ["users.edit", "jobs.view"] }),
        400,
        "validation-failed",
      );
      expect(bad.errors).toEqual([{ path: "permissions.1", message: "is not a tenant permission" }]);
      const kind = expectProblem(
        await api.patch(`${t}/roles/${role.id}`, { kind: "folder" }),
        400,
        "validation-failed",
      );
      expect(kind.errors).toEqual([{ path: "kind", message: "is not a known field" }]);
      const other = await createRole(api, t, { name: "Other", kind: "tenant", permissions: [] });
      const taken = expectProblem(await api.patch(`${t}/roles/${other.id}`, { name: "OPS" }), 409, "already-exists");
      expect(taken.errors).toEqual([{ path: "name", message: "is already taken" }]);
      expect((await listRoles(api, t)).find((r) => r.id === role.id)).toEqual(role);
    });

    it("refuses to change or delete a predefined role (403)", async () => {
      const { api, t } = await setup();
      const before = await listRoles(api, t);
      for (const role of before) {
        const patched = expectProblem(
          await api.patch(`${t}/roles/${role.id}`, { name: `${role.name} 2`, permissions: [] }),
          403,
          "forbidden",
        );
        expect(patched.detail).toBe("Predefined roles cannot be changed; create a custom role instead.");
        expectProblem(await api.delete(`${t}/roles/${role.id}`), 403, "forbidden");
      }
      expect(await listRoles(api, t)).toEqual(before);
    });

    it("deletes an unassigned custom role", async () => {
      const { api, t } = await setup();
      const role = await createRole(api, t, { name: "Temp", kind: "folder", permissions: [] });
      const res = await api.delete(`${t}/roles/${role.id}`);
      expect(res.status, res.text).toBe(204);
      expect((await listRoles(api, t)).some((r) => r.id === role.id)).toBe(false);
      expectProblem(await api.delete(`${t}/roles/${role.id}`), 404, "not-found");
      expectProblem(await api.patch(`${t}/roles/${role.id}`, { name: "Back" }), 404, "not-found");
      // The name is free again.
      await createRole(api, t, { name: "temp", kind: "tenant", permissions: [] });
    });

    it("refuses to delete a role someone holds (409 role-in-use) until the assignment is gone", async () => {
      const { api, org, t } = await setup();
      const folderRole = await createRole(api, t, {
        name: "Folder Custom",
        kind: "folder",
        permissions: ["jobs.view"],
      });
      const tenantRole = await createRole(api, t, {
        name: "Tenant Custom",
        kind: "tenant",
        permissions: ["audit.view"],
      });
      const f = await createFolder(api, t, "F");
      const user = await createUser(api, org.slug);
      await assign(api, t, f.id, user.id, [folderRole.id]);
      await assignTenant(api, t, user.id, [tenantRole.id]);
      for (const role of [folderRole, tenantRole]) {
        const problem = expectProblem(await api.delete(`${t}/roles/${role.id}`), 409, "role-in-use");
        expect(problem.detail).toBe("The role is still assigned to users; remove those assignments first.");
      }
      await assign(api, t, f.id, user.id, []);
      await assignTenant(api, t, user.id, []);
      expect((await api.delete(`${t}/roles/${folderRole.id}`)).status).toBe(204);
      expect((await api.delete(`${t}/roles/${tenantRole.id}`)).status).toBe(204);
    });

    it("drops a folder's assignments with the folder, so its roles can be deleted", async () => {
      const { api, org, t } = await setup();
      const role = await createRole(api, t, { name: "Holder", kind: "folder", permissions: ["jobs.view"] });
      const f = await createFolder(api, t, "Gone");
      const user = await createUser(api, org.slug);
      await assign(api, t, f.id, user.id, [role.id]);
      expectProblem(await api.delete(`${t}/roles/${role.id}`), 409, "role-in-use");
      expect((await api.delete(`${t}/folders/${f.id}`)).status).toBe(204);
      expect((await api.delete(`${t}/roles/${role.id}`)).status).toBe(204);
      expect((await user.api.get(`${t}/permissions`)).body).toEqual({ everything: false, tenant: [], folders: [] });
    });

    it("applies a custom role's changed permissions to its holders at once", async () => {
      const { api, org, t } = await setup();
      const role = await createRole(api, t, { name: "Browser", kind: "folder", permissions: ["subfolders.view"] });
      const f = await createFolder(api, t, "F");
      const user = await createUser(api, org.slug);
      await assign(api, t, f.id, user.id, [role.id]);
      expect((await user.api.get(`${t}/folders`)).body.items.map((x: { id: number }) => x.id)).toEqual([f.id]);
      expectProblem(await user.api.post(`${t}/folders`, { name: "Sub", parentId: f.id }), 403, "forbidden");
      expect(
        (await api.patch(`${t}/roles/${role.id}`, { permissions: ["subfolders.create", "subfolders.view"] })).status,
      ).toBe(200);
      expect((await user.api.post(`${t}/folders`, { name: "Sub", parentId: f.id })).status).toBe(201);
      expect((await user.api.get(`${t}/permissions`)).body.folders).toContainEqual({
        folderId: f.id,
        permissions: ["subfolders.create", "subfolders.view"],
      });
    });

    it("lets only holders of roles.* manage roles", async () => {
      const { api, org, t } = await setup();
      const user = await createUser(api, org.slug);
      const role = await createRole(api, t, { name: "Target", kind: "folder", permissions: [] });
      expectProblem(
        await user.api.post(`${t}/roles`, { name: "Mine", kind: "folder", permissions: [] }),
        403,
        "forbidden",
      );
      expectProblem(await user.api.patch(`${t}/roles/${role.id}`, { name: "Mine" }), 403, "forbidden");
      expectProblem(await user.api.delete(`${t}/roles/${role.id}`), 403, "forbidden");
      const creator = await createRole(api, t, { name: "Role Creator", kind: "tenant", permissions: ["roles.create"] });
      await assignTenant(api, t, user.id, [creator.id]);
      expect((await user.api.post(`${t}/roles`, { name: "Mine", kind: "folder", permissions: [] })).status).toBe(201);
      const denied = expectProblem(await user.api.delete(`${t}/roles/${role.id}`), 403, "forbidden");
      expect(denied.detail).toBe("You need the roles.delete permission in this tenant.");
      expectProblem(await user.api.patch(`${t}/roles/${role.id}`, { name: "Mine 2" }), 403, "forbidden");
      expect((await listRoles(api, t)).find((r) => r.id === role.id)?.name).toBe("Target");
    });

    it("answers 404 for role ids of another tenant and refuses another organization's users", async () => {
      const { api, org, t } = await setup();
      const role = await createRole(api, t, { name: "Mine", kind: "folder", permissions: [] });
      const created = await api.post(`/orgs/${org.slug}/tenants`, { name: unique("Y") });
      const y = `/orgs/${org.slug}/tenants/${created.body.id}`;
      expectProblem(await api.patch(`${y}/roles/${role.id}`, { name: "Hijacked" }), 404, "not-found");
      expectProblem(await api.delete(`${y}/roles/${role.id}`), 404, "not-found");
      const other = await createOrg(host);
      for (const [method, path, body] of [
        ["GET", `${t}/roles`],
        ["POST", `${t}/roles`, { name: "Spy", kind: "folder", permissions: [] }],
        ["PATCH", `${t}/roles/${role.id}`, { name: "Hijacked" }],
        ["DELETE", `${t}/roles/${role.id}`],
        ["PUT", `${t}/role-assignments/${org.admin.id}`, { roleIds: [] }],
      ] as [string, string, unknown?][]) {
        expectProblem(await other.admin.api.request(method, path, body), 404, "not-found");
      }
      expect((await listRoles(api, t)).find((r) => r.id === role.id)?.name).toBe("Mine");
    });

    it.each([
      ["PATCH", "/roles/abc", "id"],
      ["DELETE", "/roles/0", "id"],
      ["PUT", "/role-assignments/abc", "userId"],
      ["PUT", "/role-assignments/-1", "userId"],
    ])("rejects a non-numeric or non-positive id: %s %s", async (method, path, field) => {
      const { api, t } = await setup();
      const body = method === "PATCH" ? { name: "X" } : method === "PUT" ? { roleIds: [] } : undefined;
      const problem = expectProblem(await api.request(method, `${t}${path}`, body), 400, "validation-failed");
      expect(problem.errors?.map((e) => e.path)).toEqual([field]);
    });
  });

  describe("assignments", () => {
    /** Folders A / A1 / A2 and B, and one plain org user. */
    async function tree() {
      const s = await setup();
      const a = await createFolder(s.api, s.t, "A");
      const a1 = await createFolder(s.api, s.t, "A1", a.id);
      const a2 = await createFolder(s.api, s.t, "A2", a1.id);
      const b = await createFolder(s.api, s.t, "B");
      const user = await createUser(s.api, s.org.slug);
      return { ...s, a, a1, a2, b, user };
    }

    it("shows a folder role as assigned in its folder and inherited in every subfolder, not in siblings", async () => {
      const { api, t, a, a1, a2, b, user } = await tree();
      const automationUser = await roleId(api, t, "Automation User");
      await assign(api, t, a.id, user.id, [automationUser]);
      const role = { id: automationUser, name: "Automation User" };
      expect(await folderAssignments(api, t, a.id)).toEqual([
        { user: userRef(user), role, origin: "assigned", fromFolderId: a.id },
      ]);
      for (const f of [a1, a2]) {
        expect(await folderAssignments(api, t, f.id)).toEqual([
          { user: userRef(user), role, origin: "inherited", fromFolderId: a.id },
        ]);
      }
      expect(await folderAssignments(api, t, b.id)).toEqual([]);

      // A second role in the subfolder itself shows next to the inherited one.
      const viewer = await roleId(api, t, "Viewer");
      await assign(api, t, a1.id, user.id, [viewer]);
      expect(await folderAssignments(api, t, a1.id)).toEqual([
        { user: userRef(user), role: { id: viewer, name: "Viewer" }, origin: "assigned", fromFolderId: a1.id },
        { user: userRef(user), role, origin: "inherited", fromFolderId: a.id },
      ]);
      // Both inherited (from different ancestors): the order between them is not specified.
      const inA2 = (await folderAssignments(api, t, a2.id)).sort((x, y) => x.role.name.localeCompare(y.role.name));
      expect(inA2).toEqual([
        { user: userRef(user), role, origin: "inherited", fromFolderId: a.id },
        { user: userRef(user), role: { id: viewer, name: "Viewer" }, origin: "inherited", fromFolderId: a1.id },
      ]);
    });

    it("lists several users sorted by e-mail", async () => {
      const { api, org, t, a, user } = await tree();
      const second = await createUser(api, org.slug);
      const viewer = await roleId(api, t, "Viewer");
      await assign(api, t, a.id, second.id, [viewer]);
      await assign(api, t, a.id, user.id, [viewer]);
      const emails = (await folderAssignments(api, t, a.id)).map((x) => x.user.email);
      expect(emails).toEqual([user.email, second.email].sort((x, y) => x.localeCompare(y)));
    });

    it("replaces a user's roles in a folder; an empty list removes them; duplicates count once", async () => {
      const { api, t, a, user } = await tree();
      const [viewer, developer] = [await roleId(api, t, "Viewer"), await roleId(api, t, "Automation Developer")];
      await assign(api, t, a.id, user.id, [viewer, developer, viewer]);
      expect((await folderAssignments(api, t, a.id)).map((x) => x.role.name).sort()).toEqual([
        "Automation Developer",
        "Viewer",
      ]);
      await assign(api, t, a.id, user.id, [developer]);
      expect((await folderAssignments(api, t, a.id)).map((x) => x.role.name)).toEqual(["Automation Developer"]);
      await assign(api, t, a.id, user.id, []);
      expect(await folderAssignments(api, t, a.id)).toEqual([]);
    });

    it("refuses a tenant role in a folder and a folder role tenant-wide (400), changing nothing", async () => {
      const { api, t, a, user } = await tree();
      const viewer = await roleId(api, t, "Viewer");
      const tenantAdmin = await roleId(api, t, "Tenant Administrator");
      await assign(api, t, a.id, user.id, [viewer]);

      const inFolder = expectProblem(
        await api.put(`${t}/folders/${a.id}/assignments/${user.id}`, { roleIds: [viewer, tenantAdmin] }),
        400,
        "validation-failed",
      );
      expect(inFolder.errors).toEqual([
        { path: "roleIds.1", message: "is a tenant role; folder roles are assigned here" },
      ]);
      const tenantWide = expectProblem(
        await api.put(`${t}/role-assignments/${user.id}`, { roleIds: [tenantAdmin, viewer] }),
        400,
        "validation-failed",
      );
      expect(tenantWide.errors).toEqual([
        { path: "roleIds.1", message: "is a folder role; tenant roles are assigned here" },
      ]);
      const unknown = expectProblem(
        await api.put(`${t}/folders/${a.id}/assignments/${user.id}`, { roleIds: [999_999_999] }),
        400,
        "validation-failed",
      );
      expect(unknown.errors).toEqual([{ path: "roleIds.0", message: "is not a role of this tenant" }]);

      expect((await folderAssignments(api, t, a.id)).map((x) => x.role.name)).toEqual(["Viewer"]);
      expect((await api.get(`${t}/role-assignments`)).body.items).toEqual([]);
    });

    it("answers 404 for a user of another organization or one that does not exist", async () => {
      const { api, t, a } = await tree();
      const other = await createOrg(host);
      const viewer = await roleId(api, t, "Viewer");
      const tenantViewer = await roleId(api, t, "Tenant Viewer");
      for (const userId of [other.admin.id, 999_999_999]) {
        const inFolder = expectProblem(
          await api.put(`${t}/folders/${a.id}/assignments/${userId}`, { roleIds: [viewer] }),
          404,
          "not-found",
        );
        expect(inFolder.detail).toBe("The user was not found.");
        expectProblem(await api.put(`${t}/role-assignments/${userId}`, { roleIds: [tenantViewer] }), 404, "not-found");
      }
      expect(await folderAssignments(api, t, a.id)).toEqual([]);
      expect((await api.get(`${t}/role-assignments`)).body.items).toEqual([]);
      // The other organization's admin still sees nothing of this tenant.
      expectProblem(await other.admin.api.get(`${t}/folders`), 404, "not-found");
    });

    it("lists tenant role holders and gives them the role's tenant permissions", async () => {
      const { api, org, t, user } = await tree();
      const tenantViewer = await roleId(api, t, "Tenant Viewer");
      await assignTenant(api, t, user.id, [tenantViewer]);
      const res = await api.get(`${t}/role-assignments`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.items).toEqual([{ user: userRef(user), role: { id: tenantViewer, name: "Tenant Viewer" } }]);
      // Tenant Viewer includes users.view, so the holder may read the list too, but not change it.
      expect((await user.api.get(`${t}/role-assignments`)).body).toEqual(res.body);
      expectProblem(await user.api.put(`${t}/role-assignments/${user.id}`, { roleIds: [] }), 403, "forbidden");
      expect((await user.api.get(`${t}/permissions`)).body).toEqual({
        everything: false,
        tenant: viewOf(tenantAreas),
        folders: [],
      });
      const plain = await createUser(api, org.slug);
      expectProblem(await plain.api.get(`${t}/role-assignments`), 403, "forbidden");
    });

    it("lets folder viewers read a folder's assignments, and hides other folders' (404)", async () => {
      const { api, t, a, a1, b, user } = await tree();
      await assign(api, t, a1.id, user.id, [await roleId(api, t, "Viewer")]);
      expect((await folderAssignments(user.api, t, a1.id)).map((x) => x.origin)).toEqual(["assigned"]);
      expectProblem(await user.api.get(`${t}/folders/${a.id}/assignments`), 404, "not-found");
      expectProblem(await user.api.get(`${t}/folders/${b.id}/assignments`), 404, "not-found");
      expectProblem(await api.get(`${t}/folders/999999999/assignments`), 404, "not-found");
    });

    it("validates assignment bodies, naming the fields", async () => {
      const { api, t, a, user } = await tree();
      const cases: [unknown, string[]][] = [
        [{}, ["roleIds"]],
        [{ roleIds: "1" }, ["roleIds"]],
        [{ roleIds: ["x"] }, ["roleIds.0"]],
        [{ roleIds: [1, 0] }, ["roleIds.1"]],
        [{ roleIds: [1.5] }, ["roleIds.0"]],
        [{ roleIds: Array.from({ length: 51 }, (_, i) => i + 1) }, ["roleIds"]],
        [{ roleIds: [], folderId: 1 }, ["folderId"]],
      ];
      for (const [body, fields] of cases) {
        for (const path of [`${t}/folders/${a.id}/assignments/${user.id}`, `${t}/role-assignments/${user.id}`]) {
          const problem = expectProblem(await api.put(path, body), 400, "validation-failed");
          expect(
            problem.errors?.map((e) => e.path),
            `${path} ${JSON.stringify(body)}`,
          ).toEqual(fields);
        }
      }
    });
  });

  describe("audit", () => {
    interface AuditRow {
      actor: { kind: string; id: number | null };
      component: string;
      action: string;
      target: { type: string; id: string; name: string | null } | null;
      before: unknown;
      after: unknown;
    }
    async function roleAudit(api: Api, org: TestOrg): Promise<AuditRow[]> {
      const res = await api.get(`/orgs/${org.slug}/audit-logs?component=Roles`);
      expect(res.status, res.text).toBe(200);
      return res.body.items as AuditRow[];
    }

    it("writes an org audit row for every role change and assignment by an org admin, none for refused ones", async () => {
      const { api, org, t } = await setup();
      const role = await createRole(api, t, { name: "Ops", kind: "folder", permissions: ["jobs.view"] });
      expect((await api.patch(`${t}/roles/${role.id}`, { permissions: ["jobs.create", "jobs.view"] })).status).toBe(
        200,
      );
      const f = await createFolder(api, t, "F");
      const user = await createUser(api, org.slug);
      await assign(api, t, f.id, user.id, [role.id]);
      const tenantViewer = await roleId(api, t, "Tenant Viewer");
      await assignTenant(api, t, user.id, [tenantViewer]);
      // Refused changes leave no trace.
      expectProblem(await api.delete(`${t}/roles/${role.id}`), 409, "role-in-use");
      expectProblem(await api.patch(`${t}/roles/${tenantViewer}`, { name: "X" }), 403, "forbidden");
      expectProblem(
        await api.put(`${t}/role-assignments/${user.id}`, { roleIds: [role.id] }),
        400,
        "validation-failed",
      );
      await assign(api, t, f.id, user.id, []);
      expect((await api.delete(`${t}/roles/${role.id}`)).status).toBe(204);

      const rows = await roleAudit(api, org);
      expect(rows.map((r) => [r.component, r.action, r.target?.type, r.target?.id, r.target?.name])).toEqual([
        ["Roles", "Delete", "role", String(role.id), "Ops"],
        ["Roles", "Unassign", "user", String(user.id), user.email],
        ["Roles", "Assign", "user", String(user.id), user.email],
        ["Roles", "Assign", "user", String(user.id), user.email],
        ["Roles", "Update", "role", String(role.id), "Ops"],
        ["Roles", "Create", "role", String(role.id), "Ops"],
      ]);
      for (const r of rows) expect(r.actor).toMatchObject({ kind: "user", id: org.admin.id });
      expect(rows[1]).toMatchObject({
        before: { folderId: f.id, roles: ["Ops"] },
        after: { folderId: f.id, roles: [] },
      });
      expect(rows[2]).toMatchObject({
        before: { folderId: null, roles: [] },
        after: { folderId: null, roles: ["Tenant Viewer"] },
      });
      expect(rows[3]).toMatchObject({
        before: { folderId: f.id, roles: [] },
        after: { folderId: f.id, roles: ["Ops"] },
      });
      expect(rows[4]).toMatchObject({
        before: { permissions: ["jobs.view"] },
        after: { permissions: ["jobs.create", "jobs.view"] },
      });
      expect(rows[5]?.after).toMatchObject({ name: "Ops", kind: "folder", predefined: false });
    });
  });
});
