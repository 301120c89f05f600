import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, RecordingApi, type TestOrg } from "../helpers/fixtures.js";
import { logsOf, startJobs, waitForJob } from "../helpers/jobs.js";
import { examplesDir, filesOf, sdkModuleFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

/**
 * The examples/assets-demo package run by the real `dirigent robot` agent: its automation reads a
 * credential and a per-machine setting through dirigent/sdk and counts its runs with setAsset.
 */
describe.each(testDatabases())("assets through the SDK and the real agent on %s", { timeout: 120_000 }, (database) => {
  let server: TestServer;
  let org: TestOrg;
  let api: Api;
  let t: string;
  let agentTmp: string;

  beforeAll(async () => {
    agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-agents-"));
    server = await startTestServer({ database });
    org = await createOrg(await adminApi(server));
    api = org.admin.api;
    t = tenantPath(org);
    const archive = await tgz({ ...filesOf(path.join(examplesDir, "assets-demo")), ...sdkModuleFiles() });
    const res = await uploadPackage(api, t, archive);
    expect(res.status, res.text).toBe(201);
  });
  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
    if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
  });

  it("hands the automation its credential and its machine's value; the password shows up nowhere else", async () => {
    const record: RecordingApi["record"] = [];
    const rec = new RecordingApi(server.url, api.token, record);
    const password = `Pw-${randomBytes(12).toString("base64url")}`;
    const folder = await rec.post(`${t}/folders`, { name: unique("F") });
    const machine = await rec.post(`${t}/machines`, { name: unique("robot"), slots: 1, folderIds: [folder.body.id] });
    const other = await rec.post(`${t}/machines`, { name: unique("other"), slots: 1, folderIds: [] });
    const create = async (body: Record<string, unknown>) => {
      const res = await rec.post(`${t}/folders/${folder.body.id}/assets`, body);
      expect(res.status, res.text).toBe(201);
      return res.body as { id: number };
    };
    await create({ name: "ErpLogin", type: "credential", value: { username: "robot@erp", password } });
    const printer = await create({ name: "Printer", type: "text", value: "global printer" });
    await rec.put(`${t}/assets/${printer.id}/machine-values/${machine.body.id}`, { value: "printer on this robot" });
    await rec.put(`${t}/assets/${printer.id}/machine-values/${other.body.id}`, { value: "someone else's" });
    const runs = await create({ name: "Runs", type: "integer", value: 41 });
    const proc = await rec.post(`${t}/folders/${folder.body.id}/processes`, {
      name: "Assets demo",
      packageName: "assets-demo",
      inputArguments: { credential: "erplogin", setting: "Printer", counter: "Runs" },
    });
    expect(proc.status, proc.text).toBe(201);

    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    const [job] = await startJobs(rec, t, folder.body.id, { processId: proc.body.id });
    const done = await waitForJob(rec, t, job?.id as number, undefined, 60_000);
    expect(done.state, JSON.stringify(done)).toBe("successful");
    expect(done.outputArguments).toEqual({
      username: "robot@erp",
      passwordLength: password.length,
      passwordSha256: createHash("sha256").update(password).digest("hex"),
      setting: "printer on this robot",
      runs: 42,
    });
    expect((await rec.get(`${t}/assets/${runs.id}`)).body).toMatchObject({ value: 42, updatedBy: `job ${done.id}` });
    const logs = await logsOf(rec, t, done.id);
    expect(logs.map((l) => l.message)).toEqual([
      'Signed in as robot@erp; Printer is "printer on this robot"',
      "Run number 42",
    ]);

    // Nowhere but in the automation: no API answer, audit row (JSON or CSV), job log, server or agent log.
    const audit = await rec.get(`/orgs/${org.slug}/audit-logs?component=Assets`);
    expect(audit.body.items.length).toBeGreaterThanOrEqual(6);
    await rec.get(`/orgs/${org.slug}/audit-logs.csv`);
    await rec.get(`${t}/jobs/${done.id}/logs`);
    await rec.get(`${t}/folders/${folder.body.id}/assets`);
    const everything = [
      ...record.map((r) => r.text + r.headers),
      ...server.logs,
      ...agent.lines,
      JSON.stringify(logs),
    ].join("\n");
    expect(everything.includes(password)).toBe(false);
    expect(everything).toContain("robot@erp");
  });
});
