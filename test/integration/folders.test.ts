import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

interface Folder {
  id: number;
  key: string;
  name: string;
  description: string | null;
  parentId: number | null;
  path: string;
  depth: number;
  createdAt: string;
  updatedAt: string;
}

/** The tenant base path `T` of an organization's Default tenant. */
const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

async function createFolder(api: Api, t: string, name: string, parentId?: number | null): Promise<Folder> {
  const res = await api.post(`${t}/folders`, { name, ...(parentId !== undefined && { parentId }) });
  expect(res.status, res.text).toBe(201);
  return res.body as Folder;
}

async function listFolders(api: Api, t: string): Promise<Folder[]> {
  const res = await api.get(`${t}/folders`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as Folder[];
}

async function paths(api: Api, t: string): Promise<string[]> {
  return (await listFolders(api, t)).map((f) => f.path);
}

async function roleId(api: Api, t: string, name: string): Promise<number> {
  const res = await api.get(`${t}/roles`);
  expect(res.status, res.text).toBe(200);
  const role = (res.body.items as { id: number; name: string }[]).find((r) => r.name === name);
  expect(role, name).toBeDefined();
  return (role as { id: number }).id;
}

async function assign(api: Api, t: string, folderId: number, userId: number, roleIds: number[]) {
  const res = await api.put(`${t}/folders/${folderId}/assignments/${userId}`, { roleIds });
  expect(res.status, res.text).toBe(204);
}

async function assignTenant(api: Api, t: string, userId: number, roleIds: number[]) {
  const res = await api.put(`${t}/role-assignments/${userId}`, { roleIds });
  expect(res.status, res.text).toBe(204);
}

/** A chain of nested folders, top-level first. */
async function chain(api: Api, t: string, prefix: string, length: number): Promise<Folder[]> {
  const out: Folder[] = [];
  for (let i = 1; i <= length; i += 1) out.push(await createFolder(api, t, `${prefix}${i}`, out.at(-1)?.id));
  return out;
}

describe.each(testDatabases())("folders on %s", (database) => {
  let server: TestServer;
  let host: Api;
  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => server?.stop());

  /** A fresh organization; `api` is its org administrator, `t` its Default tenant. */
  async function setup() {
    const org = await createOrg(host);
    return { org, api: org.admin.api, t: tenantPath(org) };
  }

  describe("creating", () => {
    it("creates a top-level folder in the fixed contract shape, readable by id and in the list", async () => {
      const { api, t } = await setup();
      const res = await api.post(`${t}/folders`, { name: "  Finance  " });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        key: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        name: "Finance",
        description: null,
        parentId: null,
        path: "Finance",
        depth: 1,
        createdAt: isoTime,
        updatedAt: isoTime,
      });
      expect(await listFolders(api, t)).toEqual([res.body]);
      const one = await api.get(`${t}/folders/${res.body.id}`);
      expect(one.status, one.text).toBe(200);
      expect(one.body).toEqual(res.body);
    });

    it("creates nested folders with parentId, path and depth; the list puts parents before children", async () => {
      const { api, t } = await setup();
      const finance = await createFolder(api, t, "Finance");
      const res = await api.post(`${t}/folders`, {
        name: "Invoices",
        parentId: finance.id,
        description: "  Incoming invoices ",
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        key: expect.any(String),
        name: "Invoices",
        description: "Incoming invoices",
        parentId: finance.id,
        path: "Finance / Invoices",
        depth: 2,
        createdAt: isoTime,
        updatedAt: isoTime,
      });
      const archive = await createFolder(api, t, "2024", res.body.id);
      expect(archive).toMatchObject({ parentId: res.body.id, path: "Finance / Invoices / 2024", depth: 3 });
      // A top-level folder created later but sorting first by name, and an explicit null parent.
      const admin = await createFolder(api, t, "Admin", null);
      expect(admin).toMatchObject({ parentId: null, depth: 1, path: "Admin" });
      expect(await paths(api, t)).toEqual(["Admin", "Finance", "Finance / Invoices", "Finance / Invoices / 2024"]);
    });

    it("allows 7 levels and refuses an 8th, naming parentId, without creating anything", async () => {
      const { api, t } = await setup();
      const levels = await chain(api, t, "L", 7);
      expect(levels.map((f) => f.depth)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(levels[6]?.path).toBe("L1 / L2 / L3 / L4 / L5 / L6 / L7");
      const problem = expectProblem(
        await api.post(`${t}/folders`, { name: "L8", parentId: levels[6]?.id }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual([{ path: "parentId", message: "folders can be nested at most 7 levels deep" }]);
      expect(await listFolders(api, t)).toHaveLength(7);
      // The 7th level can still get siblings.
      expect((await createFolder(api, t, "L7b", levels[5]?.id)).depth).toBe(7);
    });

    it("keeps sibling names unique regardless of case, naming the name field", async () => {
      const { api, t } = await setup();
      const finance = await createFolder(api, t, "Finance");
      await createFolder(api, t, "Invoices", finance.id);
      for (const [name, parentId] of [
        ["FINANCE", undefined],
        [" finance ", null],
        ["invoices", finance.id],
        ["INVOICES", finance.id],
      ] as const) {
        const problem = expectProblem(
          await api.post(`${t}/folders`, { name, ...(parentId !== undefined && { parentId }) }),
          409,
          "already-exists",
        );
        expect(problem.errors).toEqual([{ path: "name", message: "is already taken by a sibling folder" }]);
        expect(problem.detail).toBe(`A folder named "${name.trim()}" already exists here.`);
      }
      expect(await paths(api, t)).toEqual(["Finance", "Finance / Invoices"]);
    });

    it("compares names case-insensitively beyond ASCII too, on every storage", async () => {
      const { api, t } = await setup();
      const top = await createFolder(api, t, "Ärger");
      await createFolder(api, t, "Übersicht", top.id);
      const problem = expectProblem(await api.post(`${t}/folders`, { name: "ärger" }), 409, "already-exists");
      expect(problem.errors).toEqual([{ path: "name", message: "is already taken by a sibling folder" }]);
      expectProblem(await api.post(`${t}/folders`, { name: "ÜBERSICHT", parentId: top.id }), 409, "already-exists");
      const other = await createFolder(api, t, "Other");
      expectProblem(await api.patch(`${t}/folders/${other.id}`, { name: "ÄRGER" }), 409, "already-exists");
      expect(await paths(api, t)).toEqual(["Other", "Ärger", "Ärger / Übersicht"]);
    });

    it("allows the same name under different parents and at a different level", async () => {
      const { api, t } = await setup();
      const a = await createFolder(api, t, "A");
      const b = await createFolder(api, t, "B");
      await createFolder(api, t, "Reports", a.id);
      await createFolder(api, t, "reports", b.id);
      await createFolder(api, t, "REPORTS");
      expect(await paths(api, t)).toEqual(["A", "A / Reports", "B", "B / reports", "REPORTS"]);
    });

    it("answers 404 for a parent that does not exist", async () => {
      const { api, t } = await setup();
      const problem = expectProblem(
        await api.post(`${t}/folders`, { name: "Orphan", parentId: 999_999_999 }),
        404,
        "not-found",
      );
      expect(problem.detail).toContain("parent folder");
      expect(await listFolders(api, t)).toEqual([]);
    });
  });

  describe("updating", () => {
    it("renames a folder; its subfolders' paths follow", async () => {
      const { api, t } = await setup();
      const finance = await createFolder(api, t, "Finance");
      const invoices = await createFolder(api, t, "Invoices", finance.id);
      const res = await api.patch(`${t}/folders/${finance.id}`, { name: " Accounting " });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ ...finance, name: "Accounting", path: "Accounting", updatedAt: isoTime });
      expect((await api.get(`${t}/folders/${invoices.id}`)).body).toMatchObject({
        path: "Accounting / Invoices",
        depth: 2,
      });
    });

    it("sets and clears the description", async () => {
      const { api, t } = await setup();
      const f = await createFolder(api, t, "Docs");
      const set = await api.patch(`${t}/folders/${f.id}`, { description: "All documents" });
      expect(set.status, set.text).toBe(200);
      expect(set.body).toMatchObject({ name: "Docs", description: "All documents" });
      const cleared = await api.patch(`${t}/folders/${f.id}`, { description: null });
      expect(cleared.status, cleared.text).toBe(200);
      expect(cleared.body.description).toBeNull();
      const blank = await api.patch(`${t}/folders/${f.id}`, { description: "   " });
      expect(blank.body.description).toBeNull();
    });

    it("changes the case of a name, but refuses a sibling's name in any case", async () => {
      const { api, t } = await setup();
      const finance = await createFolder(api, t, "finance");
      const hr = await createFolder(api, t, "HR");
      const recased = await api.patch(`${t}/folders/${finance.id}`, { name: "Finance" });
      expect(recased.status, recased.text).toBe(200);
      expect(recased.body.name).toBe("Finance");
      const problem = expectProblem(
        await api.patch(`${t}/folders/${hr.id}`, { name: "FINANCE" }),
        409,
        "already-exists",
      );
      expect(problem.errors).toEqual([{ path: "name", message: "is already taken by a sibling folder" }]);
      expect(await paths(api, t)).toEqual(["Finance", "HR"]);
    });

    it("moves a folder with its subtree under another parent and back to the top level", async () => {
      const { api, t } = await setup();
      const a = await createFolder(api, t, "A");
      const b = await createFolder(api, t, "B");
      const b1 = await createFolder(api, t, "B1", b.id);
      const moved = await api.patch(`${t}/folders/${b.id}`, { parentId: a.id });
      expect(moved.status, moved.text).toBe(200);
      expect(moved.body).toEqual({ ...b, parentId: a.id, path: "A / B", depth: 2, updatedAt: isoTime });
      expect((await api.get(`${t}/folders/${b1.id}`)).body).toMatchObject({ path: "A / B / B1", depth: 3 });
      expect(await paths(api, t)).toEqual(["A", "A / B", "A / B / B1"]);

      const top = await api.patch(`${t}/folders/${b1.id}`, { parentId: null });
      expect(top.status, top.text).toBe(200);
      expect(top.body).toMatchObject({ id: b1.id, parentId: null, path: "B1", depth: 1 });
      expect(await paths(api, t)).toEqual(["A", "A / B", "B1"]);
    });

    it("moves and renames in one request", async () => {
      const { api, t } = await setup();
      const a = await createFolder(api, t, "A");
      const x = await createFolder(api, t, "X");
      const res = await api.patch(`${t}/folders/${x.id}`, { name: "Y", parentId: a.id });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ name: "Y", parentId: a.id, path: "A / Y", depth: 2 });
    });

    it("refuses to move a folder into itself or one of its descendants (409), changing nothing", async () => {
      const { api, t } = await setup();
      const [a, a2, a3] = await chain(api, t, "A", 3);
      for (const target of [a, a2, a3]) {
        const problem = expectProblem(
          await api.patch(`${t}/folders/${a?.id}`, { parentId: target?.id }),
          409,
          "conflict",
        );
        expect(problem.errors).toEqual([{ path: "parentId", message: "is this folder or one of its subfolders" }]);
      }
      expect(await paths(api, t)).toEqual(["A1", "A1 / A2", "A1 / A2 / A3"]);
    });

    it("refuses a move that would make the tree deeper than 7 levels, naming parentId", async () => {
      const { api, t } = await setup();
      const a = await chain(api, t, "A", 4); // depths 1–4
      const b = await chain(api, t, "B", 4); // a subtree 4 levels high
      const problem = expectProblem(
        await api.patch(`${t}/folders/${b[0]?.id}`, { parentId: a[3]?.id }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual([{ path: "parentId", message: "folders can be nested at most 7 levels deep" }]);
      expect((await api.get(`${t}/folders/${b[0]?.id}`)).body).toMatchObject({ parentId: null, depth: 1 });
      // One level higher fits exactly: B4 ends on level 7.
      const ok = await api.patch(`${t}/folders/${b[0]?.id}`, { parentId: a[2]?.id });
      expect(ok.status, ok.text).toBe(200);
      expect((await api.get(`${t}/folders/${b[3]?.id}`)).body).toMatchObject({
        depth: 7,
        path: "A1 / A2 / A3 / B1 / B2 / B3 / B4",
      });
    });

    it("refuses a move next to a sibling of the same name (409) and to a parent that does not exist (404)", async () => {
      const { api, t } = await setup();
      const a = await createFolder(api, t, "A");
      await createFolder(api, t, "Reports", a.id);
      const reports = await createFolder(api, t, "reports");
      const problem = expectProblem(
        await api.patch(`${t}/folders/${reports.id}`, { parentId: a.id }),
        409,
        "already-exists",
      );
      expect(problem.errors).toEqual([{ path: "name", message: "is already taken by a sibling folder" }]);
      expect(problem.detail).toBe('A folder named "reports" already exists here.');
      expectProblem(await api.patch(`${t}/folders/${reports.id}`, { parentId: 999_999_999 }), 404, "not-found");
      expect(await paths(api, t)).toEqual(["A", "A / Reports", "reports"]);
    });

    it("addresses a folder by id, key or path in every {folder} parameter, as the tenant by id or name", async () => {
      const { api, t, org } = await setup();
      const finance = await createFolder(api, t, unique("Finance"));
      const invoices = await createFolder(api, t, "Invoices", finance.id);
      const digits = await createFolder(api, t, `${Date.now() % 100000}`);
      const byName = `/orgs/${org.slug}/tenants/Default`;
      const refs = [
        String(invoices.id),
        invoices.key,
        invoices.key.toUpperCase(),
        encodeURIComponent(`${finance.name}/Invoices`),
        encodeURIComponent(`${finance.name} / invoices`),
        encodeURIComponent(`/${finance.name}/Invoices`),
      ];
      for (const base of [t, byName]) {
        for (const ref of refs) {
          const one = await api.get(`${base}/folders/${ref}`);
          expect(one.status, `${ref}: ${one.text}`).toBe(200);
          expect(one.body.id).toBe(invoices.id);
        }
      }
      // The same resolver serves the folder's sub-resources.
      const path = encodeURIComponent(`${finance.name}/Invoices`);
      for (const sub of ["processes", "queues", "assets", "buckets", "triggers", "assignments"]) {
        const res = await api.get(`${t}/folders/${path}/${sub}`);
        expect(res.status, `${sub}: ${res.text}`).toBe(200);
      }
      const created = await api.post(`${t}/folders/${path}/queues`, { name: unique("q") });
      expect(created.status, created.text).toBe(201);
      expect(created.body.folderId).toBe(invoices.id);
      // A name of digits is a path with a leading slash (without, it is an id).
      const top = await api.get(`${t}/folders/${encodeURIComponent(`/${digits.name}`)}`);
      expect(top.body.id).toBe(digits.id);
      // Unknown keys and paths are 404; an id beyond the integer range is 400, never a database error.
      expectProblem(await api.get(`${t}/folders/${crypto.randomUUID()}`), 404, "not-found");
      expectProblem(await api.get(`${t}/folders/${encodeURIComponent(`${finance.name}/Nope`)}`), 404, "not-found");
      expectProblem(await api.get(`${t}/folders/${encodeURIComponent(`${finance.name}//Invoices`)}`), 404, "not-found");
      const tooBig = expectProblem(await api.get(`${t}/folders/2147483648`), 400, "validation-failed");
      expect(tooBig.errors).toEqual([{ path: "folder", message: "is not a valid id" }]);
    });

    it("answers 404 for a folder that does not exist", async () => {
      const { api, t } = await setup();
      expectProblem(await api.get(`${t}/folders/999999999`), 404, "not-found");
      expectProblem(await api.patch(`${t}/folders/999999999`, { name: "X" }), 404, "not-found");
      expectProblem(await api.delete(`${t}/folders/999999999`), 404, "not-found");
    });
  });

  describe("deleting", () => {
    it("deletes only an empty folder (409 folder-not-empty otherwise)", async () => {
      const { api, t } = await setup();
      const a = await createFolder(api, t, "A");
      const a1 = await createFolder(api, t, "A1", a.id);
      const problem = expectProblem(await api.delete(`${t}/folders/${a.id}`), 409, "folder-not-empty");
      expect(problem.detail).toBe("Only an empty folder can be deleted: delete or move its subfolders first.");
      expect(await paths(api, t)).toEqual(["A", "A / A1"]);

      const child = await api.delete(`${t}/folders/${a1.id}`);
      expect(child.status, child.text).toBe(204);
      expect(child.text).toBe("");
      expect((await api.delete(`${t}/folders/${a.id}`)).status).toBe(204);
      expect(await listFolders(api, t)).toEqual([]);
      expectProblem(await api.get(`${t}/folders/${a.id}`), 404, "not-found");
      expectProblem(await api.delete(`${t}/folders/${a.id}`), 404, "not-found");
    });

    it("frees the name for a new folder", async () => {
      const { api, t } = await setup();
      const a = await createFolder(api, t, "Temp");
      expect((await api.delete(`${t}/folders/${a.id}`)).status).toBe(204);
      expect((await createFolder(api, t, "TEMP")).name).toBe("TEMP");
    });
  });

  describe("validation", () => {
    it("rejects unknown fields on create and update, naming each, and creates nothing", async () => {
      const { api, t } = await setup();
      const created = expectProblem(
        await api.post(`${t}/folders`, { name: "X", tenantId: 1, colour: "red" }),
        400,
        "validation-failed",
      );
      expect(created.errors).toEqual([
        { path: "tenantId", message: "is not a known field" },
        { path: "colour", message: "is not a known field" },
      ]);
      const f = await createFolder(api, t, "Y");
      const updated = expectProblem(
        await api.patch(`${t}/folders/${f.id}`, { name: "Z", path: "Z" }),
        400,
        "validation-failed",
      );
      expect(updated.errors).toEqual([{ path: "path", message: "is not a known field" }]);
      expect(await paths(api, t)).toEqual(["Y"]);
    });

    it.each([
      ["a slash", "Finance/Invoices", "must not contain / or \\"],
      ["a backslash", "Finance\\Invoices", "must not contain / or \\"],
      ["only a slash", "/", "must not contain / or \\"],
      ["116 characters", "x".repeat(116), "must be at most 115 characters"],
      ["no characters", "", "must not be empty"],
      ["only spaces", "   ", "must not be empty"],
      ["a line break", "Fin\nance", "must not contain control characters"],
    ])("rejects a name with %s, naming the name field", async (_what, name, message) => {
      const { api, t } = await setup();
      const problem = expectProblem(await api.post(`${t}/folders`, { name }), 400, "validation-failed");
      expect(problem.errors).toEqual([{ path: "name", message }]);
      const f = await createFolder(api, t, "Keep");
      const renamed = expectProblem(await api.patch(`${t}/folders/${f.id}`, { name }), 400, "validation-failed");
      expect(renamed.errors).toEqual([{ path: "name", message }]);
      expect(await paths(api, t)).toEqual(["Keep"]);
    });

    it("accepts a name of exactly 115 characters", async () => {
      const { api, t } = await setup();
      const name = "n".repeat(115);
      expect((await createFolder(api, t, name)).name).toBe(name);
    });

    it("requires a name and checks types, naming the fields", async () => {
      const { api, t } = await setup();
      const missing = expectProblem(await api.post(`${t}/folders`, {}), 400, "validation-failed");
      expect(missing.errors).toEqual([{ path: "name", message: "is required" }]);
      const wrong = expectProblem(await api.post(`${t}/folders`, { name: 42 }), 400, "validation-failed");
      expect(wrong.errors?.map((e) => e.path)).toEqual(["name"]);
      const long = expectProblem(
        await api.post(`${t}/folders`, { name: "D", description: "d".repeat(501) }),
        400,
        "validation-failed",
      );
      expect(long.errors?.map((e) => e.path)).toEqual(["description"]);
      expect(await listFolders(api, t)).toEqual([]);
    });

    it.each([["abc"], [0], [-1], [1.5], [true]])("rejects parentId %j, naming parentId", async (parentId) => {
      const { api, t } = await setup();
      const problem = expectProblem(await api.post(`${t}/folders`, { name: "X", parentId }), 400, "validation-failed");
      expect(problem.errors?.map((e) => e.path)).toEqual(["parentId"]);
      const f = await createFolder(api, t, "Y");
      const moved = expectProblem(await api.patch(`${t}/folders/${f.id}`, { parentId }), 400, "validation-failed");
      expect(moved.errors?.map((e) => e.path)).toEqual(["parentId"]);
      expect(await paths(api, t)).toEqual(["Y"]);
    });

    it.each([
      ["GET", "/folders/abc"],
      ["PATCH", "/folders/abc"],
      ["DELETE", "/folders/1x"],
      ["GET", "/folders/-3"],
      ["GET", "/folders/1.5"],
      ["GET", "/folders/abc/assignments"],
      ["PUT", "/folders/abc/assignments/1"],
    ])("reads a folder reference that is no id as a path: 404 when no folder has it: %s %s", async (method, path) => {
      const { api, t } = await setup();
      const body = method === "PATCH" ? { name: "X" } : method === "PUT" ? { roleIds: [] } : undefined;
      expectProblem(await api.request(method, `${t}${path}`, body), 404, "not-found");
    });

    it.each([
      ["GET", "/folders/0"],
      ["GET", "/folders/2147483648"],
      ["PUT", "/folders/0/assignments/1"],
    ])("rejects a folder id out of range, naming the folder: %s %s", async (method, path) => {
      const { api, t } = await setup();
      const body = method === "PUT" ? { roleIds: [] } : undefined;
      const problem = expectProblem(await api.request(method, `${t}${path}`, body), 400, "validation-failed");
      expect(problem.errors?.map((e) => e.path)).toEqual(["folder"]);
    });

    it("rejects a body that is not JSON with a 4xx problem", async () => {
      const { api, t } = await setup();
      const res = await api.request("POST", `${t}/folders`, '{"name":', { "content-type": "application/json" });
      expectProblem(res, 400, "validation-failed");
      const text = await api.request("POST", `${t}/folders`, "name=X", { "content-type": "text/plain" });
      expect(text.status, text.text).toBe(415);
      expect(await listFolders(api, t)).toEqual([]);
    });
  });

  describe("authorization", () => {
    /** A tree A (A1 / A2), B (B1) made by the org admin, and a plain org user without roles. */
    async function tree() {
      const s = await setup();
      const a = await createFolder(s.api, s.t, "A");
      const a1 = await createFolder(s.api, s.t, "A1", a.id);
      const a2 = await createFolder(s.api, s.t, "A2", a1.id);
      const b = await createFolder(s.api, s.t, "B");
      const b1 = await createFolder(s.api, s.t, "B1", b.id);
      const user = await createUser(s.api, s.org.slug);
      return { ...s, a, a1, a2, b, b1, user };
    }

    it("shows a plain org user without roles no folders and answers 404 for folder ids", async () => {
      const { t, a, a1, user } = await tree();
      expect(await listFolders(user.api, t)).toEqual([]);
      expectProblem(await user.api.get(`${t}/folders/${a.id}`), 404, "not-found");
      expectProblem(await user.api.patch(`${t}/folders/${a.id}`, { name: "Mine" }), 404, "not-found");
      expectProblem(await user.api.delete(`${t}/folders/${a1.id}`), 404, "not-found");
      expectProblem(await user.api.post(`${t}/folders`, { name: "Sub", parentId: a.id }), 404, "not-found");
      expectProblem(await user.api.get(`${t}/folders/${a.id}/assignments`), 404, "not-found");
      expectProblem(await user.api.post(`${t}/folders`, { name: "Top" }), 403, "forbidden");
      const perms = await user.api.get(`${t}/permissions`);
      expect(perms.status, perms.text).toBe(200);
      expect(perms.body).toEqual({ everything: false, tenant: [], folders: [] });
    });

    it("gives an Automation User on A folder A and its subfolders, not sibling B, without managing them", async () => {
      const { api, t, a, a1, a2, b, b1, user } = await tree();
      await assign(api, t, a.id, user.id, [await roleId(api, t, "Automation User")]);

      expect(await paths(user.api, t)).toEqual(["A", "A / A1", "A / A1 / A2"]);
      expect((await user.api.get(`${t}/folders/${a2.id}`)).body).toMatchObject({ id: a2.id, path: "A / A1 / A2" });
      expectProblem(await user.api.get(`${t}/folders/${b.id}`), 404, "not-found");
      expectProblem(await user.api.get(`${t}/folders/${b1.id}`), 404, "not-found");

      for (const parent of [a, a1]) {
        const problem = expectProblem(
          await user.api.post(`${t}/folders`, { name: "Sub", parentId: parent.id }),
          403,
          "forbidden",
        );
        expect(problem.detail).toBe("You need the subfolders.create permission in this folder.");
      }
      expectProblem(await user.api.post(`${t}/folders`, { name: "Top" }), 403, "forbidden");
      expectProblem(await user.api.patch(`${t}/folders/${a1.id}`, { name: "Renamed" }), 403, "forbidden");
      expectProblem(await user.api.delete(`${t}/folders/${a2.id}`), 403, "forbidden");
      expectProblem(
        await user.api.put(`${t}/folders/${a1.id}/assignments/${user.id}`, { roleIds: [] }),
        403,
        "forbidden",
      );
      expect(await paths(api, t)).toEqual(["A", "A / A1", "A / A1 / A2", "B", "B / B1"]);

      const automationUser = [
        "assets.view",
        "buckets.view",
        "jobs.create",
        "jobs.edit",
        "jobs.view",
        "logs.view",
        "processes.view",
        "queues.create",
        "queues.edit",
        "queues.view",
        "subfolders.view",
        "triggers.view",
      ];
      const perms = await user.api.get(`${t}/permissions`);
      expect(perms.status, perms.text).toBe(200);
      expect(perms.body.everything).toBe(false);
      expect(perms.body.tenant).toEqual([]);
      expect([...perms.body.folders].sort((x, y) => x.folderId - y.folderId)).toEqual(
        [a, a1, a2].map((f) => ({ folderId: f.id, permissions: automationUser })),
      );
    });

    it("lets a Folder Administrator on A manage A's subtree and its assignments, but not top-level or other folders", async () => {
      const { api, org, t, a, a1, b, user } = await tree();
      await assign(api, t, a.id, user.id, [await roleId(api, t, "Folder Administrator")]);
      const fa = user.api;

      const sub = await fa.post(`${t}/folders`, { name: "New", parentId: a.id });
      expect(sub.status, sub.text).toBe(201);
      expect(sub.body).toMatchObject({ path: "A / New", depth: 2 });
      const deeper = await createFolder(fa, t, "Deeper", a1.id);
      expect((await fa.patch(`${t}/folders/${deeper.id}`, { name: "Deepest" })).status).toBe(200);
      expect((await fa.patch(`${t}/folders/${deeper.id}`, { parentId: sub.body.id })).status).toBe(200);
      expect((await fa.delete(`${t}/folders/${deeper.id}`)).status).toBe(204);

      const top = expectProblem(await fa.post(`${t}/folders`, { name: "Top" }), 403, "forbidden");
      expect(top.detail).toBe("You need the folders.create permission in this tenant.");
      expectProblem(await fa.patch(`${t}/folders/${sub.body.id}`, { parentId: null }), 403, "forbidden");
      expectProblem(await fa.post(`${t}/folders`, { name: "Sub", parentId: b.id }), 404, "not-found");
      expectProblem(await fa.patch(`${t}/folders/${sub.body.id}`, { parentId: b.id }), 404, "not-found");

      // Assigns roles in A's subtree; the assignee then sees that part of the tree.
      const colleague = await createUser(api, org.slug);
      await assign(fa, t, a1.id, colleague.id, [await roleId(fa, t, "Automation User")]);
      expect(await paths(colleague.api, t)).toEqual(["A / A1", "A / A1 / A2"]);
      expectProblem(
        await fa.put(`${t}/folders/${b.id}/assignments/${colleague.id}`, { roleIds: [] }),
        404,
        "not-found",
      );
      // Tenant roles, tenant-wide assignments and custom roles are beyond a folder administrator.
      expectProblem(await fa.put(`${t}/role-assignments/${colleague.id}`, { roleIds: [] }), 403, "forbidden");
      expectProblem(await fa.get(`${t}/role-assignments`), 403, "forbidden");
      expectProblem(await fa.post(`${t}/roles`, { name: "Mine", kind: "folder", permissions: [] }), 403, "forbidden");
      expect(await paths(api, t)).toEqual(["A", "A / A1", "A / A1 / A2", "A / New", "B", "B / B1"]);
    });

    it("lets a Tenant Administrator (a tenant role) do everything with folders", async () => {
      const { api, org, t, a, a1, b, user } = await tree();
      await assignTenant(api, t, user.id, [await roleId(api, t, "Tenant Administrator")]);
      const ta = user.api;
      expect(await paths(ta, t)).toEqual(["A", "A / A1", "A / A1 / A2", "B", "B / B1"]);
      const top = await createFolder(ta, t, "Top");
      const nested = await createFolder(ta, t, "Nested", b.id);
      expect((await ta.patch(`${t}/folders/${a1.id}`, { parentId: null, name: "Promoted" })).body).toMatchObject({
        path: "Promoted",
        depth: 1,
      });
      expect((await ta.patch(`${t}/folders/${nested.id}`, { parentId: a.id })).body.path).toBe("A / Nested");
      expect((await ta.delete(`${t}/folders/${top.id}`)).status).toBe(204);
      const colleague = await createUser(api, org.slug);
      await assign(ta, t, a.id, colleague.id, [await roleId(ta, t, "Viewer")]);
      expect(await paths(colleague.api, t)).toEqual(["A", "A / Nested"]);
      const perms = await ta.get(`${t}/permissions`);
      expect(perms.body.everything).toBe(false);
      expect(perms.body.tenant).toHaveLength(36);
      expect(perms.body.tenant).toEqual(
        expect.arrayContaining(["webhooks.view", "webhooks.create", "webhooks.edit", "webhooks.delete"]),
      );
      expect(perms.body.tenant).toContain("folders.delete");
    });

    it("lets a Tenant Viewer see every folder but change none", async () => {
      const { api, t, a, b1, user } = await tree();
      await assignTenant(api, t, user.id, [await roleId(api, t, "Tenant Viewer")]);
      expect(await paths(user.api, t)).toEqual(["A", "A / A1", "A / A1 / A2", "B", "B / B1"]);
      expect((await user.api.get(`${t}/folders/${b1.id}`)).status).toBe(200);
      expectProblem(await user.api.post(`${t}/folders`, { name: "Top" }), 403, "forbidden");
      expectProblem(await user.api.post(`${t}/folders`, { name: "Sub", parentId: a.id }), 403, "forbidden");
      expectProblem(await user.api.patch(`${t}/folders/${a.id}`, { name: "X" }), 403, "forbidden");
      expectProblem(await user.api.delete(`${t}/folders/${b1.id}`), 403, "forbidden");
    });

    it("lets another org administrator of the organization do everything, with `everything` permissions", async () => {
      const { api, org, t, a } = await tree();
      const second = await createUser(api, org.slug, { role: "org_admin" });
      expect((await second.api.get(`${t}/permissions`)).body).toEqual({ everything: true, tenant: [], folders: [] });
      const top = await createFolder(second.api, t, "Second");
      expect((await second.api.patch(`${t}/folders/${top.id}`, { parentId: a.id })).status).toBe(200);
      expect((await second.api.delete(`${t}/folders/${top.id}`)).status).toBe(204);
      expect((await second.api.get(`${t}/role-assignments`)).status).toBe(200);
    });

    it("takes access away again when the assignment is removed or the folder is moved out of the subtree", async () => {
      const { api, t, a, a1, a2, b, user } = await tree();
      await assign(api, t, a1.id, user.id, [await roleId(api, t, "Viewer")]);
      expect(await paths(user.api, t)).toEqual(["A / A1", "A / A1 / A2"]);
      // A2 moved under B leaves the user's subtree.
      expect((await api.patch(`${t}/folders/${a2.id}`, { parentId: b.id })).status).toBe(200);
      expect(await paths(user.api, t)).toEqual(["A / A1"]);
      expectProblem(await user.api.get(`${t}/folders/${a2.id}`), 404, "not-found");
      await assign(api, t, a1.id, user.id, []);
      expect(await listFolders(user.api, t)).toEqual([]);
      expectProblem(await user.api.get(`${t}/folders/${a1.id}`), 404, "not-found");
      expect((await user.api.get(`${t}/permissions`)).body).toEqual({ everything: false, tenant: [], folders: [] });
      expect(a.id).toBeGreaterThan(0);
    });
  });

  describe("isolation", () => {
    it("answers 404 to another organization's users for this organization's tenant routes", async () => {
      const { api, org, t } = await setup();
      const f = await createFolder(api, t, "Secret");
      const other = await createOrg(host);
      const outsider = await createUser(other.admin.api, other.slug);
      for (const intruder of [other.admin.api, outsider.api]) {
        for (const [method, path, body] of [
          ["GET", `${t}/folders`],
          ["POST", `${t}/folders`, { name: "Intruder" }],
          ["GET", `${t}/folders/${f.id}`],
          ["PATCH", `${t}/folders/${f.id}`, { name: "Hijacked" }],
          ["DELETE", `${t}/folders/${f.id}`],
          ["GET", `${t}/folders/${f.id}/assignments`],
          ["PUT", `${t}/folders/${f.id}/assignments/${org.admin.id}`, { roleIds: [] }],
          ["GET", `${t}/roles`],
          ["GET", `${t}/role-assignments`],
          ["GET", `${t}/permissions`],
          // Their own organization with this organization's tenant id.
          ["GET", `/orgs/${other.slug}/tenants/${org.defaultTenantId}/folders`],
          ["GET", `/orgs/${other.slug}/tenants/${org.defaultTenantId}/folders/${f.id}`],
        ] as [string, string, unknown?][]) {
          const res = await intruder.request(method, path, body);
          expectProblem(res, 404, "not-found");
          expect(res.text, `${method} ${path}`).not.toContain("Secret");
        }
      }
      // Their own tenant does not show this organization's folder either.
      expectProblem(await other.admin.api.get(`${tenantPath(other)}/folders/${f.id}`), 404, "not-found");
      expect(await paths(api, t)).toEqual(["Secret"]);
    });

    it("answers 404 for folder ids of tenant X used under tenant Y of the same organization", async () => {
      const { api, org, t: x } = await setup();
      const created = await api.post(`/orgs/${org.slug}/tenants`, { name: unique("Y") });
      expect(created.status, created.text).toBe(201);
      const y = `/orgs/${org.slug}/tenants/${created.body.id}`;
      const xf = await createFolder(api, x, "X-Folder");
      const xChild = await createFolder(api, x, "X-Child", xf.id);
      const yf = await createFolder(api, y, "Y-Folder");
      const user = await createUser(api, org.slug);
      for (const [method, path, body] of [
        ["GET", `${y}/folders/${xf.id}`],
        ["PATCH", `${y}/folders/${xf.id}`, { name: "Hijacked" }],
        ["DELETE", `${y}/folders/${xChild.id}`],
        ["POST", `${y}/folders`, { name: "Inside X", parentId: xf.id }],
        ["PATCH", `${y}/folders/${yf.id}`, { parentId: xf.id }],
        ["GET", `${y}/folders/${xf.id}/assignments`],
        ["PUT", `${y}/folders/${xf.id}/assignments/${user.id}`, { roleIds: [] }],
      ] as [string, string, unknown?][]) {
        expectProblem(await api.request(method, path, body), 404, "not-found");
      }
      // A tenant role id of X is not a role of Y.
      const xViewer = await roleId(api, x, "Viewer");
      expect(await roleId(api, y, "Viewer")).not.toBe(xViewer);
      const problem = expectProblem(
        await api.put(`${y}/folders/${yf.id}/assignments/${user.id}`, { roleIds: [xViewer] }),
        400,
        "validation-failed",
      );
      expect(problem.errors).toEqual([{ path: "roleIds.0", message: "is not a role of this tenant" }]);
      expect(await paths(api, x)).toEqual(["X-Folder", "X-Folder / X-Child"]);
      expect(await paths(api, y)).toEqual(["Y-Folder"]);
      expect(await listFolders(user.api, y)).toEqual([]);
    });

    it("answers 409 tenant-disabled while the tenant is disabled, and works again once enabled", async () => {
      const { api, org } = await setup();
      const created = await api.post(`/orgs/${org.slug}/tenants`, { name: unique("Off") });
      expect(created.status, created.text).toBe(201);
      const y = `/orgs/${org.slug}/tenants/${created.body.id}`;
      const f = await createFolder(api, y, "Before");
      const user = await createUser(api, org.slug);
      const off = await api.patch(`/orgs/${org.slug}/tenants/${created.body.id}`, { status: "disabled" });
      expect(off.status, off.text).toBe(200);
      for (const caller of [api, user.api, host]) {
        for (const [method, path, body] of [
          ["GET", `${y}/folders`],
          ["POST", `${y}/folders`, { name: "During" }],
          ["PATCH", `${y}/folders/${f.id}`, { name: "During" }],
          ["GET", `${y}/roles`],
          ["GET", `${y}/permissions`],
        ] as [string, string, unknown?][]) {
          const problem = expectProblem(await caller.request(method, path, body), 409, "tenant-disabled");
          expect(problem.detail).toBe("This tenant is disabled.");
        }
      }
      expect((await api.patch(`/orgs/${org.slug}/tenants/${created.body.id}`, { status: "active" })).status).toBe(200);
      expect(await paths(api, y)).toEqual(["Before"]);
    });

    it("answers 503 to org users while the tenant is under maintenance; system administrators still work", async () => {
      const { api, org, t } = await setup();
      const f = await createFolder(api, t, "Ops");
      const user = await createUser(api, org.slug);
      await assign(api, t, f.id, user.id, [await roleId(api, t, "Viewer")]);
      const other = await api.post(`/orgs/${org.slug}/tenants`, { name: unique("Other") });
      expect(other.status, other.text).toBe(201);
      const start = await host.post("/host/maintenance/start", { phase: "draining", tenantId: org.defaultTenantId });
      expect(start.status, start.text).toBe(200);
      try {
        for (const caller of [api, user.api]) {
          for (const [method, path, body] of [
            ["GET", `${t}/folders`],
            ["POST", `${t}/folders`, { name: "During" }],
            ["GET", `${t}/folders/${f.id}`],
            ["GET", `${t}/roles`],
            ["GET", `${t}/permissions`],
          ] as [string, string, unknown?][]) {
            const res = await caller.request(method, path, body);
            expectProblem(res, 503, "maintenance");
            expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
          }
        }
        // Another tenant of the same organization is not affected.
        expect((await api.get(`/orgs/${org.slug}/tenants/${other.body.id}/folders`)).status).toBe(200);
        // System administrators keep working in the tenant.
        expect((await listFolders(host, t)).map((x) => x.path)).toEqual(["Ops"]);
        const during = await createFolder(host, t, "By Host", f.id);
        expect(during.path).toBe("Ops / By Host");
      } finally {
        const end = await host.post("/host/maintenance/end", { tenantId: org.defaultTenantId });
        expect(end.status, end.text).toBe(200);
      }
      expect(await paths(user.api, t)).toEqual(["Ops", "Ops / By Host"]);
      expect(await paths(api, t)).toEqual(["Ops", "Ops / By Host"]);
    });
  });

  describe("audit", () => {
    interface AuditRow {
      actor: { kind: string; id: number | null; name: string };
      component: string;
      action: string;
      target: { type: string; id: string; name: string | null } | null;
      before: unknown;
      after: unknown;
    }
    async function folderAudit(api: Api, org: TestOrg): Promise<AuditRow[]> {
      const res = await api.get(`/orgs/${org.slug}/audit-logs?component=Folders`);
      expect(res.status, res.text).toBe(200);
      return res.body.items as AuditRow[];
    }

    it("writes an org audit row for every folder change by an org admin, none for a refused one", async () => {
      const { api, org, t } = await setup();
      const a = await createFolder(api, t, "A");
      const b = await createFolder(api, t, "B");
      expect((await api.patch(`${t}/folders/${b.id}`, { name: "Bee", description: "bees" })).status).toBe(200);
      expect((await api.patch(`${t}/folders/${b.id}`, { parentId: a.id })).status).toBe(200);
      // Refused changes leave no trace.
      expectProblem(await api.post(`${t}/folders`, { name: "a" }), 409, "already-exists");
      expectProblem(await api.delete(`${t}/folders/${a.id}`), 409, "folder-not-empty");
      expect((await api.delete(`${t}/folders/${b.id}`)).status).toBe(204);

      const rows = await folderAudit(api, org);
      expect(rows.map((r) => [r.component, r.action, r.target?.type, r.target?.id, r.target?.name])).toEqual([
        ["Folders", "Delete", "folder", String(b.id), "A / Bee"],
        ["Folders", "Move", "folder", String(b.id), "A / Bee"],
        ["Folders", "Update", "folder", String(b.id), "Bee"],
        ["Folders", "Create", "folder", String(b.id), "B"],
        ["Folders", "Create", "folder", String(a.id), "A"],
      ]);
      for (const r of rows) expect(r.actor).toMatchObject({ kind: "user", id: org.admin.id });
      expect(rows[0]?.before).toMatchObject({ id: b.id, path: "A / Bee" });
      expect(rows[1]).toMatchObject({
        before: { parentId: null, path: "Bee", depth: 1 },
        after: { parentId: a.id, path: "A / Bee", depth: 2 },
      });
      expect(rows[2]).toMatchObject({
        before: { name: "B", description: null, path: "B" },
        after: { name: "Bee", description: "bees", path: "Bee" },
      });
      expect(rows[4]?.after).toMatchObject({ id: a.id, name: "A", parentId: null, depth: 1 });
    });

    it("audits a folder user's changes in the organization's log too", async () => {
      const { api, org, t } = await setup();
      const a = await createFolder(api, t, "A");
      const user = await createUser(api, org.slug);
      await assign(api, t, a.id, user.id, [await roleId(api, t, "Folder Administrator")]);
      const sub = await createFolder(user.api, t, "Sub", a.id);
      const rows = await folderAudit(api, org);
      expect(rows[0]).toMatchObject({
        actor: { kind: "user", id: user.id },
        action: "Create",
        target: { type: "folder", id: String(sub.id), name: "A / Sub" },
      });
    });
  });
});
