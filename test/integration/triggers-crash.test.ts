import { describe, expect, it } from "vitest";
import { Api, unique } from "../helpers/api.js";
import { useCrashServer } from "../helpers/crash-server.js";
import { testDatabases } from "../helpers/database.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { testAdminPassword } from "../helpers/server.js";

interface Firing {
  fireTime: string;
  outcome: string;
  reason: string | null;
  jobIds: number[];
}

/**
 * `kill -9` of the only node while an every-second trigger fires: each fire time is decided once
 * or not at all (a firing and its jobs commit together), and the restart records the fire times
 * missed while down and catches up the latest one once.
 */
describe.each(testDatabases())("kill -9 of the scheduling node (%s)", (database) => {
  const crash = useCrashServer(database, "trigger-crash", {});

  it("creates each firing's jobs once or not at all, and catches up once after the restart", async () => {
    let server = await crash.start();
    let host = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    const org = await host.post("/host/organizations", {
      name: "Crash",
      slug: unique("crash"),
      admin: { email: "root@crash.test", password: "Root-Passw0rd!" },
    });
    expect(org.status, org.text).toBe(201);
    const login = { organization: org.body.slug, email: "root@crash.test", password: "Root-Passw0rd!" };
    let api = await new Api(server.url).as(login);
    const tenants = await host.get(`/host/organizations/${org.body.id}/tenants`);
    const t = `/orgs/${org.body.slug}/tenants/${tenants.body.items[0].id}`;
    const folder = await api.post(`${t}/folders`, { name: "F" });
    expect(
      (await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "p", version: "1.0.0" }))))).status,
    ).toBe(201);
    const process = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "P", packageName: "p" });
    const created = await api.post(`${t}/folders/${folder.body.id}/triggers`, {
      type: "time",
      name: "Every second",
      processId: process.body.id,
      cron: "* * * * * ?",
      timeZone: "UTC",
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    const cancelPending = async (forMs: number) => {
      const end = Date.now() + forMs;
      while (Date.now() < end) {
        const jobs = await api.get(`${t}/triggers/${id}/jobs?limit=500`);
        for (const job of jobs.body.items ?? []) {
          if (job.state === "pending") await api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    };

    await cancelPending(3000);
    // Killed at whatever point a firing is at; down for a few fire times.
    await server.kill9();
    await new Promise((r) => setTimeout(r, 3500));
    server = await crash.start();
    host = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    api = await new Api(server.url).as(login);
    await cancelPending(3000);
    expect((await api.post(`${t}/triggers/${id}/disable`)).status).toBe(200);

    const history = (await api.get(`${t}/triggers/${id}/history?limit=500`)).body.items as Firing[];
    const jobs = (await api.get(`${t}/triggers/${id}/jobs?limit=500`)).body.items as { id: number }[];
    // No fire time decided twice; every job belongs to exactly one firing and every firing's jobs exist.
    const decided = history.filter((h) => !h.reason?.startsWith("Missed"));
    const times = decided.map((h) => h.fireTime);
    expect(new Set(times).size).toBe(times.length);
    const firedJobIds = decided.flatMap((h) => h.jobIds).sort((a, b) => a - b);
    expect(firedJobIds).toEqual(jobs.map((j) => j.id).sort((a, b) => a - b));
    // The downtime is recorded (once, unless the node was also late by a fire time before the crash
    // on a busy machine: each late round records its own range), and the latest missed fire time
    // was caught up (within the grace).
    const missed = history.filter((h) => h.reason?.startsWith("Missed"));
    expect(missed.length).toBeGreaterThanOrEqual(1);
    for (const m of missed) expect(m.reason).toMatch(/^Missed \d+ fire time\(s\) while no node was running/);
    // Fire times before and after the crash, none lost: every second from the first to the last is
    // either decided or inside a recorded missed range.
    const sorted = times.slice().sort();
    const covered = new Set(sorted.map((x) => Date.parse(x)));
    for (const m of missed) {
      const from = Date.parse(m.fireTime);
      const count = Number(/^Missed (\d+)/.exec(m.reason ?? "")?.[1]);
      for (let i = 0; i < count; i++) covered.add(from + i * 1000);
    }
    for (let at = Date.parse(sorted[0] as string); at <= Date.parse(sorted.at(-1) as string); at += 1000) {
      expect(covered.has(at), new Date(at).toISOString()).toBe(true);
    }
  }, 180_000);
});
