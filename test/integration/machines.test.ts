import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tryUpgrade } from "../helpers/agent.js";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const machineKey = /^dgm_[A-Za-z0-9_-]{43}$/;
const publicUrl = "https://dirigent.example.test";

interface Machine {
  id: number;
  name: string;
  description: string | null;
  slots: number;
  folderIds: number[];
  keyHint: string;
  state: string;
  sessions: unknown[];
  createdAt: string;
  updatedAt: string;
}
type MachineWithKey = Machine & { key: string; connectCommand: string };

const tenantPath = (org: TestOrg, tenant: number | string = org.defaultTenantId) =>
  `/orgs/${org.slug}/tenants/${tenant}`;

async function createFolder(api: Api, t: string, name: string): Promise<number> {
  const res = await api.post(`${t}/folders`, { name });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function createMachine(api: Api, t: string, body: Record<string, unknown> = {}): Promise<MachineWithKey> {
  const res = await api.post(`${t}/machines`, { name: unique("m"), slots: 1, ...body });
  expect(res.status, res.text).toBe(201);
  return res.body as MachineWithKey;
}

async function listMachines(api: Api, t: string): Promise<Machine[]> {
  const res = await api.get(`${t}/machines`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as Machine[];
}

/** The machine as a read returns it: everything the creation answered but the key and command. */
function withoutKey({ key: _key, connectCommand: _c, ...machine }: MachineWithKey): Machine {
  return machine;
}

describe.each(testDatabases())("machines on %s", (database) => {
  let server: TestServer;
  let host: Api;
  beforeAll(async () => {
    server = await startTestServer({ database, env: { DIRIGENT_PUBLIC_URL: publicUrl, DIRIGENT_LOG_LEVEL: "debug" } });
    host = await adminApi(server);
  });
  afterAll(async () => server?.stop());

  async function setup() {
    const org = await createOrg(host);
    return { org, api: org.admin.api, t: tenantPath(org) };
  }

  /** A second tenant in the same organization. */
  async function secondTenant(org: TestOrg): Promise<number> {
    const res = await host.post(`/host/organizations/${org.id}/tenants`, { name: unique("Tenant") });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }

  describe("creating and reading", () => {
    it("creates a machine whose key is shown once, with a dgm_ prefix and a connect command", async () => {
      const { api, t } = await setup();
      const folder = await createFolder(api, t, "Finance");
      const res = await api.post(`${t}/machines`, {
        name: "  Robot-01  ",
        description: "  The first robot ",
        slots: 3,
        folderIds: [folder],
      });
      expect(res.status, res.text).toBe(201);
      const key = res.body.key as string;
      expect(key).toMatch(machineKey);
      expect(res.body).toEqual({
        id: expect.any(Number),
        name: "Robot-01",
        description: "The first robot",
        slots: 3,
        folderIds: [folder],
        keyHint: key.slice(-4),
        state: "disconnected",
        sessions: [],
        createdAt: isoTime,
        updatedAt: isoTime,
        key,
        connectCommand: expect.stringMatching(
          new RegExp(
            `^npx --yes --package=${publicUrl}/downloads/dirigent-agent\\.tgz\\?sha256=[0-9a-f]{16} dirigent robot --url ${publicUrl} --key ${key}$`,
          ),
        ),
      });

      const one = await api.get(`${t}/machines/${res.body.id}`);
      expect(one.status, one.text).toBe(200);
      expect(one.body).toEqual(withoutKey(res.body));
      expect(one.text).not.toContain(key);
      const list = await api.get(`${t}/machines`);
      expect(list.status, list.text).toBe(200);
      expect(list.body).toEqual({ items: [withoutKey(res.body)] });
      expect(list.text).not.toContain(key);
    });

    it("gives every machine its own key, defaults folderIds to none and lists machines by name", async () => {
      const { api, t } = await setup();
      const b = await api.post(`${t}/machines`, { name: "Bravo", slots: 1 });
      expect(b.status, b.text).toBe(201);
      expect(b.body).toMatchObject({ folderIds: [], description: null, state: "disconnected" });
      const a = await createMachine(api, t, { name: "Alpha", slots: 100 });
      const c = await createMachine(api, t, { name: "Charlie" });
      expect(new Set([a.key, b.body.key, c.key]).size).toBe(3);
      expect((await listMachines(api, t)).map((m) => m.name)).toEqual(["Alpha", "Bravo", "Charlie"]);
    });

    it("keeps names unique per tenant regardless of case (409, naming the field), but not across tenants", async () => {
      const { org, api, t } = await setup();
      const first = await createMachine(api, t, { name: "Robot" });
      for (const name of ["ROBOT", " robot "]) {
        const problem = expectProblem(await api.post(`${t}/machines`, { name, slots: 1 }), 409, "already-exists");
        expect(problem.errors).toEqual([{ path: "name", message: "is already taken" }]);
        expect(problem.detail).toBe(`A machine named "${name.trim()}" already exists in this tenant.`);
      }
      // Renaming onto a taken name is refused the same way and changes nothing.
      const other = await createMachine(api, t, { name: "Other" });
      expectProblem(await api.patch(`${t}/machines/${other.id}`, { name: "rOBOT" }), 409, "already-exists");
      expect((await listMachines(api, t)).map((m) => m.name)).toEqual(["Other", "Robot"]);
      // Changing only the case of its own name is fine.
      const recased = await api.patch(`${t}/machines/${first.id}`, { name: "ROBOT" });
      expect(recased.status, recased.text).toBe(200);
      expect(recased.body.name).toBe("ROBOT");
      // Another tenant of the same organization may use the name.
      const t2 = tenantPath(org, await secondTenant(org));
      expect((await createMachine(api, t2, { name: "robot" })).name).toBe("robot");
    });

    it("refuses another tenant's folder or an unknown folder, naming the index, and creates nothing", async () => {
      const { org, api, t } = await setup();
      const own = await createFolder(api, t, "Own");
      const t2 = tenantPath(org, await secondTenant(org));
      const foreign = await createFolder(api, t2, "Foreign");
      const otherOrg = await createOrg(host);
      const otherOrgFolder = await createFolder(otherOrg.admin.api, tenantPath(otherOrg), "Elsewhere");

      const p1 = expectProblem(
        await api.post(`${t}/machines`, { name: "M", slots: 1, folderIds: [foreign] }),
        400,
        "validation-failed",
      );
      expect(p1.errors).toEqual([{ path: "folderIds.0", message: "is not a folder of this tenant" }]);
      const p2 = expectProblem(
        await api.post(`${t}/machines`, { name: "M", slots: 1, folderIds: [own, otherOrgFolder, 999_999] }),
        400,
        "validation-failed",
      );
      expect(p2.errors).toEqual([
        { path: "folderIds.1", message: "is not a folder of this tenant" },
        { path: "folderIds.2", message: "is not a folder of this tenant" },
      ]);
      expect(await listMachines(api, t)).toEqual([]);

      // The same on an update: the machine keeps its folders.
      const m = await createMachine(api, t, { folderIds: [own] });
      const p3 = expectProblem(
        await api.patch(`${t}/machines/${m.id}`, { folderIds: [foreign] }),
        400,
        "validation-failed",
      );
      expect(p3.errors).toEqual([{ path: "folderIds.0", message: "is not a folder of this tenant" }]);
      expect(await listMachines(api, t)).toEqual([withoutKey(m)]);
    });

    it("validates the body field by field and refuses unknown fields", async () => {
      const { api, t } = await setup();
      const cases: [Record<string, unknown>, string][] = [
        [{ slots: 1 }, "name"],
        [{ name: "", slots: 1 }, "name"],
        [{ name: "x".repeat(101), slots: 1 }, "name"],
        [{ name: "M" }, "slots"],
        [{ name: "M", slots: 0 }, "slots"],
        [{ name: "M", slots: 101 }, "slots"],
        [{ name: "M", slots: 1.5 }, "slots"],
        [{ name: "M", slots: "2" }, "slots"],
        [{ name: "M", slots: 1, folderIds: [0] }, "folderIds.0"],
        [{ name: "M", slots: 1, folderIds: "1" }, "folderIds"],
        [{ name: "M", slots: 1, description: "d".repeat(501) }, "description"],
      ];
      for (const [body, path] of cases) {
        const problem = expectProblem(await api.post(`${t}/machines`, body), 400, "validation-failed");
        expect(
          problem.errors?.map((e) => e.path),
          JSON.stringify(body),
        ).toContain(path);
      }
      const unknownField = expectProblem(
        await api.post(`${t}/machines`, { name: "M", slots: 1, key: "dgm_mine" }),
        400,
        "validation-failed",
      );
      expect(JSON.stringify(unknownField.errors)).toContain("key");
      // A machine's key cannot be chosen on an update either.
      const m = await createMachine(api, t);
      expectProblem(await api.patch(`${t}/machines/${m.id}`, { key: "dgm_mine" }), 400, "validation-failed");
      expectProblem(await api.patch(`${t}/machines/${m.id}`, { slots: 0 }), 400, "validation-failed");
      expectProblem(await api.get(`${t}/machines/abc`), 400, "validation-failed");
      expect(await listMachines(api, t)).toEqual([withoutKey(m)]);
    });
  });

  describe("changing and deleting", () => {
    it("edits name, description, slots and folders and audits the difference", async () => {
      const { org, api, t } = await setup();
      const f1 = await createFolder(api, t, "One");
      const f2 = await createFolder(api, t, "Two");
      const m = await createMachine(api, t, { name: "Before", slots: 2, folderIds: [f1] });
      const res = await api.patch(`${t}/machines/${m.id}`, {
        name: " After ",
        description: "Night shift",
        slots: 5,
        folderIds: [f2, f1],
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({
        ...withoutKey(m),
        name: "After",
        description: "Night shift",
        slots: 5,
        folderIds: expect.arrayContaining([f1, f2]),
        updatedAt: isoTime,
      });
      expect(res.body.folderIds).toHaveLength(2);
      expect(res.text).not.toContain(m.key);
      // Clearing the folders and the description.
      const cleared = await api.patch(`${t}/machines/${m.id}`, { folderIds: [], description: null });
      expect(cleared.status, cleared.text).toBe(200);
      expect(cleared.body).toMatchObject({ name: "After", description: null, slots: 5, folderIds: [] });
      expect((await api.get(`${t}/machines/${m.id}`)).body).toEqual(cleared.body);

      const audit = await api.get(`/orgs/${org.slug}/audit-logs?component=Machines`);
      expect(audit.status, audit.text).toBe(200);
      const update = audit.body.items.find(
        (r: { action: string; after: { name?: string } }) => r.action === "Update" && r.after?.name === "After",
      );
      expect(update).toMatchObject({
        actor: { kind: "user", id: org.admin.id },
        component: "Machines",
        target: { type: "machine", id: String(m.id), name: "After" },
        before: { name: "Before", description: null, slots: 2 },
        after: { name: "After", description: "Night shift", slots: 5 },
      });
    });

    it("deletes a machine: 204, then 404 everywhere, and its key no longer connects", async () => {
      const { api, t } = await setup();
      const keep = await createMachine(api, t);
      const m = await createMachine(api, t);
      expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
      const res = await api.delete(`${t}/machines/${m.id}`);
      expect(res.status, res.text).toBe(204);
      expect(res.text).toBe("");
      expectProblem(await api.get(`${t}/machines/${m.id}`), 404, "not-found");
      expectProblem(await api.delete(`${t}/machines/${m.id}`), 404, "not-found");
      expectProblem(await api.patch(`${t}/machines/${m.id}`, { slots: 2 }), 404, "not-found");
      expectProblem(await api.post(`${t}/machines/${m.id}/key`), 404, "not-found");
      expect(await listMachines(api, t)).toEqual([withoutKey(keep)]);
      const refused = await tryUpgrade(server.url, m.key);
      expect(refused).toMatchObject({ status: 401, body: { type: "authentication-required" } });
    });

    it("regenerates the key: a new dgm_ key shown once, the old one refused, the new one accepted", async () => {
      const { api, t } = await setup();
      const m = await createMachine(api, t, { slots: 2 });
      const res = await api.post(`${t}/machines/${m.id}/key`);
      expect(res.status, res.text).toBe(200);
      const key = res.body.key as string;
      expect(key).toMatch(machineKey);
      expect(key).not.toBe(m.key);
      expect(res.body).toEqual({
        ...withoutKey(m),
        keyHint: key.slice(-4),
        updatedAt: isoTime,
        key,
        connectCommand: expect.stringMatching(
          new RegExp(
            `^npx --yes --package=${publicUrl}/downloads/dirigent-agent\\.tgz\\?sha256=[0-9a-f]{16} dirigent robot --url ${publicUrl} --key ${key}$`,
          ),
        ),
      });
      const read = await api.get(`${t}/machines/${m.id}`);
      expect(read.body.keyHint).toBe(key.slice(-4));
      expect(read.text).not.toContain(key);

      const old = await tryUpgrade(server.url, m.key);
      expect(old.status).toBe(401);
      expect(old.contentType).toContain("application/problem+json");
      expect(old.body).toMatchObject({
        type: "authentication-required",
        title: "Unknown machine key",
        status: 401,
        detail: "The machine key is not valid (revoked or mistyped).",
      });
      expect((await tryUpgrade(server.url, key)).status).toBe(101);
    });
  });

  describe("secrecy", () => {
    it("never puts a key into reads, audit rows (JSON or CSV) or the server log", async () => {
      const { org, api, t } = await setup();
      const m = await createMachine(api, t, { name: "Secret-Keeper" });
      const regenerated = await api.post(`${t}/machines/${m.id}/key`);
      expect(regenerated.status, regenerated.text).toBe(200);
      const keys = [m.key, regenerated.body.key as string];
      // The keys travel to the server too: a connection and a refused one.
      expect((await tryUpgrade(server.url, keys[1] as string)).status).toBe(101);
      expect((await tryUpgrade(server.url, keys[0] as string)).status).toBe(401);
      await api.patch(`${t}/machines/${m.id}`, { slots: 2 });

      const reads = [
        await api.get(`${t}/machines`),
        await api.get(`${t}/machines/${m.id}`),
        await api.get(`/orgs/${org.slug}/audit-logs`),
        await api.get(`/orgs/${org.slug}/audit-logs.csv`),
        await host.get("/host/audit-logs"),
      ];
      for (const r of reads) expect(r.status, r.text).toBe(200);
      const audit = reads[2]?.body.items as { component: string; action: string; before: unknown; after: unknown }[];
      expect(
        audit
          .filter((r) => r.component === "Machines")
          .map((r) => r.action)
          .reverse(),
      ).toEqual(["Create", "Regenerate Key", "Update"]);
      expect(audit.find((r) => r.action === "Create")).toMatchObject({
        before: null,
        after: { name: "Secret-Keeper", slots: 1, folderIds: [] },
      });
      expect(reads[3]?.text).toContain("Regenerate Key");

      const logs = server.logs.join("");
      // The log did see the requests that carried the keys.
      expect(logs).toContain('"path":"/api/v1/robot/connect"');
      expect(logs).toContain(`"path":"/api/v1/orgs/${org.slug}/tenants/${org.defaultTenantId}/machines/${m.id}/key"`);
      for (const key of keys) {
        for (const r of reads) expect(r.text).not.toContain(key);
        expect(logs).not.toContain(key);
        // Not even the random part without its prefix.
        expect(logs).not.toContain(key.slice(4));
      }
    });
  });

  describe("permissions and isolation", () => {
    it("refuses machines to an org user without tenant roles (403) and to anonymous callers (401)", async () => {
      const { org, api, t } = await setup();
      const m = await createMachine(api, t);
      const user = await createUser(api, org.slug);
      for (const res of [
        await user.api.get(`${t}/machines`),
        await user.api.get(`${t}/machines/${m.id}`),
        await user.api.post(`${t}/machines`, { name: "Mine", slots: 1 }),
        await user.api.patch(`${t}/machines/${m.id}`, { slots: 9 }),
        await user.api.post(`${t}/machines/${m.id}/key`),
        await user.api.delete(`${t}/machines/${m.id}`),
      ]) {
        expectProblem(res, 403, "forbidden");
      }
      const anonymous = api.withToken("");
      expectProblem(await anonymous.get(`${t}/machines`), 401, "authentication-required");
      expect(await listMachines(api, t)).toEqual([withoutKey(m)]);
      expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
    });

    it("lets a Tenant Viewer list and read machines but not create, edit, regenerate or delete", async () => {
      const { org, api, t } = await setup();
      const m = await createMachine(api, t);
      const user = await createUser(api, org.slug);
      const roles = await api.get(`${t}/roles`);
      expect(roles.status, roles.text).toBe(200);
      const viewer = (roles.body.items as { id: number; name: string }[]).find((r) => r.name === "Tenant Viewer");
      expect(viewer).toBeDefined();
      const assigned = await api.put(`${t}/role-assignments/${user.id}`, { roleIds: [viewer?.id] });
      expect(assigned.status, assigned.text).toBe(204);

      const list = await user.api.get(`${t}/machines`);
      expect(list.status, list.text).toBe(200);
      expect(list.body).toEqual({ items: [withoutKey(m)] });
      const one = await user.api.get(`${t}/machines/${m.id}`);
      expect(one.status, one.text).toBe(200);
      expect(one.body).toEqual(withoutKey(m));
      for (const text of [list.text, one.text]) expect(text).not.toContain(m.key);

      expectProblem(await user.api.post(`${t}/machines`, { name: "Mine", slots: 1 }), 403, "forbidden");
      expectProblem(await user.api.patch(`${t}/machines/${m.id}`, { slots: 9 }), 403, "forbidden");
      expectProblem(await user.api.post(`${t}/machines/${m.id}/key`), 403, "forbidden");
      expectProblem(await user.api.delete(`${t}/machines/${m.id}`), 403, "forbidden");
      expect(await listMachines(api, t)).toEqual([withoutKey(m)]);
      expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
    });

    it("hides another tenant's and another organization's machines (404) and changes nothing", async () => {
      const { org, api, t } = await setup();
      const m = await createMachine(api, t, { slots: 2 });
      const t2 = tenantPath(org, await secondTenant(org));
      // Same organization, another tenant: the id is not found there.
      expect(await listMachines(api, t2)).toEqual([]);
      for (const res of [
        await api.get(`${t2}/machines/${m.id}`),
        await api.patch(`${t2}/machines/${m.id}`, { slots: 9 }),
        await api.post(`${t2}/machines/${m.id}/key`),
        await api.delete(`${t2}/machines/${m.id}`),
      ]) {
        expectProblem(res, 404, "not-found");
      }
      // Another organization's administrator: neither the organization nor the machine exist for them.
      const other = await createOrg(host);
      for (const res of [
        await other.admin.api.get(`${t}/machines`),
        await other.admin.api.get(`${t}/machines/${m.id}`),
        await other.admin.api.post(`${t}/machines`, { name: "Intruder", slots: 1 }),
        await other.admin.api.patch(`${t}/machines/${m.id}`, { slots: 9 }),
        await other.admin.api.post(`${t}/machines/${m.id}/key`),
        await other.admin.api.delete(`${t}/machines/${m.id}`),
        // Their own tenant path with this machine's id.
        await other.admin.api.get(`${tenantPath(other)}/machines/${m.id}`),
        await other.admin.api.delete(`${tenantPath(other)}/machines/${m.id}`),
      ]) {
        expectProblem(res, 404, "not-found");
      }
      expect(await listMachines(api, t)).toEqual([withoutKey(m)]);
      expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
    });
  });
});
