import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucket, DirigentApiError } from "../../src/sdk/index.js";
import { freePort, killAllAgents, spawnAgent } from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import { getFile, putFile } from "../helpers/buckets.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { runningJob } from "../helpers/job-token.js";
import { startJobs, waitForJob } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const root = path.resolve(import.meta.dirname, "../..");
const sdkUrl = pathToFileURL(path.join(root, "src/sdk/index.ts")).href;
const tsxUrl = pathToFileURL(path.join(root, "node_modules/tsx/dist/loader.mjs")).href;

/** An automation that works on the bucket "Data" of its folder through `dirigent/sdk`. */
const automation = `import { bucket, setOutputArguments } from ${JSON.stringify(sdkUrl)};
const data = bucket("data");
const text = (await data.read("in/input.txt")).toString("utf8");
await data.write("out/result.txt", text.toUpperCase(), "text/plain");
const files = (await data.list("out/")).map((f) => f.path);
const deleted = await data.delete("in/input.txt");
const again = await data.delete("in/input.txt");
let refused = null;
try {
  await data.write("../escape.txt", "x");
} catch (error) {
  refused = error.problem.type;
}
setOutputArguments({ text, files, deleted, again, refused });
`;

/** The automation SDK's bucket(name) against a real server: inside a real agent's job, and its retries. */
describe("buckets through the SDK", () => {
  let server: TestServer;
  let host: Api;

  beforeAll(async () => {
    server = await startTestServer();
    host = await adminApi(server);
  });
  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
  });

  it("reads, writes, lists and deletes files from an automation run by the real agent", async () => {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const folder = (await api.post(`${t}/folders`, { name: unique("F") })).body.id as number;
    const created = await api.post(`${t}/folders/${folder}/buckets`, { name: "Data" });
    const b = `${t}/buckets/${created.body.id}`;
    expect((await putFile(api, `${b}/files/in/input.txt`, "hello bucket")).status).toBe(201);
    const name = unique("sdkpkg").toLowerCase();
    const pkg = await uploadPackage(
      api,
      t,
      await tgz(
        packageFiles(
          manifest({ name, entryPoints: [{ name: "main", command: ["node", "--import", tsxUrl, "main.mjs"] }] }),
          {
            "main.mjs": automation,
          },
        ),
      ),
    );
    expect(pkg.status, pkg.text).toBe(201);
    const proc = await api.post(`${t}/folders/${folder}/processes`, { name: "SDK", packageName: name });
    const machine = await api.post(`${t}/machines`, { name: unique("m"), slots: 1, folderIds: [folder] });
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: os.tmpdir() } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    const [job] = await startJobs(api, t, folder, { processId: proc.body.id });
    const done = await waitForJob(api, t, job?.id as number, undefined, 60_000);
    expect(done.state, JSON.stringify(done)).toBe("successful");
    expect(done.outputArguments).toEqual({
      text: "hello bucket",
      files: ["out/result.txt"],
      deleted: true,
      again: false,
      refused: "invalid-path",
    });
    expect(await (await getFile(api, `${b}/files/out/result.txt`)).text()).toBe("HELLO BUCKET");
  }, 120_000);

  it("runs examples/bucket-report: CSV files in, a report out, read files moved to done/", async () => {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const folder = (await api.post(`${t}/folders`, { name: unique("F") })).body.id as number;
    const created = await api.post(`${t}/folders/${folder}/buckets`, { name: "Reports" });
    const b = `${t}/buckets/${created.body.id}`;
    await putFile(api, `${b}/files/in/a.csv`, "x,y\n1,2\n3,4\n");
    await putFile(api, `${b}/files/in/b.csv`, "x\n");
    await putFile(api, `${b}/files/in/notes.txt`, "not a csv");
    // The example as shipped, with dirigent/sdk resolved to this checkout (no node_modules in the package).
    const dir = path.join(root, "examples/bucket-report");
    const main = fs.readFileSync(path.join(dir, "main.js"), "utf8").replace('"dirigent/sdk"', JSON.stringify(sdkUrl));
    const manifestJson = JSON.parse(fs.readFileSync(path.join(dir, "dirigent.json"), "utf8"));
    manifestJson.name = unique("bucket-report").toLowerCase();
    manifestJson.entryPoints[0].command = ["node", "--import", tsxUrl, "main.js"];
    const pkg = await uploadPackage(
      api,
      t,
      await tgz(
        packageFiles(manifestJson, {
          "main.js": main,
          "package.json": fs.readFileSync(path.join(dir, "package.json"), "utf8"),
        }),
      ),
    );
    expect(pkg.status, pkg.text).toBe(201);
    const proc = await api.post(`${t}/folders/${folder}/processes`, {
      name: "Report",
      packageName: manifestJson.name,
      inputArguments: { bucketName: "reports" },
    });
    expect(proc.status, proc.text).toBe(201);
    const machine = await api.post(`${t}/machines`, { name: unique("m"), slots: 1, folderIds: [folder] });
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: os.tmpdir() } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    const [job] = await startJobs(api, t, folder, { processId: proc.body.id });
    const done = await waitForJob(api, t, job?.id as number, undefined, 60_000);
    expect(done.state, JSON.stringify(done)).toBe("successful");
    expect(done.outputArguments).toEqual({ report: `reports/${job?.id}.json`, files: 2 });
    const listing = (await api.get(`${b}/files`)).body.items.map((f: { path: string }) => f.path);
    expect(listing).toEqual(["done/a.csv", "done/b.csv", "in/notes.txt", `reports/${job?.id}.json`]);
    const report = JSON.parse(await (await getFile(api, `${b}/files/reports/${job?.id}.json`)).text());
    expect(report.summary.map((s: { file: string; rows: number }) => [s.file, s.rows])).toEqual([
      ["in/a.csv", 2],
      ["in/b.csv", 0],
    ]);
  }, 120_000);

  it("retries refused connections and 503 answers with backoff, then succeeds", async () => {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const job = await runningJob(api, t);
    try {
      await api.post(`${t}/folders/${job.folderId}/buckets`, { name: "Flaky" });
      // Nothing listens on the port at first (connection refused); then a proxy that answers the
      // first request with 503 and forwards the rest to the real server.
      const port = await freePort();
      let answered503 = 0;
      const proxy = http.createServer((req, res) => {
        if (answered503 === 0) {
          answered503 += 1;
          res.writeHead(503, { "content-type": "application/problem+json" }).end('{"type":"maintenance"}');
          return;
        }
        const target = new URL(req.url ?? "/", server.url);
        const out = http.request(target, { method: req.method, headers: req.headers }, (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        });
        req.pipe(out);
      });
      const listening = new Promise<void>((resolve) => setTimeout(() => proxy.listen(port, "127.0.0.1", resolve), 600));
      const flaky = bucket("Flaky", { url: `http://127.0.0.1:${port}`, token: job.token, attempts: 8, backoffMs: 100 });
      try {
        const file = await flaky.write("a.txt", "retried");
        expect(file).toMatchObject({ path: "a.txt", size: 7 });
        expect(answered503).toBe(1);
        expect((await flaky.read("a.txt")).toString()).toBe("retried");
        expect((await flaky.list()).map((f) => f.path)).toEqual(["a.txt"]);
      } finally {
        await listening;
        proxy.close();
      }
      // Final answers are not retried: a missing bucket is a DirigentError at once.
      const missing = bucket("Nope", { url: server.url, token: job.token });
      const error = await missing.read("a.txt").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DirigentApiError);
      expect(error).toMatchObject({ status: 404, problem: { type: "not-found" } });
    } finally {
      job.socket.ws.terminate();
    }
  });
});
