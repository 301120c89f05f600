import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMasterKey } from "../../src/platform/master-key.js";
import { BucketLinks } from "../../src/services/buckets/bucket-links.js";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { generated, getFile, hashBody, putFile, rawApi } from "../helpers/buckets.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { runningJob } from "../helpers/job-token.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** A raw answer shaped like the API client's, for expectProblem. */
const asResponse = (r: Awaited<ReturnType<typeof rawApi>>) => ({
  ...r,
  headers: new Headers(Object.entries(r.headers).map(([k, v]) => [k, String(v)])),
});
const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
const MiB = 1024 * 1024;

describe.each(testDatabases())("storage buckets on %s", (database) => {
  let server: TestServer;
  let host: Api;

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function setup(bucket: Record<string, unknown> = {}) {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = tenantPath(org);
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    expect(folder.status, folder.text).toBe(201);
    const created = await api.post(`${t}/folders/${folder.body.id}/buckets`, { name: unique("B"), ...bucket });
    expect(created.status, created.text).toBe(201);
    const b = `${t}/buckets/${created.body.id}`;
    return { org, api, t, folderId: folder.body.id as number, bucket: created.body, b };
  }

  /** Every file path of a bucket (all pages). */
  async function paths(api: Api, b: string, prefix = ""): Promise<string[]> {
    const res = await api.get(`${b}/files?prefix=${encodeURIComponent(prefix)}&limit=1000`);
    expect(res.status, res.text).toBe(200);
    return res.body.items.map((f: { path: string }) => f.path);
  }

  it("creates, lists, reads, edits and deletes buckets; names are unique per folder ignoring case", async () => {
    const { api, t, folderId, bucket, b } = await setup({ description: "Invoices" });
    expect(bucket).toEqual({
      id: expect.any(Number),
      key: expect.stringMatching(/^[0-9a-f-]{36}$/),
      folderId,
      name: expect.any(String),
      description: "Invoices",
      provider: "local",
      readOnly: false,
      s3: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await api.get(`${t}/folders/${folderId}/buckets`)).body.items).toEqual([bucket]);
    expect((await api.get(b)).body).toEqual(bucket);
    expectProblem(
      await api.post(`${t}/folders/${folderId}/buckets`, { name: bucket.name.toUpperCase() }),
      409,
      "already-exists",
    );
    const edited = await api.patch(b, { description: null, readOnly: true });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body).toMatchObject({ description: null, readOnly: true });
    expect((await api.delete(b)).status).toBe(204);
    expectProblem(await api.get(b), 404, "not-found");
  });

  it("uploads, lists, describes, downloads and deletes files", async () => {
    const { api, b } = await setup();
    const up = await putFile(api, `${b}/files/reports/2026/jan.csv`, "a,b\n1,2\n", { "content-type": "text/csv" });
    expect(up.status, up.text).toBe(201);
    expect(up.body).toEqual({
      path: "reports/2026/jan.csv",
      size: 8,
      modifiedAt: expect.any(String),
      contentType: "text/csv; charset=utf-8",
    });
    expect((await putFile(api, `${b}/files/reports/feb.csv`, "x")).status).toBe(201);
    expect((await putFile(api, `${b}/files/readme.txt`, "hello")).status).toBe(201);
    // A file name with spaces and non-ASCII characters, percent-encoded in the URL.
    expect((await putFile(api, `${b}/files/${encodeURIComponent("Übersicht 1.txt")}`, "ü")).status).toBe(201);

    expect(await paths(api, b)).toEqual(["readme.txt", "reports/2026/jan.csv", "reports/feb.csv", "Übersicht 1.txt"]);
    expect(await paths(api, b, "reports/")).toEqual(["reports/2026/jan.csv", "reports/feb.csv"]);
    const level = await api.get(`${b}/files?prefix=reports/&recursive=false`);
    expect(level.body).toMatchObject({ directories: ["reports/2026/"], nextCursor: null });
    expect(level.body.items.map((f: { path: string }) => f.path)).toEqual(["reports/feb.csv"]);
    // Paging: one entry per page until the cursor runs out.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { path: string }[]; nextCursor: string | null } } = await api.get(
        `${b}/files?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      seen.push(...page.body.items.map((f) => f.path));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["readme.txt", "reports/2026/jan.csv", "reports/feb.csv", "Übersicht 1.txt"]);

    const meta = await api.get(`${b}/metadata?path=readme.txt`);
    expect(meta.body).toMatchObject({ path: "readme.txt", size: 5, contentType: "text/plain; charset=utf-8" });
    const down = await getFile(api, `${b}/files/readme.txt`);
    expect(down.status).toBe(200);
    expect(down.headers.get("content-length")).toBe("5");
    expect(down.headers.get("accept-ranges")).toBe("bytes");
    expect(down.headers.get("content-disposition")).toContain("attachment");
    expect(await down.text()).toBe("hello");

    expect((await api.delete(`${b}/files/reports/2026/jan.csv`)).status).toBe(204);
    expectProblem(await api.delete(`${b}/files/reports/2026/jan.csv`), 404, "not-found");
    expectProblem(await api.get(`${b}/metadata?path=nope.txt`), 404, "not-found");
    expect(await paths(api, b)).toEqual(["readme.txt", "reports/feb.csv", "Übersicht 1.txt"]);
  });

  it("refuses a file where a directory is, and the other way round, with 409", async () => {
    const { api, b } = await setup();
    expect((await putFile(api, `${b}/files/reports/jan.csv`, "x")).status).toBe(201);
    const overDir = await putFile(api, `${b}/files/reports`, "x");
    expect(overDir.status, overDir.text).toBe(409);
    const underFile = await putFile(api, `${b}/files/reports/jan.csv/inner.txt`, "x");
    expect(underFile.status, underFile.text).toBe(409);
    expectProblem(await api.get(`${b}/metadata?path=reports`), 404, "not-found");
    expect((await getFile(api, `${b}/files/reports/jan.csv/inner.txt`)).status).toBe(404);
    expectProblem(await api.delete(`${b}/files/reports`), 404, "not-found");
    expect(await paths(api, b)).toEqual(["reports/jan.csv"]);
  });

  it("answers Range requests with 206 and unsatisfiable ones with 416", async () => {
    const { api, b } = await setup();
    await putFile(api, `${b}/files/digits.txt`, "0123456789");
    const cases: [string, number, string, string | null][] = [
      ["bytes=2-5", 206, "2345", "bytes 2-5/10"],
      ["bytes=7-", 206, "789", "bytes 7-9/10"],
      ["bytes=-3", 206, "789", "bytes 7-9/10"],
      ["bytes=8-100", 206, "89", "bytes 8-9/10"],
      ["bytes=0-1,4-5", 200, "0123456789", null],
    ];
    for (const [range, status, body, contentRange] of cases) {
      const res = await getFile(api, `${b}/files/digits.txt`, { range });
      expect(res.status, range).toBe(status);
      expect(await res.text()).toBe(body);
      expect(res.headers.get("content-range")).toBe(contentRange);
    }
    const res = await getFile(api, `${b}/files/digits.txt`, { range: "bytes=10-" });
    expect(res.status).toBe(416);
    expect(((await res.json()) as { type: string }).type).toBe("range-not-satisfiable");
    expect((await getFile(api, `${b}/files/digits.txt`, { range: "lines=1-2" })).status).toBe(400);
  });

  it("streams a 50 MiB upload and download without holding the file in memory", async () => {
    const { api, b } = await setup();
    const size = 50 * MiB;
    const file = generated(size);
    let peak = 0;
    const base = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss - base);
    }, 20);
    try {
      const up = await putFile(api, `${b}/files/big/data.bin`, file.stream, {
        "content-type": "application/octet-stream",
      });
      expect(up.status, up.text).toBe(201);
      expect(up.body.size).toBe(size);
      const down = await getFile(api, `${b}/files/big/data.bin`);
      expect(down.status).toBe(200);
      expect(await hashBody(down)).toEqual({ size, sha256: await file.sha256 });
    } finally {
      clearInterval(sampler);
    }
    // Client and server share this process: buffering the file whole anywhere would add ≥ 50 MiB.
    expect(peak).toBeLessThan(40 * MiB);
    const ranged = await getFile(api, `${b}/files/big/data.bin`, { range: `bytes=${size - 10}-` });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(10);
  });

  it("refuses uploads past the tenant's cap with 413 and keeps nothing", async () => {
    const { api, t, b, bucket } = await setup();
    expect((await api.get(`${t}/settings/buckets`)).body).toEqual({ uploadMaxMiB: 1024 });
    expect((await api.put(`${t}/settings/buckets`, { uploadMaxMiB: 1 })).status).toBe(200);
    expectProblem(await api.put(`${t}/settings/buckets`, { uploadMaxMiB: 0 }), 400, "validation-failed");

    const exact = await putFile(api, `${b}/files/exact.bin`, generated(MiB).stream);
    expect(exact.status, exact.text).toBe(201);
    const over = await putFile(api, `${b}/files/over.bin`, generated(3 * MiB).stream);
    expect(over.status, over.text).toBe(413);
    expect(over.body.type).toBe("payload-too-large");
    // A body announced as too large (Content-Length) is refused the same way.
    const announced = await putFile(api, `${b}/files/announced.bin`, Buffer.alloc(2 * MiB));
    expect(announced.status, announced.text).toBe(413);
    // Multipart is capped the same way.
    const form = new FormData();
    form.append("file", new Blob([Buffer.alloc(MiB + 1)]), "form.bin");
    const multipart = await fetch(`${api.baseUrl}/api/v1${b}/files/form.bin`, {
      method: "PUT",
      headers: { authorization: `Bearer ${api.token}` },
      body: form,
    });
    expect(multipart.status).toBe(413);
    expect(await paths(api, b)).toEqual(["exact.bin"]);
    // No partial file is left in the data folder either.
    const tmp = path.join(server.dataDir, "buckets", ".tmp");
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
    expect(fs.readdirSync(path.join(server.dataDir, "buckets", bucket.key))).toEqual(["exact.bin"]);
  });

  it("uploads multipart form data (the UI's way)", async () => {
    const { api, b } = await setup();
    const form = new FormData();
    form.append("file", new Blob(["from a form"], { type: "text/plain" }), "note.txt");
    const res = await fetch(`${api.baseUrl}/api/v1${b}/files/forms/note.txt`, {
      method: "PUT",
      headers: { authorization: `Bearer ${api.token}` },
      body: form,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await (await getFile(api, `${b}/files/forms/note.txt`)).text()).toBe("from a form");
  });

  it("refuses traversal, absolute, NUL and backslash paths with 400 invalid-path", async () => {
    const { api, b, bucket } = await setup();
    const bad = [
      "%2e%2e/escape.txt",
      "a/%2e%2e/%2e%2e/escape.txt",
      "a/%2E/b.txt",
      "%2Fetc%2Fpasswd",
      "a%5C..%5Cb.txt",
      "C:%5Cwindows",
      "C:/x.txt",
      "a//b.txt",
      "line%0Abreak.txt",
    ];
    for (const p of bad) {
      const res = await putFile(api, `${b}/files/${p}`, "x");
      expect(res.status, `${p}: ${res.text}`).toBe(400);
      expect(res.body.type, p).toBe("invalid-path");
      expect(res.body.errors[0].path).toBe("path");
      for (const method of ["GET", "DELETE"]) {
        const other = await rawApi(api, method, `${b}/files/${p}`);
        expect(other.status, `${method} ${p}`).toBe(400);
        expect(other.body.type).toBe("invalid-path");
      }
    }
    expectProblem(await api.get(`${b}/files/`), 400, "invalid-path");
    expectProblem(await api.get(`${b}/files?prefix=..%2F`), 400, "invalid-path");
    // NUL is refused before routing reaches the buckets, by the API's input guard (it names the field).
    const nul = await putFile(api, `${b}/files/a%00b.txt`, "x");
    expect(nul.status, nul.text).toBe(400);
    expect(nul.body.type).toBe("validation-failed");
    expect(expectProblem(await api.get(`${b}/files?prefix=a%00`), 400, "validation-failed").errors?.[0]?.path).toBe(
      "prefix",
    );
    expectProblem(await api.get(`${b}/read-uri?path=..%2Fx`), 400, "invalid-path");
    expect(fs.existsSync(path.join(server.dataDir, "buckets", "escape.txt"))).toBe(false);
    expect(fs.existsSync(path.join(server.dataDir, "escape.txt"))).toBe(false);
    expect(fs.existsSync(path.join(server.dataDir, "buckets", bucket.key))).toBe(false);
  });

  it("takes paths up to 1,024 characters and refuses longer ones", async () => {
    const { api, b } = await setup();
    const long = `${"d".repeat(200)}/${"e".repeat(200)}/${"f".repeat(200)}/${"g".repeat(200)}/${"h".repeat(200)}.txt`;
    expect(long.length).toBeLessThanOrEqual(1024);
    const up = await putFile(api, `${b}/files/${long}`, "deep");
    expect(up.status, up.text).toBe(201);
    expect(await (await getFile(api, `${b}/files/${long}`)).text()).toBe("deep");
    const tooLong = `${long}/${"x".repeat(30)}`;
    const refused = await putFile(api, `${b}/files/${tooLong}`, "x");
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.type).toBe("invalid-path");
    // One name longer than a file system allows (255 bytes; "ü" is two).
    const longName = await putFile(api, `${b}/files/${encodeURIComponent("ü".repeat(128))}`, "x");
    expect(longName.status, longName.text).toBe(400);
    expect(longName.body.type).toBe("invalid-path");
  });

  it("validates every field with a 400 naming it", async () => {
    const { api, t, folderId, b } = await setup();
    const create = (body: unknown) => api.post(`${t}/folders/${folderId}/buckets`, body);
    const field = async (res: Awaited<ReturnType<Api["get"]>>, name: string) => {
      const problem = expectProblem(res, 400, "validation-failed");
      expect(problem.errors?.map((e) => e.path)).toContain(name);
    };
    await field(await create({ name: "a\u0000b" }), "name");
    await field(await create({ name: "a/b" }), "name");
    await field(await create({ name: "" }), "name");
    await field(await create({ name: "x".repeat(129) }), "name");
    await field(await create({ name: "ok", description: "nul\u0000" }), "description");
    await field(await create({ name: "ok", provider: "ftp" }), "provider");
    await field(await create({ name: "ok", extra: 1 }), "extra");
    await field(await create({ name: "ok", s3: { bucket: "bbb" } }), "s3");
    await field(await create({ name: "ok", provider: "s3", s3: { bucket: "b1b" } }), "s3.accessKeyId");
    await field(
      await create({ name: "ok", provider: "s3", s3: { endpoint: "ftp://x", bucket: "bb1" } }),
      "s3.endpoint",
    );
    await field(await api.patch(b, { provider: "s3" }), "provider");
    await field(await api.get(`${t}/buckets/2147483648`), "id");
    await field(await api.get(`${t}/buckets/abc`), "id");
    await field(await api.get(`${t}/folders/99999999999/buckets`), "folder");
    await field(await api.get(`${b}/files?limit=0`), "limit");
    await field(await api.get(`${b}/files?cursor=a%00`), "cursor");
    await field(await api.get(`${b}/read-uri?path=a&expiresInMinutes=0`), "expiresInMinutes");
    await field(await api.get(`${b}/read-uri?path=a&expiresInMinutes=100000`), "expiresInMinutes");
    await field(await api.get(`${b}/read-uri`), "path");
    expectProblem(await api.get(`${t}/buckets/2147483647`), 404, "not-found");
    expectProblem(await api.post(`${t}/folders/2147483647/buckets`, { name: "x" }), 404, "not-found");
  });

  it("signs links that work without a session: valid, expired and tampered", async () => {
    const { org, api, b, bucket } = await setup();
    await putFile(api, `${b}/files/docs/a%20b.txt`, "linked");
    const read = await api.get(`${b}/read-uri?path=${encodeURIComponent("docs/a b.txt")}&expiresInMinutes=5`);
    expect(read.status, read.text).toBe(200);
    expect(read.body).toEqual({
      uri: expect.stringContaining("/api/v1/bucket-links/"),
      verb: "GET",
      headers: {},
      expiresAt: expect.any(String),
    });
    const ok = await getFile(null, read.body.uri);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("linked");
    expect((await getFile(null, read.body.uri, { range: "bytes=0-1" })).status).toBe(206);

    const url = new URL(read.body.uri);
    const tamper = async (change: (u: URL) => void, type: string) => {
      const u = new URL(url);
      change(u);
      const res = await getFile(null, u.toString());
      expect(res.status, u.toString()).toBe(403);
      expect(((await res.json()) as { type: string }).type).toBe(type);
    };
    await tamper((u) => {
      // A different first character: the signature changes for sure (a fixed suffix may equal the real one).
      const signature = url.searchParams.get("signature") ?? "";
      u.searchParams.set("signature", `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`);
    }, "invalid-signature");
    await tamper(
      (u) => u.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600)),
      "invalid-signature",
    );
    await tamper((u) => {
      u.pathname = u.pathname.replace("a%20b.txt", "other.txt");
    }, "invalid-signature");
    // A GET link does not upload.
    const put = await putFile(api.withToken(""), read.body.uri, "overwrite");
    expect(put.status).toBe(403);
    // An expired link, signed with the server's own key as it would have been an hour ago.
    const links = new BucketLinks(loadMasterKey({ dataDir: server.dataDir }));
    const expired = links.sign(url.origin, bucket.key, "docs/a b.txt", "GET", new Date(Date.now() - 1000));
    await tamper((u) => {
      u.search = new URL(expired.uri).search;
    }, "link-expired");
    expect((await getFile(null, `${url.origin}/api/v1/bucket-links/${bucket.key}/docs/a%20b.txt`)).status).toBe(400);

    const write = await api.get(`${b}/write-uri?path=uploads/new.txt`);
    expect(write.body.verb).toBe("PUT");
    const written = await putFile(api.withToken(""), write.body.uri, "via link");
    expect(written.status, written.text).toBe(201);
    expect(await (await getFile(api, `${b}/files/uploads/new.txt`)).text()).toBe("via link");
    // The write link names one file: another path is refused.
    expect((await putFile(api.withToken(""), write.body.uri.replace("new.txt", "evil.txt"), "x")).status).toBe(403);
    const audit = await api.get(`/orgs/${org.slug}/audit-logs?component=Buckets`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body.items.map((r: { action: string }) => r.action)).toContain("Create Link");
  });

  it("stops signed links while the tenant is disabled or under maintenance", async () => {
    const { org, api, b } = await setup();
    await putFile(api, `${b}/files/a.txt`, "a");
    const link = (await api.get(`${b}/read-uri?path=a.txt`)).body.uri as string;
    const tenant = `/host/organizations/${org.slug}/tenants/${org.defaultTenantId}`;
    expect((await host.patch(tenant, { status: "disabled" })).status).toBe(200);
    let res = await getFile(null, link);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { type: string }).type).toBe("tenant-disabled");
    expect((await host.patch(tenant, { status: "active" })).status).toBe(200);
    expect(
      (await host.post("/host/maintenance/start", { phase: "draining", tenantId: org.defaultTenantId })).status,
    ).toBe(200);
    try {
      res = await getFile(null, link);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { type: string }).type).toBe("maintenance");
    } finally {
      expect((await host.post("/host/maintenance/end", { tenantId: org.defaultTenantId })).status).toBe(200);
    }
    expect(await (await getFile(null, link)).text()).toBe("a");
  });

  it("refuses writes to a read-only bucket with 409 bucket-read-only", async () => {
    const { api, b } = await setup();
    await putFile(api, `${b}/files/keep.txt`, "kept");
    expect((await api.patch(b, { readOnly: true })).status).toBe(200);
    const put = await putFile(api, `${b}/files/new.txt`, "x");
    expect(put.status).toBe(409);
    expect(put.body.type).toBe("bucket-read-only");
    expectProblem(await api.delete(`${b}/files/keep.txt`), 409, "bucket-read-only");
    expectProblem(await api.get(`${b}/write-uri?path=new.txt`), 409, "bucket-read-only");
    expect(await (await getFile(api, `${b}/files/keep.txt`)).text()).toBe("kept");
    expect(await paths(api, b)).toEqual(["keep.txt"]);
  });

  it("hides buckets from other organizations and from users without rights in the folder", async () => {
    const { org, api, t, b, folderId } = await setup();
    await putFile(api, `${b}/files/secret.txt`, "s");
    const other = await setup();
    const foreign = other.api;
    // The other org's admin names this org's tenant: 404 at the org level.
    expectProblem(await foreign.get(b), 404, "not-found");
    // Their own tenant path with this bucket's id: 404.
    const id = b.split("/").at(-1);
    expectProblem(await foreign.get(`${other.t}/buckets/${id}`), 404, "not-found");
    expectProblem(await foreign.get(`${other.t}/buckets/${id}/files`), 404, "not-found");
    expect((await getFile(foreign, `${other.t}/buckets/${id}/files/secret.txt`)).status).toBe(404);
    expect((await putFile(foreign, `${other.t}/buckets/${id}/files/x.txt`, "x")).status).toBe(404);
    expectProblem(await foreign.get(`${other.t}/folders/${folderId}/buckets`), 404, "not-found");
    // A member without any role in the folder sees nothing.
    const member = await createUser(api, org.slug);
    expectProblem(await member.api.get(b), 404, "not-found");
    expect((await getFile(member.api, `${b}/files/secret.txt`)).status).toBe(404);
    expect(t).toContain(org.slug);
  });

  it("lets a running job read and write buckets of its own folder by name, only while it runs", async () => {
    const { org, api, t, folderId, bucket, b } = await setup();
    const elsewhere = await setup();
    const job = await runningJob(api, t, folderId);
    try {
      const jobApi = api.withToken(job.token);
      const name = encodeURIComponent(bucket.name.toLowerCase());
      const put = await putFile(jobApi, `/job/buckets/${name}/files/out/result.json`, '{"ok":true}');
      expect(put.status, put.text).toBe(201);
      expect(put.body).toMatchObject({ path: "out/result.json", size: 11 });
      expect(await (await getFile(api, `${b}/files/out/result.json`)).text()).toBe('{"ok":true}');
      const read = await getFile(jobApi, `/job/buckets/${name}/files/out/result.json`);
      expect(read.status).toBe(200);
      expect(await read.text()).toBe('{"ok":true}');
      const list = await jobApi.get(`/job/buckets/${name}/files?prefix=out/`);
      expect(list.body.items.map((f: { path: string }) => f.path)).toEqual(["out/result.json"]);
      expect((await jobApi.delete(`/job/buckets/${name}/files/out/result.json`)).status).toBe(204);
      expectProblem(await jobApi.get(`/job/buckets/nope/files`), 404, "not-found");
      expectProblem(
        await rawApi(jobApi, "GET", `/job/buckets/${name}/files/%2e%2e/x`).then(asResponse),
        400,
        "invalid-path",
      );
      // A bucket of another folder (or organization) is not the job's.
      expectProblem(
        await jobApi.get(`/job/buckets/${encodeURIComponent(elsewhere.bucket.name)}/files`),
        404,
        "not-found",
      );
      // User routes do not take a job token.
      expectProblem(await jobApi.get(`${b}/files`), 401, "authentication-required");
      const audit = await api.get(`/orgs/${org.slug}/audit-logs?component=Buckets`);
      expect(audit.body.items.map((r: { actor: { name: string } }) => r.actor.name)).toContain(`job ${job.id}`);
      await job.finish();
      expectProblem(await jobApi.get(`/job/buckets/${name}/files`), 401, "authentication-required");
    } finally {
      job.socket.ws.terminate();
    }
  });
});
