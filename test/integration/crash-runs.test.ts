import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnAgent } from "../helpers/agent.js";
import { Api, unique } from "../helpers/api.js";
import { useCrashServer } from "../helpers/crash-server.js";
import { testDatabases } from "../helpers/database.js";
import { createOrg } from "../helpers/fixtures.js";
import type { JobView } from "../helpers/jobs.js";
import { manifest, tgz, uploadPackage } from "../helpers/packages.js";
import { testAdminPassword } from "../helpers/server.js";

/**
 * Crash runs (issue #11's reliability suite): the server is killed with kill -9 twice while two
 * agents run a batch of short jobs. Every job must end successful exactly once — none lost, none
 * run twice (each run appends its key to a file outside the server), none wrongly faulted.
 * CI runs 60 jobs; DIRIGENT_RELIABILITY_FULL=1 runs 200.
 */
const total = process.env.DIRIGENT_RELIABILITY_FULL === "1" ? 200 : 60;

const workMain = `const fs = require("node:fs");
const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8") || "{}");
fs.appendFileSync(input.runs, process.env.DIRIGENT_JOB_KEY + "\\n");
setTimeout(() => {
  fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ n: input.n }));
}, 100 + Math.floor(Math.random() * 400));
`;

describe.each(testDatabases())("crash runs on %s", { timeout: 600_000 }, (database) => {
  const crash = useCrashServer(database, "crash-runs");

  it(`runs ${total} jobs through two kill -9s of the server: 0 lost, 0 doubled, 0 wrongly faulted`, async () => {
    let server = await crash.start();
    const host = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    const org = await createOrg(host);
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const login = () =>
      new Api(server.url).as({ organization: org.slug, email: org.admin.email, password: org.admin.password });
    let api = org.admin.api;
    const files = { "dirigent.json": JSON.stringify(manifest({ name: "crash-work" })), "main.js": workMain };
    expect((await uploadPackage(api, t, await tgz(files))).status).toBe(201);
    const folder = (await api.post(`${t}/folders`, { name: "Crash runs" })).body.id as number;
    const proc = await api.post(`${t}/folders/${folder}/processes`, { name: "Work", packageName: "crash-work" });
    expect(proc.status, proc.text).toBe(201);
    for (const name of ["crash-a", "crash-b"]) {
      const machine = await api.post(`${t}/machines`, { name: unique(name), slots: 4, folderIds: [folder] });
      const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: crash.workDir } });
      await agent.waitFor(/^Connected to /, { timeoutMs: 120_000 });
    }
    const runs = path.join(crash.workDir, "runs.txt");
    fs.writeFileSync(runs, "");
    const ids: number[] = [];
    for (let n = 0; n < total; n++) {
      const res = await api.post(`${t}/folders/${folder}/jobs`, {
        processId: proc.body.id,
        inputArguments: { n, runs },
      });
      expect(res.status, res.text).toBe(201);
      ids.push(...res.body.items.map((j: { id: number }) => j.id));
    }
    const ran = () => fs.readFileSync(runs, "utf8").split("\n").filter(Boolean).length;
    // Two crashes while the batch runs: after a third and after two thirds have started.
    for (const share of [1 / 3, 2 / 3]) {
      const deadline = Date.now() + 120_000;
      while (ran() < total * share && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await server.kill9();
      await new Promise((r) => setTimeout(r, 500));
      server = await crash.start();
      api = await login();
    }
    const views = new Map<number, JobView>();
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      for (const id of ids) {
        if (views.get(id)?.state === "successful" || views.get(id)?.state === "faulted") continue;
        const res = await api.get(`${t}/jobs/${id}`);
        if (res.status === 200) views.set(id, res.body);
      }
      if ([...views.values()].filter((v) => ["successful", "faulted", "stopped"].includes(v.state)).length === total)
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const keys = fs.readFileSync(runs, "utf8").split("\n").filter(Boolean);
    const runsPerKey = new Map<string, number>();
    for (const key of keys) runsPerKey.set(key, (runsPerKey.get(key) ?? 0) + 1);
    const all = [...views.values()];
    const successful = all.filter((v) => v.state === "successful").length;
    const faulted = all.filter((v) => v.state === "faulted");
    const lost = total - all.filter((v) => ["successful", "faulted", "stopped"].includes(v.state)).length;
    const doubled = [...runsPerKey.values()].filter((n) => n > 1).length;
    const requeued = all.filter((v) => v.timeline.some((e) => /never received/.test(e.reason ?? ""))).length;
    console.log(
      `crash runs (${database}): ${total} jobs, 2 kill -9s: ${successful} successful, ${lost} lost, ` +
        `${doubled} doubled, ${faulted.length} faulted, ${requeued} requeued after an unreceived assignment`,
    );
    expect(faulted.map((v) => `${v.id}: ${v.error}`)).toEqual([]);
    expect({ lost, doubled, successful }).toEqual({ lost: 0, doubled: 0, successful: total });
    // Every successful job's output came back through the crashes.
    for (const v of all) expect(v.outputArguments).toEqual({ n: expect.any(Number) });
  });
});
