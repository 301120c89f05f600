import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import {
  download,
  examplesDir,
  manifest,
  packageFiles,
  packExample,
  packWithCli,
  rawTgz,
  tgz,
  uploadPackage,
  writeFiles,
  zip,
} from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

/** A package whose entry point takes `{name, times?}` (the hello-world example's schema). */
const greetSchema = {
  type: "object",
  properties: {
    name: { type: "string", minLength: 1 },
    times: { type: "integer", minimum: 1, maximum: 100 },
    options: { type: "object", properties: { loud: { type: "boolean" } } },
  },
  required: ["name"],
  additionalProperties: false,
};

describe.each(testDatabases())("packages and processes on %s", (database) => {
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

  async function upload(api: Api, t: string, content: Buffer, filename?: string) {
    const res = await uploadPackage(api, t, content, filename ? { filename } : {});
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  async function versionsOf(api: Api, t: string, name: string): Promise<string[]> {
    const res = await api.get(`${t}/packages`);
    expect(res.status, res.text).toBe(200);
    const pkg = (res.body.items as { name: string; versions: { version: string }[] }[]).find((p) => p.name === name);
    return pkg ? pkg.versions.map((v) => v.version) : [];
  }

  /** Uploads an archive that must be refused with 400 invalid-package; returns the problem. */
  async function refused(api: Api, t: string, content: Buffer, filename = "bad.tgz") {
    const before = (await api.get(`${t}/packages`)).body.items;
    const problem = expectProblem(await uploadPackage(api, t, content, { filename }), 400, "invalid-package");
    expect(problem.title).toBe("Invalid package");
    // Nothing was stored.
    expect((await api.get(`${t}/packages`)).body.items).toEqual(before);
    return problem;
  }

  describe("upload", () => {
    it("accepts a .tgz and answers 201 with the version's details", async () => {
      const { org, api, t } = await setup();
      const m = manifest({
        name: "invoice-bot",
        version: "1.2.3",
        description: "Books invoices",
        entryPoints: [
          { name: "main", command: ["node", "main.js"], inputSchema: greetSchema, outputSchema: { type: "object" } },
          { name: "cleanup", command: ["node", "cleanup.js", "--all"] },
        ],
      });
      const content = await tgz(packageFiles(m, { "cleanup.js": "", "lib/util.js": "export {};" }));
      const res = await uploadPackage(api, t, content, { filename: "invoice-bot.tgz" });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        name: "invoice-bot",
        version: "1.2.3",
        description: "Books invoices",
        entryPoints: m.entryPoints,
        format: "tgz",
        size: content.length,
        sha256: sha256(content),
        uploadedBy: org.admin.email,
        createdAt: isoTime,
      });
      const one = await api.get(`${t}/packages/invoice-bot/1.2.3`);
      expect(one.status, one.text).toBe(200);
      expect(one.body).toEqual(res.body);
      // Names are matched without regard to case.
      expect((await api.get(`${t}/packages/INVOICE-BOT/1.2.3`)).body).toEqual(res.body);
    });

    it.each([
      ["stored", false],
      ["deflated", true],
    ])("accepts a .zip with %s members", async (_how, deflate) => {
      const { api, t } = await setup();
      const m = manifest({ name: "zipped", version: "0.1.0" });
      const content = zip(
        [
          { path: "lib", type: "directory" },
          { path: "lib/util.js", content: "export const x = 1;\n".repeat(50) },
          { path: "dirigent.json", content: JSON.stringify(m) },
          { path: "main.js", content: "console.log(1)" },
        ],
        { deflate },
      );
      const body = await upload(api, t, content, "zipped.zip");
      expect(body).toMatchObject({
        name: "zipped",
        version: "0.1.0",
        description: null,
        format: "zip",
        size: content.length,
        sha256: sha256(content),
        entryPoints: m.entryPoints,
      });
    });

    it("tells .zip and .tgz apart by content, not by the file name", async () => {
      const { api, t } = await setup();
      const asZip = zip(packageFiles(manifest({ name: "named-wrong", version: "1.0.0" })));
      expect((await upload(api, t, asZip, "named-wrong.tgz")).format).toBe("zip");
      const asTgz = await tgz(packageFiles(manifest({ name: "named-wrong", version: "2.0.0" })));
      expect((await upload(api, t, asTgz, "named-wrong.zip")).format).toBe("tgz");
    });

    it("accepts dirigent.json written as ./dirigent.json", async () => {
      const { api, t } = await setup();
      const content = rawTgz([
        { path: "./", type: "directory" },
        { path: "./dirigent.json", content: JSON.stringify(manifest({ name: "dotted" })) },
        { path: "./main.js", content: "" },
      ]);
      expect(await upload(api, t, content)).toMatchObject({ name: "dotted", version: "1.0.0" });
    });

    it("accepts the examples packed with `dirigent pack`", { timeout: 120_000 }, async () => {
      const { api, t } = await setup();
      for (const name of ["hello-world", "sdk-demo"]) {
        const content = await packExample(name);
        const expected = JSON.parse(fs.readFileSync(path.join(examplesDir, name, "dirigent.json"), "utf8"));
        const body = await upload(api, t, content, `${name}.tgz`);
        expect(body).toMatchObject({
          name: expected.name,
          version: expected.version,
          description: expected.description,
          entryPoints: expected.entryPoints,
          format: "tgz",
        });
      }
    });

    it("refuses a second upload of the same name and version (409), whatever the name's case", async () => {
      const { api, t } = await setup();
      const first = await tgz(packageFiles(manifest({ name: "dup", version: "1.0.0" })));
      const stored = await upload(api, t, first);
      for (const name of ["dup", "DUP"]) {
        const again = await tgz(packageFiles(manifest({ name, version: "1.0.0", description: "changed" })));
        const problem = expectProblem(await uploadPackage(api, t, again), 409, "already-exists");
        expect(problem.detail).toBe(`Version 1.0.0 of ${name} already exists; raise the version.`);
        expect(problem.errors).toEqual([{ path: "version", message: "already exists for this package" }]);
      }
      // The stored version is untouched, and a new version is fine.
      expect((await api.get(`${t}/packages/dup/1.0.0`)).body).toEqual(stored);
      await upload(api, t, await tgz(packageFiles(manifest({ name: "dup", version: "1.0.1" }))));
      expect(await versionsOf(api, t, "dup")).toEqual(["1.0.1", "1.0.0"]);
    });

    it("lets two tenants have the same name and version", async () => {
      const a = await setup();
      const b = await setup();
      const content = await tgz(packageFiles(manifest({ name: "shared", version: "1.0.0" })));
      await upload(a.api, a.t, content);
      await upload(b.api, b.t, content);
    });
  });

  describe("refused archives", () => {
    it("names every invalid field of dirigent.json under `dirigent.json.`", async () => {
      const { api, t } = await setup();
      const bad = {
        name: "bad name",
        version: "1.0",
        entryPoints: [
          { name: "ok", command: ["node", "a.js"] },
          { name: "", command: [] },
        ],
        extra: true,
      };
      for (const content of [await tgz(packageFiles(bad)), zip(packageFiles(bad))]) {
        const problem = await refused(api, t, content);
        expect(problem.detail).toBe("dirigent.json is invalid.");
        const paths = new Set(problem.errors?.map((e) => e.path));
        expect(paths).toEqual(
          new Set([
            "dirigent.json",
            "dirigent.json.name",
            "dirigent.json.version",
            "dirigent.json.entryPoints.1.name",
            "dirigent.json.entryPoints.1.command",
          ]),
        );
        expect(problem.errors).toContainEqual({
          path: "dirigent.json.version",
          message: "must be a semantic version such as 1.2.3",
        });
        expect(problem.errors?.find((e) => e.path === "dirigent.json")?.message).toContain("extra");
      }
    });

    it.each([["1.0"], ["v1.0.0"], ["1.0.0.0"], ["latest"]])("refuses the version %j (not semver)", async (version) => {
      const { api, t } = await setup();
      const problem = await refused(api, t, await tgz(packageFiles(manifest({ version }))));
      expect(problem.errors).toEqual([
        { path: "dirigent.json.version", message: "must be a semantic version such as 1.2.3" },
      ]);
    });

    it("refuses a package without entry points", async () => {
      const { api, t } = await setup();
      const problem = await refused(api, t, await tgz(packageFiles(manifest({ entryPoints: [] }))));
      expect(problem.errors).toEqual([
        { path: "dirigent.json.entryPoints", message: "must have at least one entry point" },
      ]);
      const missing = await refused(api, t, await tgz(packageFiles({ name: "x", version: "1.0.0" })));
      expect(missing.errors?.map((e) => e.path)).toEqual(["dirigent.json.entryPoints"]);
    });

    it("refuses an archive without dirigent.json at its root", async () => {
      const { api, t } = await setup();
      const reason = "The archive has no dirigent.json at its root.";
      expect((await refused(api, t, await tgz({ "main.js": "" }))).detail).toBe(reason);
      expect((await refused(api, t, zip({ "main.js": "" }))).detail).toBe(reason);
      const nested = { "pkg/dirigent.json": JSON.stringify(manifest()), "pkg/main.js": "" };
      expect((await refused(api, t, await tgz(nested))).detail).toBe(reason);
      expect((await refused(api, t, zip(nested))).detail).toBe(reason);
    });

    it("refuses a dirigent.json that is not JSON", async () => {
      const { api, t } = await setup();
      const problem = await refused(api, t, await tgz({ "dirigent.json": "{ name: pkg", "main.js": "" }));
      expect(problem.detail).toMatch(/^dirigent\.json is not valid JSON: /);
      const array = await refused(api, t, zip({ "dirigent.json": "[1, 2]" }));
      expect(array.detail).toBe("dirigent.json is invalid.");
      expect(array.errors?.map((e) => e.path)).toEqual(["dirigent.json"]);
    });

    const good = () => [
      { path: "dirigent.json", content: JSON.stringify(manifest()) },
      { path: "main.js", content: "" },
    ];

    it.each([
      ["../x", "a parent-folder path"],
      ["a/../../x", "a parent folder inside the path"],
      ["/etc/cron.d/evil", "an absolute path"],
    ])("refuses a .tgz member %j (%s), naming it", async (member) => {
      const { api, t } = await setup();
      const problem = await refused(api, t, rawTgz([...good(), { path: member, content: "boom" }]));
      expect(problem.detail).toBe(`The archive member "${member}" points outside the package.`);
    });

    it.each([
      ["../x", "a parent-folder path"],
      ["a/../../x", "a parent folder inside the path"],
      ["/etc/cron.d/evil", "an absolute path"],
      ["C:/Windows/evil", "a drive letter"],
    ])("refuses a .zip member %j (%s), naming it", async (member) => {
      const { api, t } = await setup();
      const problem = await refused(api, t, zip([...good(), { path: member, content: "boom" }]), "bad.zip");
      expect(problem.detail).toBe(`The archive member "${member}" points outside the package.`);
    });

    it("refuses symbolic and hard links in a .tgz, naming the member", async () => {
      const { api, t } = await setup();
      const symlink = await refused(
        api,
        t,
        rawTgz([...good(), { path: "passwd", type: "symlink", linkTarget: "/etc/passwd" }]),
      );
      expect(symlink.detail).toBe('The archive member "passwd" is a link; packages may not contain links.');
      const inside = await refused(api, t, rawTgz([...good(), { path: "lib", type: "symlink", linkTarget: "." }]));
      expect(inside.detail).toBe('The archive member "lib" is a link; packages may not contain links.');
      const hard = await refused(
        api,
        t,
        rawTgz([...good(), { path: "copy.js", type: "hardlink", linkTarget: "main.js" }]),
      );
      expect(hard.detail).toBe('The archive member "copy.js" is a link; packages may not contain links.');
    });

    it("refuses a symbolic link in a .zip, naming the member", async () => {
      const { api, t } = await setup();
      const problem = await refused(
        api,
        t,
        zip([...good(), { path: "secrets", type: "symlink", linkTarget: "/etc/shadow" }]),
        "bad.zip",
      );
      expect(problem.detail).toBe('The archive member "secrets" is a link; packages may not contain links.');
    });

    it("refuses special files in a .tgz", async () => {
      const { api, t } = await setup();
      const problem = await refused(api, t, rawTgz([...good(), { path: "pipe", type: "fifo" }]));
      expect(problem.detail).toBe('The archive member "pipe" is a FIFO; only files and folders are allowed.');
    });

    it("refuses a file that is not an archive, an empty file and damaged archives", async () => {
      const { api, t } = await setup();
      const notArchive = "The file is neither a .zip nor a .tgz archive.";
      expect((await refused(api, t, Buffer.from("just some text\n"))).detail).toBe(notArchive);
      expect((await refused(api, t, Buffer.from('{"name":"pkg"}'))).detail).toBe(notArchive);
      // An uncompressed tar is not a .tgz.
      const tarOnly = (await import("node:zlib")).gunzipSync(rawTgz(good()));
      expect((await refused(api, t, tarOnly)).detail).toBe(notArchive);
      expect((await refused(api, t, Buffer.alloc(0))).detail).toBe("The file is empty.");
      const cut = await tgz(packageFiles(manifest()));
      expect((await refused(api, t, cut.subarray(0, cut.length - 20))).detail).toMatch(
        /^The \.tgz archive is damaged: /,
      );
      const cutZip = zip(packageFiles(manifest()));
      expect((await refused(api, t, cutZip.subarray(0, cutZip.length - 10), "bad.zip")).detail).toMatch(
        /^The \.zip archive is damaged: /,
      );
    });

    it("refuses a package larger than 50 MiB with 413", async () => {
      const { api, t } = await setup();
      // A gzip signature followed by 50 MiB + 1 byte: refused for its size before anything reads it.
      const big = Buffer.alloc(50 * 1024 * 1024 + 1);
      big[0] = 0x1f;
      big[1] = 0x8b;
      const problem = expectProblem(await uploadPackage(api, t, big), 413, "payload-too-large");
      expect(problem.title).toBe("Payload too large");
      expect((await api.get(`${t}/packages`)).body.items).toEqual([]);
    });

    it("wants multipart/form-data with the field `file`", async () => {
      const { api, t } = await setup();
      const content = await tgz(packageFiles(manifest()));
      const json = await api.post(`${t}/packages`, { file: content.toString("base64") });
      expectProblem(json, 415, "unsupported-media-type");
      const raw = await fetch(`${api.baseUrl}/api/v1${t}/packages`, {
        method: "POST",
        headers: { authorization: `Bearer ${api.token}`, "content-type": "application/gzip" },
        body: content,
      });
      expect(raw.status).toBe(415);
      const wrongField = await uploadPackage(api, t, content, { field: "archive" });
      const problem = expectProblem(wrongField, 400, "validation-failed");
      expect(problem.errors).toEqual([{ path: "file", message: "is required" }]);
      expect((await api.get(`${t}/packages`)).body.items).toEqual([]);
    });
  });

  describe("list, download and delete", () => {
    it("lists packages by name with their versions newest first (semver order, not upload order)", async () => {
      const { api, t } = await setup();
      for (const version of ["1.0.0", "1.10.0", "1.2.0", "2.0.0-beta.1", "1.9.9", "2.0.0-alpha"]) {
        await upload(api, t, await tgz(packageFiles(manifest({ name: "multi", version, description: `v${version}` }))));
      }
      await upload(api, t, await tgz(packageFiles(manifest({ name: "another", version: "0.0.1" }))));
      const res = await api.get(`${t}/packages`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.items.map((p: { name: string }) => p.name)).toEqual(["another", "multi"]);
      const multi = res.body.items[1];
      expect(multi).toMatchObject({ name: "multi", latestVersion: "2.0.0-beta.1", description: "v2.0.0-beta.1" });
      expect(multi.versions.map((v: { version: string }) => v.version)).toEqual([
        "2.0.0-beta.1",
        "2.0.0-alpha",
        "1.10.0",
        "1.9.9",
        "1.2.0",
        "1.0.0",
      ]);
      // Another tenant sees none of them.
      const other = await setup();
      expect((await other.api.get(`${other.t}/packages`)).body.items).toEqual([]);
    });

    it("downloads exactly the uploaded bytes (.tgz and .zip)", async () => {
      const { api, t } = await setup();
      const tgzContent = await tgz(
        packageFiles(manifest({ name: "dl", version: "1.0.0" }), { "data.bin": Buffer.from([0, 1, 2, 255]) }),
      );
      const zipContent = zip(packageFiles(manifest({ name: "dl", version: "2.0.0" })), { deflate: true });
      await upload(api, t, tgzContent);
      await upload(api, t, zipContent);
      const a = await download(api, `${t}/packages/dl/1.0.0/download`);
      expect(a.status).toBe(200);
      expect(a.headers.get("content-type")).toBe("application/gzip");
      expect(a.headers.get("content-disposition")).toBe('attachment; filename="dl-1.0.0.tgz"');
      expect(a.body.equals(tgzContent)).toBe(true);
      const b = await download(api, `${t}/packages/dl/2.0.0/download`);
      expect(b.headers.get("content-type")).toBe("application/zip");
      expect(b.headers.get("content-disposition")).toBe('attachment; filename="dl-2.0.0.zip"');
      expect(b.body.equals(zipContent)).toBe(true);
      expectProblem(await api.get(`${t}/packages/dl/3.0.0/download`), 404, "not-found");
      expectProblem(await api.get(`${t}/packages/nope/1.0.0`), 404, "not-found");
      // Another organization's user cannot read it, nor its own tenant's path for the package.
      const other = await setup();
      expect((await download(other.api, `${t}/packages/dl/1.0.0/download`)).status).toBe(404);
      expect((await download(other.api, `${other.t}/packages/dl/1.0.0/download`)).status).toBe(404);
    });

    it("refuses to delete a version a process uses (pinned, or as the latest) and deletes it otherwise", async () => {
      const { api, t, folderId } = await setup();
      for (const version of ["1.0.0", "1.5.0", "2.0.0"])
        await upload(api, t, await tgz(packageFiles(manifest({ name: "used", version }))));
      const pinned = await api.post(`${t}/folders/${folderId}/processes`, {
        name: "Pinned",
        packageName: "used",
        packageVersion: "1.0.0",
      });
      expect(pinned.status, pinned.text).toBe(201);
      const latest = await api.post(`${t}/folders/${folderId}/processes`, { name: "Latest", packageName: "used" });
      expect(latest.status, latest.text).toBe(201);

      const inUse = expectProblem(await api.delete(`${t}/packages/used/1.0.0`), 409, "package-in-use");
      expect(inUse.detail).toBe('Version 1.0.0 is used by the process "Pinned".');
      const asLatest = expectProblem(await api.delete(`${t}/packages/used/2.0.0`), 409, "package-in-use");
      expect(asLatest.detail).toBe('Version 2.0.0 is used by the process "Latest".');
      expect(await versionsOf(api, t, "used")).toEqual(["2.0.0", "1.5.0", "1.0.0"]);

      // 1.5.0 is neither pinned nor the latest.
      expect((await api.delete(`${t}/packages/used/1.5.0`)).status).toBe(204);
      expectProblem(await api.get(`${t}/packages/used/1.5.0`), 404, "not-found");
      expectProblem(await api.delete(`${t}/packages/used/1.5.0`), 404, "not-found");

      // Both processes use 1.0.0 once it is pinned by one and the latest for the other.
      expect((await api.delete(`${t}/processes/${pinned.body.id}`)).status).toBe(204);
      expect((await api.delete(`${t}/packages/used/1.0.0`)).status).toBe(204);
      expect((await api.delete(`${t}/processes/${latest.body.id}`)).status).toBe(204);
      expect((await api.delete(`${t}/packages/used/2.0.0`)).status).toBe(204);
      // The package is gone once its last version is.
      expect(await versionsOf(api, t, "used")).toEqual([]);
    });

    it("treats a pinned process of another folder just the same", async () => {
      const { api, t } = await setup();
      await upload(api, t, await tgz(packageFiles(manifest({ name: "elsewhere", version: "1.0.0" }))));
      await upload(api, t, await tgz(packageFiles(manifest({ name: "elsewhere", version: "2.0.0" }))));
      const sub = await api.post(`${t}/folders`, { name: unique("Other") });
      const p = await api.post(`${t}/folders/${sub.body.id}/processes`, {
        name: "Old",
        packageName: "ELSEWHERE",
        packageVersion: "1.0.0",
      });
      expect(p.status, p.text).toBe(201);
      expectProblem(await api.delete(`${t}/packages/elsewhere/1.0.0`), 409, "package-in-use");
      // 2.0.0 is the latest, but no process follows the latest.
      expect((await api.delete(`${t}/packages/elsewhere/2.0.0`)).status).toBe(204);
      // Now 1.0.0 is the latest and still pinned.
      expectProblem(await api.delete(`${t}/packages/elsewhere/1.0.0`), 409, "package-in-use");
    });
  });

  describe("processes", () => {
    /** Two versions: 1.0.0 with entry point `main` needing {n}, 2.0.0 adding `report` and needing {name}. */
    async function twoVersions(api: Api, t: string, name = "versions") {
      await upload(
        api,
        t,
        await tgz(
          packageFiles(
            manifest({
              name,
              version: "1.0.0",
              entryPoints: [
                {
                  name: "main",
                  command: ["node", "main.js"],
                  inputSchema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
                },
              ],
            }),
          ),
        ),
      );
      await upload(
        api,
        t,
        await tgz(
          packageFiles(
            manifest({
              name,
              version: "2.0.0",
              entryPoints: [
                { name: "main", command: ["node", "main.js"], inputSchema: greetSchema },
                { name: "report", command: ["node", "report.js"] },
              ],
            }),
          ),
        ),
      );
    }

    it("creates a process on the latest version (packageVersion null) or a pinned one", async () => {
      const { api, t, folderId } = await setup();
      await twoVersions(api, t);
      const latest = await api.post(`${t}/folders/${folderId}/processes`, {
        name: "Greeter",
        description: "  Says hello  ",
        packageName: "versions",
        inputArguments: { name: "Ada" },
      });
      expect(latest.status, latest.text).toBe(201);
      expect(latest.body).toEqual({
        id: expect.any(Number),
        folderId,
        name: "Greeter",
        description: "Says hello",
        packageName: "versions",
        packageVersion: null,
        entryPoint: "main",
        inputArguments: { name: "Ada" },
        priority: 50,
        createdAt: isoTime,
        updatedAt: isoTime,
      });
      // The latest version (2.0.0) has the entry point `report`; 1.0.0 does not.
      const report = await api.post(`${t}/folders/${folderId}/processes`, {
        name: "Report",
        packageName: "versions",
        entryPoint: "report",
        priority: 90,
      });
      expect(report.status, report.text).toBe(201);
      expect(report.body).toMatchObject({ packageVersion: null, entryPoint: "report", priority: 90 });

      const pinned = await api.post(`${t}/folders/${folderId}/processes`, {
        name: "Counter",
        packageName: "versions",
        packageVersion: "1.0.0",
        inputArguments: { n: 3 },
      });
      expect(pinned.status, pinned.text).toBe(201);
      expect(pinned.body).toMatchObject({ packageVersion: "1.0.0", entryPoint: "main", inputArguments: { n: 3 } });
      // Pinned to 1.0.0, the arguments are checked against 1.0.0's schema.
      const wrongSchema = expectProblem(
        await api.post(`${t}/folders/${folderId}/processes`, {
          name: "Pinned greeter",
          packageName: "versions",
          packageVersion: "1.0.0",
          inputArguments: { name: "Ada" },
        }),
        400,
        "validation-failed",
      );
      expect(wrongSchema.errors).toEqual([{ path: "inputArguments.n", message: "is required" }]);

      const list = await api.get(`${t}/folders/${folderId}/processes`);
      expect(list.status, list.text).toBe(200);
      expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(["Counter", "Greeter", "Report"]);
      expect((await api.get(`${t}/processes/${pinned.body.id}`)).body).toEqual(pinned.body);
    });

    it("follows a new latest version: jobs of a latest process check the new version's schema", async () => {
      const { api, t, folderId } = await setup();
      await upload(
        api,
        t,
        await tgz(
          packageFiles(
            manifest({
              name: "moving",
              version: "1.0.0",
              entryPoints: [{ name: "main", command: ["node", "main.js"] }],
            }),
          ),
        ),
      );
      const p = await api.post(`${t}/folders/${folderId}/processes`, { name: "Moving", packageName: "moving" });
      const pinned = await api.post(`${t}/folders/${folderId}/processes`, {
        name: "Stays",
        packageName: "moving",
        packageVersion: "1.0.0",
      });
      expect((await api.post(`${t}/folders/${folderId}/jobs`, { processId: p.body.id })).status).toBe(201);
      await upload(
        api,
        t,
        await tgz(
          packageFiles(
            manifest({
              name: "moving",
              version: "1.1.0",
              entryPoints: [{ name: "main", command: ["node", "main.js"], inputSchema: greetSchema }],
            }),
          ),
        ),
      );
      const refusedJob = expectProblem(
        await api.post(`${t}/folders/${folderId}/jobs`, { processId: p.body.id }),
        400,
        "validation-failed",
      );
      expect(refusedJob.errors).toEqual([{ path: "inputArguments.name", message: "is required" }]);
      expect(
        (await api.post(`${t}/folders/${folderId}/jobs`, { processId: p.body.id, inputArguments: { name: "x" } }))
          .status,
      ).toBe(201);
      // The pinned process keeps 1.0.0, which takes any arguments.
      expect(
        (await api.post(`${t}/folders/${folderId}/jobs`, { processId: pinned.body.id, inputArguments: { any: 1 } }))
          .status,
      ).toBe(201);
    });

    it("refuses an unknown package, version or entry point, naming the field", async () => {
      const { api, t, folderId } = await setup();
      await twoVersions(api, t);
      const create = (body: Record<string, unknown>) => api.post(`${t}/folders/${folderId}/processes`, body);
      expect(expectProblem(await create({ name: "A", packageName: "nope" }), 400, "validation-failed").errors).toEqual([
        { path: "packageName", message: "no such package in this tenant" },
      ]);
      expect(
        expectProblem(
          await create({ name: "A", packageName: "versions", packageVersion: "3.0.0" }),
          400,
          "validation-failed",
        ).errors,
      ).toEqual([{ path: "packageVersion", message: "version 3.0.0 of versions does not exist" }]);
      expect(
        expectProblem(
          await create({ name: "A", packageName: "versions", entryPoint: "missing" }),
          400,
          "validation-failed",
        ).errors,
      ).toEqual([{ path: "entryPoint", message: "is not an entry point of versions 2.0.0 (main, report)" }]);
      expect(
        expectProblem(
          await create({ name: "A", packageName: "versions", packageVersion: "1.0.0", entryPoint: "report" }),
          400,
          "validation-failed",
        ).errors,
      ).toEqual([{ path: "entryPoint", message: "is not an entry point of versions 1.0.0 (main)" }]);
      // Another tenant's package is unknown here.
      const other = await setup();
      await twoVersions(other.api, other.t, "theirs");
      expect(
        expectProblem(await create({ name: "A", packageName: "theirs" }), 400, "validation-failed").errors,
      ).toEqual([{ path: "packageName", message: "no such package in this tenant" }]);
      expect((await api.get(`${t}/folders/${folderId}/processes`)).body.items).toEqual([]);
    });

    it("checks inputArguments against the entry point's inputSchema, naming each field", async () => {
      const { api, t, folderId } = await setup();
      await twoVersions(api, t);
      const create = (inputArguments: Record<string, unknown>) =>
        api.post(`${t}/folders/${folderId}/processes`, { name: unique("P"), packageName: "versions", inputArguments });
      const problem = expectProblem(
        await create({ times: 0, options: { loud: "yes" }, colour: "red" }),
        400,
        "validation-failed",
      );
      expect(new Set(problem.errors)).toEqual(
        new Set([
          { path: "inputArguments.name", message: "is required" },
          { path: "inputArguments.times", message: "must be >= 1" },
          { path: "inputArguments.options.loud", message: "must be boolean" },
          { path: "inputArguments.colour", message: "is not a known field" },
        ]),
      );
      const wrongType = expectProblem(await create({ name: 5, times: 1.5 }), 400, "validation-failed");
      expect(wrongType.errors).toEqual([
        { path: "inputArguments.name", message: "must be string" },
        { path: "inputArguments.times", message: "must be integer" },
      ]);
      expect((await create({ name: "Ada", times: 2, options: { loud: true } })).status).toBe(201);
      // A process may leave out arguments only when the schema allows it: inputArguments default to {}.
      const none = await api.post(`${t}/folders/${folderId}/processes`, { name: "None", packageName: "versions" });
      expect(expectProblem(none, 400, "validation-failed").errors).toEqual([
        { path: "inputArguments.name", message: "is required" },
      ]);
    });

    it("refuses a second process of the same name in a folder (409), and allows it in another folder", async () => {
      const { api, t, folderId } = await setup();
      await twoVersions(api, t);
      const body = { name: "Twin", packageName: "versions", entryPoint: "report" };
      expect((await api.post(`${t}/folders/${folderId}/processes`, body)).status).toBe(201);
      for (const name of ["Twin", "TWIN", " Twin "]) {
        const problem = expectProblem(
          await api.post(`${t}/folders/${folderId}/processes`, { ...body, name }),
          409,
          "already-exists",
        );
        expect(problem.errors).toEqual([{ path: "name", message: "is already taken" }]);
      }
      const other = await api.post(`${t}/folders`, { name: unique("G") });
      expect((await api.post(`${t}/folders/${other.body.id}/processes`, body)).status).toBe(201);
      expect((await api.get(`${t}/folders/${folderId}/processes`)).body.items).toHaveLength(1);
    });

    it("validates the body: unknown fields, missing fields, wrong types, unknown folders", async () => {
      const { api, t, folderId } = await setup();
      await twoVersions(api, t);
      const post = (body: unknown) => api.post(`${t}/folders/${folderId}/processes`, body);
      expect(
        expectProblem(await post({ name: "A", packageName: "versions", bogus: 1 }), 400, "validation-failed").errors,
      ).toEqual([{ path: "bogus", message: "is not a known field" }]);
      expect(expectProblem(await post({}), 400, "validation-failed").errors).toEqual([
        { path: "name", message: "is required" },
        { path: "packageName", message: "is required" },
      ]);
      expect(
        expectProblem(
          await post({ name: "A", packageName: "versions", inputArguments: [1] }),
          400,
          "validation-failed",
        ).errors?.map((e) => e.path),
      ).toEqual(["inputArguments"]);
      expect(
        expectProblem(
          await post({ name: "A", packageName: "versions", priority: 0 }),
          400,
          "validation-failed",
        ).errors?.map((e) => e.path),
      ).toEqual(["priority"]);
      expectProblem(
        await api.post(`${t}/folders/999999/processes`, { name: "A", packageName: "versions" }),
        404,
        "not-found",
      );
      expectProblem(
        // "abc" is read as a folder path (issue #12, defect 14): no folder has it.
        await api.post(`${t}/folders/abc/processes`, { name: "A", packageName: "versions" }),
        404,
        "not-found",
      );
      expect((await api.get(`${t}/folders/${folderId}/processes`)).body.items).toEqual([]);
    });
  });

  describe("permissions", () => {
    async function roleId(api: Api, t: string, name: string): Promise<number> {
      const res = await api.get(`${t}/roles`);
      const role = (res.body.items as { id: number; name: string }[]).find((r) => r.name === name);
      expect(role, name).toBeDefined();
      return (role as { id: number }).id;
    }

    it("lets an Automation User of a folder start jobs there but not create processes; other folders stay hidden", async () => {
      const { org, api, t, folderId } = await setup();
      await upload(api, t, await tgz(packageFiles(manifest({ name: "perm", version: "1.0.0" }))));
      const process = await api.post(`${t}/folders/${folderId}/processes`, { name: "Mine", packageName: "perm" });
      const hidden = await api.post(`${t}/folders`, { name: unique("Hidden") });
      const secret = await api.post(`${t}/folders/${hidden.body.id}/processes`, {
        name: "Secret",
        packageName: "perm",
      });
      expect(secret.status, secret.text).toBe(201);

      const user = await createUser(api, org.slug);
      const assigned = await api.put(`${t}/folders/${folderId}/assignments/${user.id}`, {
        roleIds: [await roleId(api, t, "Automation User")],
      });
      expect(assigned.status, assigned.text).toBe(204);
      const u = user.api;

      // Sees and starts the folder's process.
      expect((await u.get(`${t}/folders/${folderId}/processes`)).body.items.map((p: { id: number }) => p.id)).toEqual([
        process.body.id,
      ]);
      expect((await u.get(`${t}/processes/${process.body.id}`)).status).toBe(200);
      const started = await u.post(`${t}/folders/${folderId}/jobs`, { processId: process.body.id });
      expect(started.status, started.text).toBe(201);
      expect(started.body.items).toEqual([{ ...started.body.items[0], state: "pending", createdBy: user.email }]);
      expect((await u.get(`${t}/jobs/${started.body.items[0].id}`)).status).toBe(200);
      expect((await u.post(`${t}/jobs/${started.body.items[0].id}/stop`, { mode: "stop" })).body.state).toBe("stopped");

      // Cannot create, edit or delete processes, nor upload or delete packages.
      expectProblem(
        await u.post(`${t}/folders/${folderId}/processes`, { name: "Nope", packageName: "perm" }),
        403,
        "forbidden",
      );
      expectProblem(await u.patch(`${t}/processes/${process.body.id}`, { priority: 99 }), 403, "forbidden");
      expectProblem(await u.delete(`${t}/processes/${process.body.id}`), 403, "forbidden");
      expectProblem(
        await uploadPackage(u, t, await tgz(packageFiles(manifest({ name: "perm", version: "9.0.0" })))),
        403,
        "forbidden",
      );
      expectProblem(await u.delete(`${t}/packages/perm/1.0.0`), 403, "forbidden");

      // Another folder's process does not exist for this user.
      expectProblem(await u.get(`${t}/processes/${secret.body.id}`), 404, "not-found");
      expect((await u.get(`${t}/processes`)).body.items.map((p: { id: number }) => p.id)).toEqual([process.body.id]);
      expectProblem(await u.get(`${t}/folders/${hidden.body.id}/processes`), 404, "not-found");
      expectProblem(
        await u.post(`${t}/folders/${hidden.body.id}/jobs`, { processId: secret.body.id }),
        404,
        "not-found",
      );
      // Nor can it be started through the user's own folder.
      const across = expectProblem(
        await u.post(`${t}/folders/${folderId}/jobs`, { processId: secret.body.id }),
        400,
        "validation-failed",
      );
      expect(across.errors).toEqual([{ path: "processId", message: "is not a process of this folder" }]);
      expect((await api.get(`${t}/jobs?folderId=${hidden.body.id}`)).body.items).toEqual([]);
    });

    it("answers 404 for another organization's packages and processes", async () => {
      const a = await setup();
      const b = await setup();
      await upload(a.api, a.t, await tgz(packageFiles(manifest({ name: "mine", version: "1.0.0" }))));
      const p = await a.api.post(`${a.t}/folders/${a.folderId}/processes`, { name: "Mine", packageName: "mine" });
      expectProblem(await b.api.get(`${a.t}/packages`), 404, "not-found");
      expectProblem(await uploadPackage(b.api, a.t, await tgz(packageFiles(manifest()))), 404, "not-found");
      expectProblem(await b.api.get(`${b.t}/processes/${p.body.id}`), 404, "not-found");
      expectProblem(await b.api.delete(`${b.t}/processes/${p.body.id}`), 404, "not-found");
      expectProblem(await b.api.delete(`${b.t}/packages/mine/1.0.0`), 404, "not-found");
      expectProblem(
        await b.api.post(`${b.t}/folders/${a.folderId}/processes`, { name: "X", packageName: "mine" }),
        404,
        "not-found",
      );
      expect((await a.api.get(`${a.t}/processes/${p.body.id}`)).status).toBe(200);
    });
  });
});

describe("dirigent pack", { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const out = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-pack-test-"));
    dirs.push(d);
    return path.join(d, "out.tgz");
  };

  it("packs a folder into a .tgz with every file but version-control folders", async () => {
    const dir = writeFiles({
      ...packageFiles(manifest({ name: "packed", version: "3.1.4" })),
      "lib/a.js": "a",
      ".git/HEAD": "ref",
    });
    dirs.push(dir);
    const file = out();
    const result = await packWithCli(dir, file);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Packed packed 3.1.4 (3 files) into ${file}\n`);
    const { list } = await import("tar");
    const names: string[] = [];
    await list({ file, onReadEntry: (e) => names.push(e.path) });
    expect(names).toEqual(["dirigent.json", "lib/a.js", "main.js"]);
  });

  it("refuses a folder with a link, without dirigent.json, or with an invalid one", async () => {
    const linked = writeFiles(packageFiles(manifest()));
    dirs.push(linked);
    fs.symlinkSync("/etc/passwd", path.join(linked, "passwd"));
    const a = await packWithCli(linked, out());
    expect(a.code).toBe(1);
    expect(a.stderr).toBe("passwd is a link; packages may not contain links.\n");

    const empty = writeFiles({ "main.js": "" });
    dirs.push(empty);
    const b = await packWithCli(empty, out());
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("a package needs dirigent.json at its root");

    const invalid = writeFiles(packageFiles(manifest({ version: "1.0", entryPoints: [] })));
    dirs.push(invalid);
    const c = await packWithCli(invalid, out());
    expect(c.code).toBe(1);
    expect(c.stderr).toBe(
      "dirigent.json is invalid:\n  - version: must be a semantic version such as 1.2.3\n  - entryPoints: must have at least one entry point\n",
    );
  });
});
