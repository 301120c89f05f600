import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, type ApiResponse, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, newPassword, type TestOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Sortable, searchable lists with totals (issue #12, "tables"): `?sort=` (a whitelisted column,
 * `-` for descending), `?q=` and `total`, paged by a cursor that continues exactly after the last
 * row even where many rows share the sort value; bad values are a 400 naming the field.
 */
describe.each(testDatabases())("sorted lists on %s", (database) => {
  let server: TestServer;
  let host: Api;
  let org: TestOrg;
  let t: string;

  beforeAll(async () => {
    // No dispatcher: the jobs stay pending.
    server = await startTestServer({ database, env: { DIRIGENT_SERVICES: "mail" } });
    host = await adminApi(server);
    org = await createOrg(host);
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function walk(api: Api, path: string, limit: number) {
    const seen: { id: number; [k: string]: unknown }[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const sep = path.includes("?") ? "&" : "?";
      const res: ApiResponse<{ items: { id: number }[]; nextCursor: string | null }> = await api.get(
        `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(res.status, res.text).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    return seen;
  }

  it("sorts, searches and counts jobs, paging through equal values without gaps or repeats", async () => {
    const api = org.admin.api;
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    const folderId = folder.body.id as number;
    const processIds: number[] = [];
    for (const name of ["alpha", "beta"]) {
      const pkg = await uploadPackage(api, t, await tgz(packageFiles(manifest({ name, version: "1.0.0" }))));
      expect(pkg.status, pkg.text).toBe(201);
      const p = await api.post(`${t}/folders/${folderId}/processes`, { name: `${name}-process`, packageName: name });
      expect(p.status, p.text).toBe(201);
      processIds.push(p.body.id);
    }
    const created: number[] = [];
    for (const [i, priority] of [10, 50, 10, 90, 50, 10, 50].entries()) {
      const res = await api.post(`${t}/folders/${folderId}/jobs`, {
        processId: processIds[i % 2],
        priority,
      });
      expect(res.status, res.text).toBe(201);
      created.push(res.body.items[0].id);
    }

    const byPriority = await walk(api, `${t}/jobs?sort=-priority`, 2);
    expect(byPriority.map((j) => j.id).sort()).toEqual([...created].sort());
    const expected = byPriority
      .slice()
      .sort((a, b) => (b.priority as number) - (a.priority as number) || b.id - a.id)
      .map((j) => j.id);
    expect(byPriority.map((j) => j.id)).toEqual(expected);
    const ascending = await walk(api, `${t}/jobs?sort=priority`, 3);
    expect(ascending.map((j) => j.priority)).toEqual([10, 10, 10, 50, 50, 50, 90]);

    const search = await api.get(`${t}/jobs?q=BETA&total=true&limit=1`);
    expect(search.status, search.text).toBe(200);
    expect(search.body.total).toBe(3);
    expect(search.body.items[0].processName).toBe("beta-process");
    const byId = await api.get(`${t}/jobs?q=%23${created[0]}&total=true`);
    expect(byId.body.total).toBe(1);
    expect(byId.body.items[0].id).toBe(created[0]);
    // Without `total`, the contract's answer is unchanged.
    expect((await api.get(`${t}/jobs`)).body.total).toBeUndefined();
  });

  it("sorts, searches and counts the organization's users", async () => {
    const api = org.admin.api;
    for (const name of ["Zoe Zimmer", "Anna Adler", "Max Meyer"]) {
      const res = await api.post(`/orgs/${org.slug}/users`, {
        email: `${unique(name.split(" ")[0]?.toLowerCase() ?? "u")}@example.com`,
        name,
        password: newPassword(),
      });
      expect(res.status, res.text).toBe(201);
    }
    const names = (await walk(api, `/orgs/${org.slug}/users?sort=name`, 1)).map((u) => u.name);
    expect(names.filter((n) => ["Zoe Zimmer", "Anna Adler", "Max Meyer"].includes(n as string))).toEqual([
      "Anna Adler",
      "Max Meyer",
      "Zoe Zimmer",
    ]);
    const search = await api.get(`/orgs/${org.slug}/users?q=meyer`);
    expect(search.body).toMatchObject({ total: 1, items: [{ name: "Max Meyer" }] });
    const all = await api.get(`/orgs/${org.slug}/users?limit=1`);
    expect(all.body.total).toBe(4);
    expect(all.body.nextCursor).toMatch(/^\d+$/);
  });

  const paths = (res: Awaited<ReturnType<Api["get"]>>, status: number) =>
    (expectProblem(res, status, "validation-failed").errors as { path: string }[]).map((e) => e.path);

  it("refuses an unknown sort field, a bad flag and a forged cursor with a 400 naming each", async () => {
    const api = org.admin.api;
    const bad = await api.get(`${t}/jobs?sort=password&total=yes`);
    expect(paths(bad, 400).sort()).toEqual(["sort", "total"]);
    const users = await api.get(`/orgs/${org.slug}/users?sort=-password_hash`);
    expect(paths(users, 400)).toEqual(["sort"]);
    const forged = await api.get(`${t}/jobs?sort=priority&cursor=not-a-cursor`);
    expect(paths(forged, 400)).toEqual(["cursor"]);
    // A well-formed cursor whose value does not fit the column (text for the numeric priority).
    const mismatched = Buffer.from(JSON.stringify(["high", 5])).toString("base64url");
    const wrongType = await api.get(`${t}/jobs?sort=priority&cursor=${mismatched}`);
    expect(paths(wrongType, 400)).toEqual(["cursor"]);
    const forgedUsers = await api.get(`/orgs/${org.slug}/users?sort=name&cursor=${"x".repeat(201)}`);
    expect(paths(forgedUsers, 400)).toEqual(["cursor"]);
    // Well-formed cursors with what PostgreSQL refuses to compare: an id or value beyond 32 bits, NUL in text.
    for (const [sort, value] of [
      ["priority", 5],
      ["priority", 2 ** 40],
      ["processName", "a\u0000b"],
    ] as const) {
      const id = value === 5 ? 2 ** 40 : 5;
      const cursor = Buffer.from(JSON.stringify([value, id])).toString("base64url");
      const res = await api.get(`${t}/jobs?sort=${sort}&cursor=${cursor}`);
      expect(paths(res, 400), `${sort} ${value} ${id}`).toEqual(["cursor"]);
    }
  });
});
