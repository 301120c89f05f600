import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/http/odata/operations.js";
import { type Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { encodedPath } from "../helpers/odata.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** The compatibility layer on the wire: query options over real rows, error shapes, refused input, isolation. */
describe.each(testDatabases())("the OData compatibility API on the wire on %s", { timeout: 120_000 }, (database) => {
  let server: TestServer;
  let org: TestOrg;
  let other: TestOrg;
  let api: Api;
  let pat: string;
  let otherPat: string;
  let folderId: number;
  let otherFolderId: number;
  let queueId: number;
  let base: string;

  async function call(path: string, init: RequestInit & { token?: string | null } = {}) {
    const { token, ...rest } = init;
    const res = await fetch(`${server.url}${path}`, {
      ...rest,
      headers: {
        ...(token !== null && { authorization: `Bearer ${token ?? pat}` }),
        ...(rest.body !== undefined && { "content-type": "application/json" }),
        ...(rest.headers as Record<string, string>),
      },
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON.
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: the test says so
    }
    return { status: res.status, body, text, type: res.headers.get("content-type") ?? "" };
  }

  beforeAll(async () => {
    server = await startTestServer({ database });
    const host = await adminApi(server);
    org = await createOrg(host);
    other = await createOrg(host);
    api = org.admin.api;
    pat = (await api.post("/me/tokens", { name: "wire" })).body.token;
    otherPat = (await other.admin.api.post("/me/tokens", { name: "wire" })).body.token;
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    folderId = (await api.post(`${t}/folders`, { name: "Wire" })).body.id;
    const ot = `/orgs/${other.slug}/tenants/${other.defaultTenantId}`;
    otherFolderId = (await other.admin.api.post(`${ot}/folders`, { name: "Secret" })).body.id;
    const q = await api.post(`${t}/folders/${folderId}/queues`, { name: "Numbers" });
    queueId = q.body.id;
    const items = Array.from({ length: 12 }, (_, i) => ({
      specificContent: { n: i },
      reference: i === 3 ? "O'Brien" : `ref-${i}`,
      priority: i % 3 === 0 ? "high" : "normal",
    }));
    const bulk = await api.post(`${t}/queues/${queueId}/items/bulk`, { commitType: "allOrNothing", items });
    expect(bulk.body.added, bulk.text).toBe(12);
    base = `/${org.slug}/Default/orchestrator_`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const folder = () => ({ "X-UIPATH-OrganizationUnitId": String(folderId) });

  it("answers every $filter form over real rows, with the envelope and @odata.count", async () => {
    const cases: [string, number][] = [
      ["Status eq 'New'", 12],
      ["status eq 'new' and Priority eq 'High'", 4],
      ["Reference eq 'O''Brien'", 1],
      ["Reference in ('ref-1','ref-2','nope')", 2],
      ["Reference ne 'ref-1'", 11],
      ["contains(Reference,'ef-1')", 3],
      ["startswith(Reference,'O')", 1],
      ["endswith(Reference,'-11')", 1],
      [`QueueDefinitionId eq ${queueId} and (Priority eq 'High' or Reference eq 'ref-1')`, 5],
      ["not (Priority eq 'High')", 8],
      ["CreationTime gt 2000-01-01T00:00:00Z", 12],
      ["CreationTime lt 2000-01-01T00:00:00Z", 0],
      ["QueueDefinitionName eq 'numbers'", 0],
      ["QueueDefinitionName eq 'Numbers'", 12],
      ["DeferDate eq null", 12],
    ];
    for (const [filter, count] of cases) {
      // Form encoding (TS, PY) and %20 with raw quotes (OC).
      const forms = [
        new URLSearchParams({ $filter: filter, $count: "true", $top: "5" }).toString(),
        `%24filter=${encodeURIComponent(filter).replace(/%27/g, "'")}&$count=true&$top=5`,
      ];
      for (const qs of forms) {
        const res = await call(`${base}/odata/QueueItems?${qs}`, { headers: folder() });
        expect(res.status, `${filter}: ${res.text}`).toBe(200);
        expect(res.body["@odata.context"]).toMatch(/\/odata\/\$metadata#QueueItems$/);
        expect(res.body["@odata.count"], filter).toBe(count);
        expect(res.body.value.length, filter).toBe(Math.min(count, 5));
      }
    }
    const page = await call(`${base}/odata/QueueItems?$orderby=Id desc&$skip=2&$top=3&$select=Id,Reference`, {
      headers: folder(),
    });
    expect(page.body["@odata.count"]).toBeUndefined();
    expect(page.body.value.map((v: object) => Object.keys(v))).toEqual([
      ["Id", "Reference"],
      ["Id", "Reference"],
      ["Id", "Reference"],
    ]);
    expect(page.body.value.map((v: { Reference: string }) => v.Reference)).toEqual(["ref-9", "ref-8", "ref-7"]);
  });

  it("answers errors in the original's shape, 400/401/404/501 and never 500", async () => {
    const bad: [string, RequestInit & { token?: string | null }, number, RegExp][] = [
      [`${base}/odata/Jobs?$filter=State eq 'Successful`, {}, 400, /no closing quote/],
      [`${base}/odata/Jobs?$filter=frob(Name,'x')`, {}, 400, /Unknown function/],
      [`${base}/odata/Jobs?$filter=Nope eq 1`, {}, 400, /Unknown property "Nope"/],
      [`${base}/odata/Jobs?$filter=${"Id eq 1 or ".repeat(375)}Id eq 1`, {}, 400, /longer than 4000/],
      [`${base}/odata/Jobs?$top=5000`, {}, 400, /at most 1000/],
      [`${base}/odata/Jobs(abc)`, {}, 400, /not a valid id/],
      [`${base}/odata/Jobs(99999999999)`, {}, 400, /not a valid id/],
      [`${base}/odata/Jobs/UiPath.Server.Configuration.OData.GetByKey(identifier=not-a-guid)`, {}, 400, /not a GUID/],
      [
        `${base}/odata/Jobs/UiPath.Server.Configuration.OData.GetByKey(identifier=0b5e7d3c-1111-4222-8333-444455556666)`,
        {},
        404,
        /job was not found/,
      ],
      [`${base}/odata/Releases`, { headers: { "X-UIPATH-FolderKey": "nope" } }, 400, /FolderKey|not a GUID/],
      [`${base}/odata/Releases`, { headers: { "X-UIPATH-FolderPath-Encoded": "%%%" } }, 400, /UTF-16LE/],
      [`${base}/odata/Releases`, { headers: { "X-UIPATH-FolderPath-Encoded": "QQ==" } }, 400, /UTF-16LE/],
      [
        `${base}/odata/Releases`,
        { headers: { "X-UIPATH-FolderPath-Encoded": encodedPath("\uD800x") } },
        400,
        /UTF-16LE/,
      ],
      [`${base}/odata/Releases`, { headers: { "X-UIPATH-OrganizationUnitId": "12abc" } }, 400, /folder id/],
      [`${base}/odata/Releases`, { headers: { "X-UIPATH-OrganizationUnitId": "99999999999" } }, 400, /folder id/],
      [`${base}/odata/Releases`, { headers: { "X-UIPATH-FolderPath": "No/Such" } }, 404, /folder was not found/],
      [`${base}/odata/Assets/UiPath.Server.Configuration.OData.GetFiltered`, {}, 400, /needs a folder/],
      [
        `${base}/odata/Jobs/UiPath.Server.Configuration.OData.StartJobs`,
        { method: "POST", body: "{", headers: folder() },
        400,
        /not valid JSON/,
      ],
      [
        `${base}/odata/Jobs/UiPath.Server.Configuration.OData.StartJobs`,
        { method: "POST", body: JSON.stringify({ startInfo: { ReleaseName: "Nope" } }), headers: folder() },
        404,
        /release/,
      ],
      [
        `${base}/odata/Jobs/UiPath.Server.Configuration.OData.StartJobs`,
        {
          method: "POST",
          body: JSON.stringify({ startInfo: { ReleaseName: "X", InputArguments: "[1" } }),
          headers: folder(),
        },
        400,
        /InputArguments|release/,
      ],
      [
        `${base}/odata/Jobs/UiPath.Server.Configuration.OData.StopJobs`,
        { method: "POST", body: JSON.stringify({ jobIds: [2 ** 40], strategy: "Kill" }) },
        400,
        /job ids/,
      ],
      [
        `${base}/odata/Queues/UiPathODataSvc.AddQueueItem`,
        {
          method: "POST",
          body: JSON.stringify({ itemData: { Name: "Numbers", Priority: "Urgent" } }),
          headers: folder(),
        },
        400,
        /Priority/,
      ],
      [
        `${base}/odata/Queues/UiPathODataSvc.AddQueueItem`,
        {
          method: "POST",
          body: JSON.stringify({ itemData: { Name: "Numbers", Reference: "a\u0000b" } }),
          headers: folder(),
        },
        400,
        /.+/,
      ],
      [`${base}/odata/Jobs`, { token: null }, 401, /Bearer/],
      [`${base}/odata/Jobs`, { token: "dgp_not-a-token" }, 401, /invalid/],
      [`${base}/odata/Nonsense`, {}, 404, /operation GET \/odata\/Nonsense/],
      [`${base}/odata/RobotLogs`, {}, 501, /does not offer the original's operation GET \/odata\/RobotLogs/],
      [`${base}/odata/Jobs`, { method: "DELETE" }, 501, /DELETE \/odata\/Jobs/],
      ["/odata/Jobs", {}, 400, /X-UIPATH-TenantName/],
      [`/${org.slug}/NoTenant/orchestrator_/odata/Jobs`, {}, 404, /tenant/i],
      [`/${org.slug}/${"9".repeat(30)}/orchestrator_/odata/Jobs`, {}, 404, /tenant/i],
    ];
    for (const [path, init, status, message] of bad) {
      const res = await call(path, init);
      expect(res.status, `${path.slice(0, 150)} ${res.text}`).toBe(status);
      expect(res.type, path).toMatch(/^application\/json/);
      expect(typeof res.body.message, path).toBe("string");
      expect(res.body.message, path).toMatch(message);
      expect(typeof res.body.errorCode, path).toBe("number");
      expect(typeof res.body.traceId, path).toBe("string");
    }
    // Unknown paths below the prefixes are JSON, never the web UI's HTML.
    const html = await call(`${base}/whatever/deeper`);
    expect(html.status).toBe(404);
    expect(html.text).not.toContain("<!doctype");
    // Dirigent's own API keeps its problem+json 404.
    const own = await call("/api/v1/nonsense");
    expect([own.status, own.type]).toEqual([404, "application/problem+json; charset=utf-8"]);
  });

  it("never shows another organization's folders or data, whatever the headers say", async () => {
    // Another org's folder id, by header: not found, and not the same as a forbidden one.
    for (const headers of [
      { "X-UIPATH-OrganizationUnitId": String(otherFolderId) } as Record<string, string>,
      { "X-UIPATH-FolderPath": "Secret" },
      { "X-UIPATH-FolderPath-Encoded": encodedPath("Secret") },
    ]) {
      const res = await call(`${base}/odata/Releases`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(404);
    }
    // Another org's tenant in the path, or by header at the root.
    expect((await call(`/${other.slug}/Default/orchestrator_/odata/Folders`)).status).toBe(404);
    expect((await call("/odata/Folders", { headers: { "X-UIPATH-TenantName": `${other.slug}/Default` } })).status).toBe(
      404,
    );
    const mine = await call("/odata/Folders", { headers: { "X-UIPATH-TenantName": "Default" } });
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.value.map((f: { DisplayName: string }) => f.DisplayName)).toEqual(["Wire"]);
    // The other org sees none of ours.
    const theirs = await call(`/${other.slug}/Default/orchestrator_/odata/QueueItems?$count=true`, { token: otherPat });
    expect(theirs.body["@odata.count"]).toBe(0);
    expect(
      (await call(`/${other.slug}/Default/orchestrator_/odata/QueueDefinitions(${queueId})`, { token: otherPat }))
        .status,
    ).toBe(404);
    // A user without folder roles in our org sees no folders and no items.
    const member = await createUser(api, org.slug);
    const memberPat = (await member.api.post("/me/tokens", { name: "m" })).body.token;
    const folders = await call(`${base}/odata/Folders`, { token: memberPat });
    expect(folders.body.value).toEqual([]);
    expect((await call(`${base}/odata/QueueItems?$count=true`, { token: memberPat })).body["@odata.count"]).toBe(0);
    expect((await call(`${base}/odata/Releases`, { token: memberPat, headers: folder() })).status).toBe(404);
  });

  it("mints tenant tokens with Authenticate, refusing wrong credentials in the original's shape", async () => {
    const ok = await call(`${base}/api/Account/Authenticate`, {
      token: null,
      method: "POST",
      body: JSON.stringify({
        tenancyName: "default",
        usernameOrEmailAddress: org.admin.email,
        password: org.admin.password,
      }),
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ success: true, error: null, __abp: true });
    // That token carries its tenant: the root form needs no tenant header.
    const root = await call("/odata/Folders", { token: ok.body.result });
    expect(root.status, root.text).toBe(200);
    for (const body of [
      { TenancyName: "Default", UsernameOrEmailAddress: org.admin.email, Password: "wrong" },
      { TenancyName: "Other", UsernameOrEmailAddress: org.admin.email, Password: org.admin.password },
      { UsernameOrEmailAddress: unique("nobody"), Password: "x" },
    ]) {
      const res = await call(`${base}/api/Account/Authenticate`, {
        token: null,
        method: "POST",
        body: JSON.stringify(body),
      });
      expect(res.status, res.text).toBe(400);
      expect(res.body).toMatchObject({ result: null, success: false, error: { code: 0 } });
    }
    const rootLogin = await call("/api/Account/Authenticate", {
      token: null,
      method: "POST",
      body: JSON.stringify({
        TenancyName: "Default",
        UsernameOrEmailAddress: org.admin.email,
        Password: org.admin.password,
      }),
    });
    expect(rootLogin.status).toBe(400);
    expect(rootLogin.body.error.message).toMatch(/\{organization\}\/\{tenant\}/);
  });

  it("lists every operation in docs/compatibility.md, and the docs name no other", () => {
    const docs = fs.readFileSync(new URL("../../docs/compatibility.md", import.meta.url), "utf8");
    const documented = [...docs.matchAll(/^\| `((?:GET|POST|PUT|PATCH|DELETE) [^`]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(operations.map((o) => o.name).sort());
  });
});
