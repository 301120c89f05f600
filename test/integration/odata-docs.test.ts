import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { Api } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi } from "../helpers/fixtures.js";
import { tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const docs = fs.readFileSync(path.join(root, "docs/compatibility.md"), "utf8");
/** The two npm clients' scripts of docs/compatibility.md, as written there. */
const [tsScript, ocScript] = [...docs.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const password = "Acme-Passw0rd!2026";

/**
 * The issue's "done when": the docs' script for each npm client runs unchanged against a fresh
 * server with a real agent (only the port differs: the docs say 8080, the test server takes a free one).
 */
describe.each(testDatabases())(
  "the docs' client scripts against a fresh server on %s",
  { timeout: 180_000 },
  (database) => {
    let server: TestServer;
    let dir: string;
    let pat: string;

    beforeAll(async () => {
      server = await startTestServer({ database });
      const host = await adminApi(server);
      const org = await host.post("/host/organizations", {
        name: "Acme",
        slug: "acme",
        admin: { email: "me@acme.example", password },
      });
      expect(org.status, org.text).toBe(201);
      const api = await new Api(host.baseUrl).as({ organization: "acme", email: "me@acme.example", password });
      const t = "/orgs/acme/tenants/Default";
      const folder = (await api.post(`${t}/folders`, { name: "Finance" })).body.id;
      const pkg = await uploadPackage(
        api,
        t,
        await tgz({
          "dirigent.json": JSON.stringify({
            name: "invoices",
            version: "1.0.0",
            entryPoints: [{ name: "main", command: ["node", "main.js"] }],
          }),
          "main.js": `const fs = require("node:fs");
const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8"));
fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ month: input.month, invoices: 3 }));`,
        }),
      );
      expect(pkg.status, pkg.text).toBe(201);
      for (const [path, body] of [
        [`${t}/folders/${folder}/processes`, { name: "Invoices", packageName: "invoices" }],
        [`${t}/folders/${folder}/assets`, { name: "ErpUrl", type: "text", value: "https://erp.acme.example" }],
        [`${t}/folders/${folder}/queues`, { name: "Orders" }],
      ] as const) {
        const res = await api.post(path, body);
        expect(res.status, res.text).toBe(201);
      }
      const machine = await api.post(`${t}/machines`, { name: "robot-1", slots: 2, folderIds: [folder] });
      pat = (await api.post("/me/tokens", { name: "scripts" })).body.token;
      const agent = spawnAgent({ url: server.url, key: machine.body.key });
      await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
      // The scripts import their clients: a folder next to a node_modules that has them.
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-docs-"));
      fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    }, 180_000);

    afterAll(async () => {
      await killAllAgents();
      await server?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    async function runScript(name: string, script: string, env: Record<string, string>) {
      const port = new URL(server.url).port;
      const file = path.join(dir, name);
      fs.writeFileSync(
        file,
        script.replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`).replace("port: 8080", `port: ${port}`),
      );
      const preload = path.join(root, "test/helpers/block-outside-fetch.mjs");
      const { stdout } = await run(process.execPath, ["--import", preload, file], {
        cwd: dir,
        env: { ...process.env, ...env },
        timeout: 120_000,
      });
      return stdout;
    }

    it("@uipath/uipath-typescript: starts the process, polls the job, reads its output and an asset", async () => {
      expect(tsScript).toContain('new UiPath({ baseUrl: "http://127.0.0.1:8080"');
      const out = await runScript("ts.mjs", tsScript as string, { DIRIGENT_PAT: pat });
      expect(out).toBe("{ month: '2026-11', invoices: 3 } https://erp.acme.example\n");
    });

    it("uipath-orchestrator: signs in, runs the job, reads an asset, feeds and consumes the queue", async () => {
      expect(ocScript).toContain("port: 8080");
      const out = await runScript("oc.mjs", ocScript as string, { PASSWORD: password });
      expect(out).toMatch(
        /^Successful \{"month":"2026-11","invoices":3\} https:\/\/erp\.acme\.example\nconsumed \d+ \{ order: 42 \}\n$/,
      );
    });
  },
);
