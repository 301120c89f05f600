import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, RecordingApi, type TestOrg } from "../helpers/fixtures.js";
import { type RunningJob, runningJob } from "../helpers/job-token.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const bin = fileURLToPath(new URL("../../bin/dirigent.js", import.meta.url));
const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const uuid = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

/** A password that appears nowhere but where the test puts it. */
const secret = () => `S3cret-${randomBytes(9).toString("base64url")}`;

describe.each(testDatabases())("assets on %s", (database) => {
  let server: TestServer;
  let host: Api;

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function setup() {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = tenantPath(org);
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    expect(folder.status, folder.text).toBe(201);
    return { org, api, t, folderId: folder.body.id as number };
  }

  async function createAsset(api: Api, t: string, folderId: number, body: Record<string, unknown>) {
    const res = await api.post(`${t}/folders/${folderId}/assets`, body);
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  async function newMachine(api: Api, t: string, folderIds: number[] = []) {
    const res = await api.post(`${t}/machines`, { name: unique("robot"), slots: 1, folderIds });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number; name: string; key: string };
  }

  describe("contract", () => {
    it("creates, reads, lists, changes and deletes a text asset", async () => {
      const { org, api, t, folderId } = await setup();
      const created = await createAsset(api, t, folderId, {
        name: "  BaseUrl ",
        description: "Where the ERP lives",
        type: "text",
        value: "https://erp.example.com",
      });
      expect(created).toEqual({
        id: expect.any(Number),
        key: uuid,
        folderId,
        name: "BaseUrl",
        description: "Where the ERP lives",
        type: "text",
        value: "https://erp.example.com",
        machineValues: [],
        createdBy: org.admin.email,
        updatedBy: org.admin.email,
        createdAt: isoTime,
        updatedAt: isoTime,
      });
      expect((await api.get(`${t}/assets/${created.id}`)).body).toEqual(created);
      const list = await api.get(`${t}/folders/${folderId}/assets`);
      expect(list.status, list.text).toBe(200);
      expect(list.body).toEqual({ items: [created], nextCursor: null });

      const changed = await api.patch(`${t}/assets/${created.id}`, {
        value: "https://erp2.example.com",
        description: null,
      });
      expect(changed.status, changed.text).toBe(200);
      expect(changed.body).toMatchObject({ value: "https://erp2.example.com", description: null, name: "BaseUrl" });

      const del = await api.delete(`${t}/assets/${created.id}`);
      expect(del.status, del.text).toBe(204);
      expectProblem(await api.get(`${t}/assets/${created.id}`), 404, "not-found");
      expect((await api.get(`${t}/folders/${folderId}/assets`)).body.items).toEqual([]);
    });

    it("stores each type's value as its JSON type; a credential shows its user name and hasPassword only", async () => {
      const { api, t, folderId } = await setup();
      const password = secret();
      const bool = await createAsset(api, t, folderId, { name: "Flag", type: "bool", value: false });
      const int = await createAsset(api, t, folderId, { name: "Count", type: "integer", value: -9007199254740991 });
      const cred = await createAsset(api, t, folderId, {
        name: "ErpLogin",
        type: "credential",
        value: { username: "robot@erp", password },
      });
      const empty = await createAsset(api, t, folderId, { name: "NoGlobal", type: "text" });
      expect(bool.value).toBe(false);
      expect(int.value).toBe(-9007199254740991);
      expect(cred.value).toEqual({ username: "robot@erp", hasPassword: true });
      expect(empty.value).toBeNull();
      const list = await api.get(`${t}/folders/${folderId}/assets`);
      expect(list.body.items.map((a: { name: string }) => a.name)).toEqual(["Count", "ErpLogin", "Flag", "NoGlobal"]);
      expect(list.text).not.toContain(password);
      // A credential change without a password keeps the password.
      const renamed = await api.patch(`${t}/assets/${cred.id}`, { value: { username: "other" } });
      expect(renamed.status, renamed.text).toBe(200);
      expect(renamed.body.value).toEqual({ username: "other", hasPassword: true });
      expect(renamed.text).not.toContain(password);
      // Removing the global value.
      const cleared = await api.patch(`${t}/assets/${bool.id}`, { value: null });
      expect(cleared.body.value).toBeNull();
    });

    it("keeps names unique per folder whatever their case, and lets another folder reuse one", async () => {
      const { api, t, folderId } = await setup();
      await createAsset(api, t, folderId, { name: "Mailbox", type: "text", value: "a" });
      const dup = expectProblem(
        await api.post(`${t}/folders/${folderId}/assets`, { name: "MAILBOX", type: "bool", value: true }),
        409,
        "already-exists",
      );
      expect(dup.errors).toEqual([{ path: "name", message: "is already taken" }]);
      const other = await api.post(`${t}/folders`, { name: unique("F") });
      await createAsset(api, t, other.body.id, { name: "mailbox", type: "text", value: "b" });
      const second = await createAsset(api, t, folderId, { name: "Second", type: "text", value: "c" });
      expectProblem(await api.patch(`${t}/assets/${second.id}`, { name: "mailBOX" }), 409, "already-exists");
    });

    it("fixes the type after creation: another type is 409 asset-type-immutable, the same type is fine", async () => {
      const { api, t, folderId } = await setup();
      const a = await createAsset(api, t, folderId, { name: "Typed", type: "integer", value: 5 });
      const problem = expectProblem(
        await api.patch(`${t}/assets/${a.id}`, { type: "text", value: "5" }),
        409,
        "asset-type-immutable",
      );
      expect(problem.errors).toEqual([{ path: "type", message: "cannot be changed" }]);
      expect((await api.get(`${t}/assets/${a.id}`)).body.value).toBe(5);
      const same = await api.patch(`${t}/assets/${a.id}`, { type: "integer", value: 6 });
      expect(same.status, same.text).toBe(200);
      expect(same.body.value).toBe(6);
    });

    it("checks the value against the type, naming the field", async () => {
      const { api, t, folderId } = await setup();
      const cases: [string, unknown, string, string][] = [
        ["text", 5, "value", "must be a string for a text asset"],
        ["text", "x".repeat(1_000_001), "value", "must be at most 1000000 characters"],
        ["bool", "true", "value", "must be true or false for a bool asset"],
        ["integer", 1.5, "value", "must be an integer for an integer asset"],
        ["integer", 9007199254740992, "value", "must be between -9007199254740991 and 9007199254740991"],
        ["integer", 1e300, "value", "must be between -9007199254740991 and 9007199254740991"],
        ["credential", "user:pw", "value", "must be an object {username, password} for a credential asset"],
        ["credential", { username: "u" }, "value.password", "is required"],
        ["credential", { password: "p" }, "value.username", "is required"],
        ["credential", { username: "u", password: "" }, "value.password", "must not be empty"],
        ["credential", { username: "u", password: "p", domain: "x" }, "value.domain", "is not a known field"],
        ["credential", { username: "a\nb", password: "p" }, "value.username", "must not contain control characters"],
      ];
      for (const [type, value, path, message] of cases) {
        const res = await api.post(`${t}/folders/${folderId}/assets`, { name: unique("V"), type, value });
        const problem = expectProblem(res, 400, "validation-failed");
        expect(problem.errors, `${type} ${JSON.stringify(value).slice(0, 50)}`).toContainEqual({ path, message });
      }
      expect((await api.get(`${t}/folders/${folderId}/assets`)).body.items).toEqual([]);
      // The limit itself is accepted.
      const long = await createAsset(api, t, folderId, { name: "Long", type: "text", value: "ü".repeat(1_000_000) });
      expect(long.value).toHaveLength(1_000_000);
    });

    it("pages the list by name and finds assets by part of their name", async () => {
      const { api, t, folderId } = await setup();
      for (const name of ["delta", "Alpha", "charlie", "Bravo", "echo_1", "echo%2"]) {
        await createAsset(api, t, folderId, { name, type: "bool", value: true });
      }
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; text: string; body: { items: { name: string }[]; nextCursor: string | null } } =
          await api.get(`${t}/folders/${folderId}/assets?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        expect(res.status, res.text).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        names.push(...res.body.items.map((a: { name: string }) => a.name));
        cursor = res.body.nextCursor;
      } while (cursor);
      // "%" sorts before "_" in both databases.
      expect(names).toEqual(["Alpha", "Bravo", "charlie", "delta", "echo%2", "echo_1"]);
      const found = await api.get(`${t}/folders/${folderId}/assets?q=HO_`);
      expect(found.body.items.map((a: { name: string }) => a.name)).toEqual(["echo_1"]);
      const pct = await api.get(`${t}/folders/${folderId}/assets?q=${encodeURIComponent("o%")}`);
      expect(pct.body.items.map((a: { name: string }) => a.name)).toEqual(["echo%2"]);
    });
  });

  describe("per-machine values", () => {
    it("sets, lists, replaces and removes a machine's own value", async () => {
      const { api, t, folderId } = await setup();
      const m1 = await newMachine(api, t, [folderId]);
      const m2 = await newMachine(api, t);
      const a = await createAsset(api, t, folderId, { name: "Printer", type: "text", value: "global" });
      const set1 = await api.put(`${t}/assets/${a.id}/machine-values/${m1.id}`, { value: "printer-1" });
      expect(set1.status, set1.text).toBe(200);
      const set2 = await api.put(`${t}/assets/${a.id}/machine-values/${m2.id}`, { value: "printer-2" });
      expect(set2.body.machineValues).toEqual(
        [
          {
            machineId: m1.id,
            machineName: m1.name,
            value: "printer-1",
            updatedBy: expect.any(String),
            updatedAt: isoTime,
          },
          {
            machineId: m2.id,
            machineName: m2.name,
            value: "printer-2",
            updatedBy: expect.any(String),
            updatedAt: isoTime,
          },
        ].sort((x, y) => x.machineName.toLowerCase().localeCompare(y.machineName.toLowerCase())),
      );
      const replaced = await api.put(`${t}/assets/${a.id}/machine-values/${m1.id}`, { value: "printer-1b" });
      expect(replaced.body.machineValues.find((v: { machineId: number }) => v.machineId === m1.id).value).toBe(
        "printer-1b",
      );
      expect((await api.delete(`${t}/assets/${a.id}/machine-values/${m1.id}`)).status).toBe(204);
      expectProblem(await api.delete(`${t}/assets/${a.id}/machine-values/${m1.id}`), 404, "not-found");
      const after = await api.get(`${t}/assets/${a.id}`);
      expect(after.body.machineValues.map((v: { machineId: number }) => v.machineId)).toEqual([m2.id]);
      expect(after.body.value).toBe("global");
      // The value is checked against the asset's type.
      const bad = expectProblem(
        await api.put(`${t}/assets/${a.id}/machine-values/${m2.id}`, { value: 3 }),
        400,
        "validation-failed",
      );
      expect(bad.errors).toEqual([{ path: "value", message: "must be a string for a text asset" }]);
      const missing = expectProblem(
        await api.put(`${t}/assets/${a.id}/machine-values/${m2.id}`, {}),
        400,
        "validation-failed",
      );
      expect(missing.errors).toEqual([{ path: "value", message: "is required" }]);
      // Deleting the machine removes its values.
      expect((await api.delete(`${t}/machines/${m2.id}`)).status).toBe(204);
      expect((await api.get(`${t}/assets/${a.id}`)).body.machineValues).toEqual([]);
    });

    it("keeps a machine's credential password when a change leaves it out", async () => {
      const { api, t, folderId } = await setup();
      const m = await newMachine(api, t);
      const password = secret();
      const a = await createAsset(api, t, folderId, {
        name: "Login",
        type: "credential",
        value: { username: "g", password: secret() },
      });
      const first = await api.put(`${t}/assets/${a.id}/machine-values/${m.id}`, { value: { username: "m" } });
      expectProblem(first, 400, "validation-failed");
      expect(first.body.errors).toEqual([{ path: "value.password", message: "is required" }]);
      const set = await api.put(`${t}/assets/${a.id}/machine-values/${m.id}`, { value: { username: "m", password } });
      expect(set.status, set.text).toBe(200);
      const renamed = await api.put(`${t}/assets/${a.id}/machine-values/${m.id}`, { value: { username: "m2" } });
      expect(renamed.status, renamed.text).toBe(200);
      expect(renamed.body.machineValues[0].value).toEqual({ username: "m2", hasPassword: true });
      expect(set.text + renamed.text).not.toContain(password);
    });
  });

  describe("bad input", () => {
    it("answers 400 naming the field for NUL characters, ids beyond 32 bits and malformed parameters", async () => {
      const { api, t, folderId } = await setup();
      const a = await createAsset(api, t, folderId, { name: "Target", type: "text", value: "v" });
      const m = await newMachine(api, t);
      const bodies: [string, Record<string, unknown>, string][] = [
        ["POST", { name: "a\u0000b", type: "text", value: "v" }, "name"],
        ["POST", { name: "x", description: "d\u0000", type: "text", value: "v" }, "description"],
        ["POST", { name: "x", type: "text", value: "v\u0000" }, "value"],
        ["POST", { name: "x", type: "credential", value: { username: "u\u0000", password: "p" } }, "value.username"],
        ["POST", { name: "x", type: "credential", value: { username: "u", password: "p\u0000" } }, "value.password"],
        ["POST", { name: "x", type: "secret", value: "v" }, "type"],
        ["POST", { name: "x", type: "text", value: "v", extra: 1 }, "extra"],
        ["POST", { type: "text", value: "v" }, "name"],
        ["POST", { name: "n".repeat(257), type: "text" }, "name"],
        ["PATCH", { name: "b\u0000" }, "name"],
        ["PATCH", { value: "v\u0000" }, "value"],
        ["PATCH", { type: "float" }, "type"],
      ];
      for (const [method, body, path] of bodies) {
        const url = method === "POST" ? `${t}/folders/${folderId}/assets` : `${t}/assets/${a.id}`;
        const problem = expectProblem(await api.request(method, url, body), 400, "validation-failed");
        expect(
          problem.errors?.map((e) => e.path),
          `${method} ${JSON.stringify(body).slice(0, 60)}`,
        ).toContain(path);
      }
      const urls: [string, string, string][] = [
        ["GET", `${t}/assets/2147483648`, "id"],
        ["GET", `${t}/assets/99999999999999999999`, "id"],
        ["GET", `${t}/assets/0`, "id"],
        ["GET", `${t}/assets/-1`, "id"],
        ["GET", `${t}/assets/abc`, "id"],
        ["PATCH", `${t}/assets/4294967296`, "id"],
        ["DELETE", `${t}/assets/2147483648`, "id"],
        ["GET", `${t}/folders/2147483648/assets`, "folder"],
        ["POST", `${t}/folders/9007199254740993/assets`, "folder"],
        ["PUT", `${t}/assets/${a.id}/machine-values/2147483648`, "machineId"],
        ["DELETE", `${t}/assets/${a.id}/machine-values/1e12`, "machineId"],
        ["GET", `${t}/folders/${folderId}/assets?q=a%00b`, "q"],
        ["GET", `${t}/folders/${folderId}/assets?cursor=a%00b`, "cursor"],
        ["GET", `${t}/folders/${folderId}/assets?cursor=bm90IGEgY3Vyc29y`, "cursor"],
        [
          "GET",
          `${t}/folders/${folderId}/assets?cursor=${Buffer.from('["a\\u0000",1]').toString("base64url")}`,
          "cursor",
        ],
        [
          "GET",
          `${t}/folders/${folderId}/assets?cursor=${Buffer.from('["a",2147483648]').toString("base64url")}`,
          "cursor",
        ],
        ["GET", `${t}/folders/${folderId}/assets?limit=0`, "limit"],
        ["GET", `${t}/folders/${folderId}/assets?limit=501`, "limit"],
        ["GET", `${t}/folders/${folderId}/assets?sort=name`, "sort"],
      ];
      for (const [method, url, path] of urls) {
        const body =
          method === "POST"
            ? { name: "x", type: "text" }
            : method === "PATCH" || method === "PUT"
              ? { value: "v" }
              : undefined;
        const problem = expectProblem(await api.request(method, url, body), 400, "validation-failed");
        expect(
          problem.errors?.map((e) => e.path),
          `${method} ${url}`,
        ).toContain(path);
      }
      // Nothing changed.
      const after = await api.get(`${t}/assets/${a.id}`);
      expect(after.body).toMatchObject({ name: "Target", value: "v", machineValues: [] });
      expect((await api.get(`${t}/folders/${folderId}/assets`)).body.items).toHaveLength(1);
      expect(m.id).toBeGreaterThan(0);
    });

    it("answers 404 for folders, assets and machines that do not exist", async () => {
      const { api, t, folderId } = await setup();
      const a = await createAsset(api, t, folderId, { name: "A", type: "bool", value: true });
      expectProblem(await api.post(`${t}/folders/2147483647/assets`, { name: "x", type: "text" }), 404, "not-found");
      expectProblem(await api.get(`${t}/folders/2147483647/assets`), 404, "not-found");
      expectProblem(await api.get(`${t}/assets/2147483647`), 404, "not-found");
      expectProblem(await api.put(`${t}/assets/${a.id}/machine-values/2147483647`, { value: true }), 404, "not-found");
    });
  });

  describe("isolation and permissions", () => {
    it("hides another organization's and another tenant's assets and machines (404)", async () => {
      const mine = await setup();
      const theirs = await setup();
      const a = await createAsset(theirs.api, theirs.t, theirs.folderId, { name: "Theirs", type: "text", value: "x" });
      const theirMachine = await newMachine(theirs.api, theirs.t);
      const myAsset = await createAsset(mine.api, mine.t, mine.folderId, { name: "Mine", type: "text", value: "y" });
      const { api, t } = mine;
      expectProblem(await api.get(`${t}/assets/${a.id}`), 404, "not-found");
      expectProblem(await api.patch(`${t}/assets/${a.id}`, { value: "hacked" }), 404, "not-found");
      expectProblem(await api.delete(`${t}/assets/${a.id}`), 404, "not-found");
      expectProblem(
        await api.put(`${t}/assets/${a.id}/machine-values/${theirMachine.id}`, { value: "z" }),
        404,
        "not-found",
      );
      expectProblem(await api.get(`${t}/folders/${theirs.folderId}/assets`), 404, "not-found");
      expectProblem(
        await api.post(`${t}/folders/${theirs.folderId}/assets`, { name: "x", type: "text" }),
        404,
        "not-found",
      );
      // Their machine cannot hold a value of my asset.
      expectProblem(
        await api.put(`${t}/assets/${myAsset.id}/machine-values/${theirMachine.id}`, { value: "z" }),
        404,
        "not-found",
      );
      // Their path with my token is another organization: 404.
      expectProblem(await api.get(`${theirs.t}/assets/${a.id}`), 404, "not-found");
      // A second tenant of the same organization does not see the first one's assets.
      const tenant2 = await host.post(`/host/organizations/${mine.org.id}/tenants`, { name: unique("T2") });
      expect(tenant2.status, tenant2.text).toBe(201);
      const t2 = `/orgs/${mine.org.slug}/tenants/${tenant2.body.id}`;
      expectProblem(await api.get(`${t2}/assets/${myAsset.id}`), 404, "not-found");
      expectProblem(await api.get(`${t2}/folders/${mine.folderId}/assets`), 404, "not-found");
      expect((await theirs.api.get(`${theirs.t}/assets/${a.id}`)).body.value).toBe("x");
    });

    it("follows the folder roles: view only with assets.view, changes only with create/edit/delete", async () => {
      const { org, api, t, folderId } = await setup();
      const a = await createAsset(api, t, folderId, { name: "Guarded", type: "text", value: "v" });
      const roles = (await api.get(`${t}/roles`)).body.items as { id: number; name: string }[];
      const viewer = roles.find((r) => r.name === "Viewer")?.id;
      const developer = roles.find((r) => r.name === "Automation Developer")?.id;
      const stranger = await createUser(api, org.slug);
      const reader = await createUser(api, org.slug);
      const writer = await createUser(api, org.slug);
      expect((await api.put(`${t}/folders/${folderId}/assignments/${reader.id}`, { roleIds: [viewer] })).status).toBe(
        204,
      );
      expect(
        (await api.put(`${t}/folders/${folderId}/assignments/${writer.id}`, { roleIds: [developer] })).status,
      ).toBe(204);

      // No role in the folder: it and its assets are invisible.
      expectProblem(await stranger.api.get(`${t}/folders/${folderId}/assets`), 404, "not-found");
      expectProblem(await stranger.api.get(`${t}/assets/${a.id}`), 404, "not-found");
      expectProblem(await stranger.api.patch(`${t}/assets/${a.id}`, { value: "x" }), 404, "not-found");

      // Viewer: reads, changes nothing.
      expect((await reader.api.get(`${t}/folders/${folderId}/assets`)).body.items).toHaveLength(1);
      expect((await reader.api.get(`${t}/assets/${a.id}`)).status).toBe(200);
      expectProblem(
        await reader.api.post(`${t}/folders/${folderId}/assets`, { name: "R", type: "text" }),
        403,
        "forbidden",
      );
      expectProblem(await reader.api.patch(`${t}/assets/${a.id}`, { value: "x" }), 403, "forbidden");
      expectProblem(await reader.api.delete(`${t}/assets/${a.id}`), 403, "forbidden");
      const m = await newMachine(api, t);
      expectProblem(
        await reader.api.put(`${t}/assets/${a.id}/machine-values/${m.id}`, { value: "x" }),
        403,
        "forbidden",
      );

      // Automation Developer: everything.
      const w = await writer.api.post(`${t}/folders/${folderId}/assets`, { name: "W", type: "text", value: "w" });
      expect(w.status, w.text).toBe(201);
      expect((await writer.api.patch(`${t}/assets/${a.id}`, { value: "x" })).status).toBe(200);
      expect((await writer.api.put(`${t}/assets/${a.id}/machine-values/${m.id}`, { value: "m" })).status).toBe(200);
      expect((await writer.api.delete(`${t}/assets/${w.body.id}`)).status).toBe(204);
      expect((await api.get(`${t}/assets/${a.id}`)).body.value).toBe("x");
    });
  });

  describe("secrets", () => {
    it("never shows a credential's password in answers, the audit log (JSON and CSV) or the server log", async () => {
      const { org, t, folderId } = await setup();
      const record: RecordingApi["record"] = [];
      const api = new RecordingApi(server.url, org.admin.api.token, record);
      const m = await newMachine(api, t);
      const passwords = [secret(), secret(), secret()];
      const a = await createAsset(api, t, folderId, {
        name: "Vault",
        type: "credential",
        value: { username: "svc", password: passwords[0] },
      });
      await api.patch(`${t}/assets/${a.id}`, { value: { username: "svc", password: passwords[1] } });
      await api.put(`${t}/assets/${a.id}/machine-values/${m.id}`, {
        value: { username: "svc-m", password: passwords[2] },
      });
      await api.put(`${t}/assets/${a.id}/machine-values/${m.id}`, { value: { username: "svc-m2" } });
      // The database holds no value in the clear either.
      const db = server.server.services.ctx.db;
      const sealed = [
        ...(await db.selectFrom("assets").select("value_enc").where("id", "=", a.id).execute()).map((r) => r.value_enc),
        ...(await db.selectFrom("asset_machine_values").select("value_enc").where("asset_id", "=", a.id).execute()).map(
          (r) => r.value_enc,
        ),
      ].join("\n");
      expect(sealed).toMatch(/^v1\./);
      for (const p of [...passwords, "svc-m2"]) expect(sealed.includes(p)).toBe(false);
      await api.get(`${t}/assets/${a.id}`);
      await api.get(`${t}/folders/${folderId}/assets`);
      await api.delete(`${t}/assets/${a.id}/machine-values/${m.id}`);
      await api.delete(`${t}/assets/${a.id}`);
      const audit = await api.get(`/orgs/${org.slug}/audit-logs?component=Assets`);
      expect(audit.status, audit.text).toBe(200);
      expect(audit.body.items.map((r: { action: string }) => r.action)).toEqual([
        "Delete",
        "Update",
        "Update",
        "Update",
        "Update",
        "Create",
      ]);
      const create = audit.body.items.at(-1);
      expect(create.after).toEqual({
        name: "Vault",
        description: null,
        type: "credential",
        folderId,
        value: { username: "svc", hasPassword: true },
      });
      const csv = await api.get(`/orgs/${org.slug}/audit-logs.csv?component=Assets`);
      expect(csv.status).toBe(200);
      const everything = [...record.map((r) => r.text + r.headers), csv.text, ...server.logs].join("\n");
      for (const p of passwords) expect(everything).not.toContain(p);
    });
  });
});

describe.each(testDatabases())("assets through a job token on %s", (database) => {
  let server: TestServer;
  let host: Api;
  const jobs: RunningJob[] = [];

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => {
    for (const j of jobs) j.socket.ws.terminate();
    await server?.stop();
  });

  async function setup() {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = tenantPath(org);
    const job = await runningJob(api, t);
    jobs.push(job);
    const create = async (body: Record<string, unknown>, folderId = job.folderId) => {
      const res = await api.post(`${t}/folders/${folderId}/assets`, body);
      expect(res.status, res.text).toBe(201);
      return res.body as { id: number };
    };
    return { org, api, t, job, jobApi: host.withToken(job.token), create };
  }

  it("reads each type by name (any case) in the job's folder; a credential with its password", async () => {
    const { job, jobApi, create } = await setup();
    const password = secret();
    await create({ name: "Url", type: "text", value: "https://x" });
    await create({ name: "Enabled", type: "bool", value: true });
    await create({ name: "Limit", type: "integer", value: 42 });
    await create({ name: "Erp", type: "credential", value: { username: "robot", password } });
    expect((await jobApi.get("/job/assets/url")).body).toEqual({ name: "Url", type: "text", value: "https://x" });
    expect((await jobApi.get("/job/assets/ENABLED")).body).toEqual({ name: "Enabled", type: "bool", value: true });
    expect((await jobApi.get("/job/assets/Limit")).body).toEqual({ name: "Limit", type: "integer", value: 42 });
    // The longest name, percent-encoded to 2,304 characters in the path, is found too.
    const long = "€".repeat(256);
    await create({ name: long, type: "text", value: "long" });
    const byLongName = await jobApi.get(`/job/assets/${encodeURIComponent(long)}`);
    expect(byLongName.status, byLongName.text).toBe(200);
    expect(byLongName.body.value).toBe("long");
    const cred = await jobApi.get("/job/assets/Erp");
    expect(cred.status, cred.text).toBe(200);
    expect(cred.body).toEqual({ name: "Erp", type: "credential", username: "robot", password });
    expect(job.machineId).toBeGreaterThan(0);
  });

  it("gives the job's machine its own value, others the global one, and 404s clearly when there is none", async () => {
    const { api, t, job, jobApi, create } = await setup();
    const other = await api.post(`${t}/machines`, { name: unique("other"), slots: 1, folderIds: [] });
    const printer = await create({ name: "Printer", type: "text", value: "global" });
    expect((await jobApi.get("/job/assets/Printer")).body.value).toBe("global");
    await api.put(`${t}/assets/${printer.id}/machine-values/${other.body.id}`, { value: "other's" });
    expect((await jobApi.get("/job/assets/Printer")).body.value).toBe("global");
    await api.put(`${t}/assets/${printer.id}/machine-values/${job.machineId}`, { value: "mine" });
    expect((await jobApi.get("/job/assets/Printer")).body.value).toBe("mine");
    const cred = await create({ name: "Login", type: "credential", value: { username: "g", password: "global-pw" } });
    await api.put(`${t}/assets/${cred.id}/machine-values/${job.machineId}`, {
      value: { username: "m", password: "machine-pw" },
    });
    expect((await jobApi.get("/job/assets/login")).body).toMatchObject({ username: "m", password: "machine-pw" });

    await create({ name: "OnlyOther", type: "bool" }).then((a) =>
      api.put(`${t}/assets/${a.id}/machine-values/${other.body.id}`, { value: true }),
    );
    const missing = expectProblem(await jobApi.get("/job/assets/OnlyOther"), 404, "asset-value-missing");
    expect(missing.detail).toBe(`The asset "OnlyOther" has no value for this job's machine and no global value.`);
    const unknown = expectProblem(await jobApi.get("/job/assets/Nope"), 404, "asset-not-found");
    expect(unknown.detail).toBe(`The job's folder has no asset named "Nope".`);
    // An asset of another folder of the same tenant is not the job's.
    const elsewhere = await api.post(`${t}/folders`, { name: unique("F") });
    await create({ name: "Elsewhere", type: "text", value: "x" }, elsewhere.body.id);
    expectProblem(await jobApi.get("/job/assets/Elsewhere"), 404, "asset-not-found");
  });

  it("lets the job set text, bool and integer values (the one it reads), audited as the job; never credentials", async () => {
    const { org, api, t, job, jobApi, create } = await setup();
    const counter = await create({ name: "Counter", type: "integer", value: 1 });
    const set = await jobApi.put("/job/assets/counter", { value: 2 });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({ name: "Counter", type: "integer", value: 2 });
    expect((await api.get(`${t}/assets/${counter.id}`)).body).toMatchObject({ value: 2, updatedBy: `job ${job.id}` });
    // With a value of its own, the machine's value is the one that changes.
    await api.put(`${t}/assets/${counter.id}/machine-values/${job.machineId}`, { value: 10 });
    await jobApi.put("/job/assets/Counter", { value: 11 });
    const after = (await api.get(`${t}/assets/${counter.id}`)).body;
    expect(after.value).toBe(2);
    expect(after.machineValues[0].value).toBe(11);

    const audit = await api.get(
      `/orgs/${org.slug}/audit-logs?component=Assets&actor=${encodeURIComponent(`job ${job.id}`)}`,
    );
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body.items).toHaveLength(2);
    expect(audit.body.items[1]).toMatchObject({
      actor: { kind: "robot", id: job.id, name: `job ${job.id}` },
      action: "Update",
      target: { type: "asset", id: String(counter.id), name: "Counter" },
      before: { global: true, value: 1 },
      after: { global: true, value: 2 },
    });
    expect(audit.body.items[0]).toMatchObject({
      before: { machineId: job.machineId, value: 10 },
      after: { value: 11 },
    });

    // An asset without any value gets its global value from the job.
    const fresh = await create({ name: "Fresh", type: "bool" });
    expectProblem(await jobApi.get("/job/assets/Fresh"), 404, "asset-value-missing");
    expect((await jobApi.put("/job/assets/Fresh", { value: false })).body).toEqual({
      name: "Fresh",
      type: "bool",
      value: false,
    });
    expect((await api.get(`${t}/assets/${fresh.id}`)).body).toMatchObject({ value: false, machineValues: [] });

    await create({ name: "Secret", type: "credential", value: { username: "u", password: "p-keep" } });
    expectProblem(await jobApi.put("/job/assets/Secret", { value: "x" }), 403, "forbidden");
    expectProblem(
      await jobApi.put("/job/assets/Secret", { value: { username: "u", password: "p" } }),
      403,
      "forbidden",
    );
    expect((await jobApi.get("/job/assets/Secret")).body.password).toBe("p-keep");
    const bad = expectProblem(await jobApi.put("/job/assets/Counter", { value: "12" }), 400, "validation-failed");
    expect(bad.errors).toEqual([{ path: "value", message: "must be an integer for an integer asset" }]);
    expectProblem(await jobApi.put("/job/assets/Nope", { value: 1 }), 404, "asset-not-found");
  });

  it("answers 400 for bad names and bodies on both databases, 401 once the job ended or on user routes", async () => {
    const { t, job, jobApi, create } = await setup();
    const note = await create({ name: "Note", type: "text", value: "v" });
    expect(expectProblem(await jobApi.get("/job/assets/a%00b"), 400, "validation-failed").errors?.[0]?.path).toBe(
      "name",
    );
    expect(
      expectProblem(await jobApi.put("/job/assets/Note", { value: "x\u0000" }), 400, "validation-failed").errors,
    ).toEqual([{ path: "value", message: "must not contain NUL characters" }]);
    expectProblem(await jobApi.put("/job/assets/Note", { value: "x", extra: 1 }), 400, "validation-failed");
    expectProblem(await jobApi.put("/job/assets/Note", {}), 400, "validation-failed");
    expectProblem(await jobApi.put("/job/assets/a%00b", { value: "x" }), 400, "validation-failed");
    // The user API does not take job tokens.
    expectProblem(await jobApi.get(`${t}/assets/${note.id}`), 401, "authentication-required");
    await job.finish();
    expectProblem(await jobApi.get("/job/assets/Note"), 401, "authentication-required");
    expectProblem(await jobApi.put("/job/assets/Note", { value: "y" }), 401, "authentication-required");
  });

  it("never answers another organization's job with this one's assets", async () => {
    const a = await setup();
    const b = await setup();
    await a.create({ name: "Shared", type: "text", value: "from a" });
    expectProblem(await b.jobApi.get("/job/assets/Shared"), 404, "asset-not-found");
  });
});

describe.each(testDatabases())("assets under a rotated master key on %s", (database) => {
  it("still decrypts after a rotation and re-encrypts every value under the new key", {
    timeout: 180_000,
  }, async () => {
    const oldKey = randomBytes(32).toString("base64");
    const newKey = randomBytes(32).toString("base64");
    const first = await startTestServer({ database, env: { DIRIGENT_MASTER_KEY: oldKey } });
    const reuse = { dataDir: first.dataDir, databaseUrl: first.databaseUrl };
    let server = first;
    try {
      const host = await adminApi(server);
      const org = await createOrg(host);
      const t = tenantPath(org);
      const folder = await org.admin.api.post(`${t}/folders`, { name: unique("F") });
      const m = await org.admin.api.post(`${t}/machines`, { name: unique("robot"), slots: 1, folderIds: [] });
      const text = await org.admin.api.post(`${t}/folders/${folder.body.id}/assets`, {
        name: "T",
        type: "text",
        value: "plain",
      });
      const cred = await org.admin.api.post(`${t}/folders/${folder.body.id}/assets`, {
        name: "C",
        type: "credential",
        value: { username: "u", password: "p-old" },
      });
      await org.admin.api.put(`${t}/assets/${text.body.id}/machine-values/${m.body.id}`, { value: "per-machine" });
      await server.stop({ keepData: true });

      server = await startTestServer({
        reuse,
        env: { DIRIGENT_MASTER_KEY: newKey, DIRIGENT_MASTER_KEY_PREVIOUS: oldKey },
      });
      const api = (await new Api(server.url).as({
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      })) as Api;
      const before = (await api.get(`${t}/assets/${text.body.id}`)).body;
      expect(before).toMatchObject({ value: "plain", machineValues: [{ value: "per-machine" }] });
      await server.stop({ keepData: true });

      // `dirigent admin rotate-master-key`, as an operator runs it: three asset values re-encrypted.
      const rotate = () =>
        execFileSync(process.execPath, [bin, "admin", "rotate-master-key"], {
          env: {
            ...process.env,
            DIRIGENT_DATA_DIR: first.dataDir,
            ...(first.databaseUrl && { DATABASE_URL: first.databaseUrl }),
            DIRIGENT_MASTER_KEY: newKey,
            DIRIGENT_MASTER_KEY_PREVIOUS: oldKey,
          },
          encoding: "utf8",
        });
      expect(rotate()).toBe("Re-encrypted 3 secret(s) under the current master key.\n");
      expect(rotate()).toBe("Re-encrypted 0 secret(s) under the current master key.\n");

      // Only the new key now: everything still reads.
      server = await startTestServer({ reuse, env: { DIRIGENT_MASTER_KEY: newKey } });
      const api2 = (await new Api(server.url).as({
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      })) as Api;
      expect((await api2.get(`${t}/assets/${text.body.id}`)).body).toMatchObject({
        value: "plain",
        machineValues: [{ value: "per-machine" }],
      });
      expect((await api2.get(`${t}/assets/${cred.body.id}`)).body.value).toEqual({ username: "u", hasPassword: true });
      const sealed = await server.server.services.ctx.db.selectFrom("assets").select("value_enc").execute();
      expect(sealed.every((r) => r.value_enc !== null && !server.server.services.masterKey.isStale(r.value_enc))).toBe(
        true,
      );
    } finally {
      await server.stop();
    }
  });
});
