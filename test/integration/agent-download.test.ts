import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, freePort } from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startJobs, waitForJob } from "../helpers/jobs.js";
import { packExample, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const checkout = path.resolve(import.meta.dirname, "../..");
/** npx installs the agent and runs it from npm's cache: slow on a busy 2-core machine. */
const slow = { timeout: 180_000 };

/**
 * Defect 1 of issue 12: the machine page's command must run the robot agent on a machine that has
 * Node and npm but no checkout of Dirigent — the server serves the agent itself.
 */
describe("the robot agent served by the server", () => {
  let server: TestServer;
  let org: TestOrg;
  let api: Api;
  let t: string;
  let away: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // A fixed port, so the public URL in the command is the one the server listens on.
    server = await startTestServer({ env: { DIRIGENT_PORT: String(await freePort()) } });
    org = await createOrg(await adminApi(server));
    api = org.admin.api;
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    away = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-robot-host-"));
  }, slow.timeout);
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await server?.stop();
    if (away) fs.rmSync(away, { recursive: true, force: true });
  });

  it("serves a self-contained tarball with its checksum", async () => {
    const res = await fetch(`${server.url}/downloads/dirigent-agent.tgz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    const body = Buffer.from(await res.arrayBuffer());
    const sha256 = createHash("sha256").update(body).digest("hex");
    expect(res.headers.get("x-checksum-sha256")).toBe(sha256);
    const info = await api.get("/downloads/agent");
    expect(info.status, info.text).toBe(200);
    expect(info.body).toEqual({ url: `${server.url}/downloads/dirigent-agent.tgz`, sha256, size: body.length });
    const sum = await fetch(`${server.url}/downloads/dirigent-agent.tgz.sha256`);
    expect(await sum.text()).toBe(`${sha256}  dirigent-agent.tgz\n`);
  });

  it(
    "runs a job through the machine page's command from a folder outside the checkout, with only npm's cache",
    slow,
    async () => {
      const folder = await api.post(`${t}/folders`, { name: unique("F") });
      expect(folder.status, folder.text).toBe(201);
      expect((await uploadPackage(api, t, await packExample("hello-world"))).status).toBe(201);
      const proc = await api.post(`${t}/folders/${folder.body.id}/processes`, {
        name: "Hello",
        packageName: "hello-world",
        inputArguments: { name: "Ada" },
      });
      expect(proc.status, proc.text).toBe(201);
      const machine = await api.post(`${t}/machines`, { name: unique("far"), slots: 1, folderIds: [folder.body.id] });
      expect(machine.status, machine.text).toBe(201);
      const { sha256 } = (await api.get("/downloads/agent")).body;
      const command: string = machine.body.connectCommand;
      expect(command).toBe(
        `npx --yes --package=${server.url}/downloads/dirigent-agent.tgz?sha256=${sha256.slice(0, 16)} dirigent robot --url ${server.url} --key ${machine.body.key}`,
      );

      // A robot host: its own home and npm cache, no Dirigent checkout anywhere up its folders,
      // and a registry that does not answer (the agent must need nothing from one).
      const home = path.join(away, "home");
      fs.mkdirSync(home);
      expect(path.relative(checkout, away).startsWith("..")).toBe(true);
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, TMPDIR: away };
      Object.assign(env, {
        npm_config_cache: path.join(away, "npm-cache"),
        npm_config_registry: "http://127.0.0.1:9/",
        npm_config_update_notifier: "false",
        npm_config_audit: "false",
        npm_config_fund: "false",
      });
      const [npx, ...args] = command.split(" ");
      const child = spawn(npx ?? "npx", args, { cwd: away, env, stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      let output = "";
      child.stdout?.on("data", (c: Buffer) => {
        output += c.toString();
      });
      child.stderr?.on("data", (c: Buffer) => {
        output += c.toString();
      });
      await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`the agent exited (${child.exitCode}):\n${output}`);
          expect(output).toMatch(/Connected to .* as machine "far-/);
        },
        150_000,
        250,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n--- agent output ---\n${output}`);
      });

      const [job] = await startJobs(api, t, folder.body.id, { processId: proc.body.id, inputArguments: { times: 1 } });
      const done = await waitForJob(api, t, job?.id as number, undefined, 60_000);
      expect(done).toMatchObject({ state: "successful", machineId: machine.body.id });
      expect(done.outputArguments).toEqual({ greeting: "Hello, Ada!" });
      // It ran from npm's cache of the robot host, not from the checkout.
      expect(fs.readdirSync(path.join(away, "npm-cache"))).toContain("_npx");
    },
  );
});
