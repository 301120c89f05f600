import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, killAllAgents, spawnAgent } from "../helpers/agent.js";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { startJobs, waitForJob } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, TestClock, type TestServer } from "../helpers/server.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
const secret = "s3cret-of-the-receiver";

describe.each(testDatabases())("webhooks on %s", (database) => {
  let server: TestServer;
  let host: Api;
  const clock = new TestClock();
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      database,
      clock,
      env: { DIRIGENT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", DIRIGENT_WEBHOOK_POLL_MS: "50" },
    });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await killAllAgents();
    for (const r of receivers) await r.close();
    await server?.stop();
  });

  async function receiver(withSecret = true) {
    const r = await startReceiver(withSecret ? secret : null);
    receivers.push(r);
    return r;
  }

  /** An org with a folder and a process `quick` (a package whose entry point exits 0 at once). */
  async function setup() {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = tenantPath(org);
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    expect(folder.status, folder.text).toBe(201);
    const content = await tgz(
      packageFiles(manifest({ name: "quick", version: "1.0.0" }), {
        "main.js": `require("node:fs").writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ done: true }));`,
      }),
    );
    expect((await uploadPackage(api, t, content)).status).toBe(201);
    const process = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "Quick", packageName: "quick" });
    expect(process.status, process.text).toBe(201);
    return { org, api, t, folderId: folder.body.id as number, processId: process.body.id as number };
  }

  it("creates, reads, changes and deletes a subscription; the secret is never returned", async () => {
    const { org, api, t } = await setup();
    const r = await receiver();
    const created = await api.post(`${t}/webhooks`, { url: r.url, events: ["job.created"], secret });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ url: r.url, events: ["job.created"], enabled: true, hasSecret: true });
    expect(created.text).not.toContain(secret);
    const id = created.body.id as number;
    const patched = await api.patch(`${t}/webhooks/${id}`, { events: ["job.created", "job.finished"], secret: null });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ events: ["job.created", "job.finished"], hasSecret: false });
    const list = await api.get(`${t}/webhooks`);
    expect(list.body.items.map((w: { id: number }) => w.id)).toEqual([id]);
    const audit = await api.get(`/orgs/${org.slug}/audit-logs?component=Webhooks`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body.items.length).toBeGreaterThanOrEqual(2);
    expect(audit.text).not.toContain(secret);
    expect((await api.delete(`${t}/webhooks/${id}`)).status).toBe(204);
    expectProblem(await api.get(`${t}/webhooks/${id}`), 404, "not-found");
  });

  it("follows a new, changed, disabled or deleted subscription with the very next event (the list is cached)", async () => {
    const { api, t, folderId, processId } = await setup();
    const r = await receiver();
    const deliveries = async (id: number) =>
      ((await api.get(`${t}/webhooks/${id}/deliveries`)).body.items as { event: string }[]).length;
    const created = async () => {
      await startJobs(api, t, folderId, { processId });
    };
    const a = (await api.post(`${t}/webhooks`, { url: r.url, events: ["job.created"], secret })).body.id as number;
    await created();
    expect(await deliveries(a)).toBe(1);
    // Other events: the next job.created is not for it.
    expect((await api.patch(`${t}/webhooks/${a}`, { events: ["job.finished"] })).status).toBe(200);
    await created();
    expect(await deliveries(a)).toBe(1);
    // Back to job.created but disabled: still nothing; enabled: the next one is.
    expect((await api.patch(`${t}/webhooks/${a}`, { events: ["job.created"], enabled: false })).status).toBe(200);
    await created();
    expect(await deliveries(a)).toBe(1);
    expect((await api.patch(`${t}/webhooks/${a}`, { enabled: true })).status).toBe(200);
    await created();
    expect(await deliveries(a)).toBe(2);
    // A second subscription gets the next event too; once deleted, only the first does.
    const b = (await api.post(`${t}/webhooks`, { url: r.url, events: ["job.created"] })).body.id as number;
    await created();
    expect([await deliveries(a), await deliveries(b)]).toEqual([3, 1]);
    expect((await api.delete(`${t}/webhooks/${b}`)).status).toBe(204);
    await created();
    expect(await deliveries(a)).toBe(4);
  });

  it("needs the webhooks permissions on every route: settings permissions alone get 403", async () => {
    const { org, api, t } = await setup();
    const r = await receiver();
    const hook = await api.post(`${t}/webhooks`, { url: r.url, events: ["job.created"] });
    expect(hook.status, hook.text).toBe(201);
    const ping = await api.post(`${t}/webhooks/${hook.body.id}/ping`, {});
    expect(ping.status, ping.text).toBe(200);
    const role = async (permissions: string[]) => {
      const created = await api.post(`${t}/roles`, { name: unique("R"), kind: "tenant", permissions });
      expect(created.status, created.text).toBe(201);
      const user = await createUser(api, org.slug);
      const assigned = await api.put(`${t}/role-assignments/${user.id}`, { roleIds: [created.body.id] });
      expect(assigned.status, assigned.text).toBe(204);
      return user.api;
    };
    const id = hook.body.id as number;
    const reads: [string, string, unknown?][] = [
      ["GET", `${t}/webhooks`],
      ["GET", `${t}/webhooks/${id}`],
      ["GET", `${t}/webhooks/${id}/deliveries`],
    ];
    const writes: [string, string, unknown?][] = [
      ["POST", `${t}/webhooks`, { url: r.url, events: ["job.created"] }],
      ["PATCH", `${t}/webhooks/${id}`, { description: "changed" }],
      ["POST", `${t}/webhooks/${id}/ping`, {}],
      ["POST", `${t}/webhooks/deliveries/${ping.body.id}/redeliver`, {}],
      ["DELETE", `${t}/webhooks/${id}`],
    ];
    const call = (who: Api, [method, url, body]: [string, string, unknown?]) =>
      method === "GET"
        ? who.get(url)
        : method === "POST"
          ? who.post(url, body)
          : method === "PATCH"
            ? who.patch(url, body)
            : who.delete(url);
    const settingsOnly = await role(["settings.view", "settings.create", "settings.edit", "settings.delete"]);
    for (const route of [...reads, ...writes]) expectProblem(await call(settingsOnly, route), 403, "forbidden");
    const viewer = await role(["webhooks.view"]);
    for (const route of reads) expect((await call(viewer, route)).status, route.join(" ")).toBe(200);
    for (const route of writes) expectProblem(await call(viewer, route), 403, "forbidden");
    // Nothing changed, and the tenant administrator role has them all.
    expect((await api.get(`${t}/webhooks/${id}`)).body).toMatchObject({ description: null });
    const roles = await api.get(`${t}/roles`);
    const admin = roles.body.items.find(
      (x: { predefined: boolean; name: string }) => x.predefined && x.name === "Tenant Administrator",
    );
    expect(admin.permissions).toEqual(
      expect.arrayContaining(["webhooks.view", "webhooks.create", "webhooks.edit", "webhooks.delete"]),
    );
    const tenantAdmin = await createUser(api, org.slug);
    const assigned = await api.put(`${t}/role-assignments/${tenantAdmin.id}`, { roleIds: [admin.id] });
    expect(assigned.status, assigned.text).toBe(204);
    for (const route of [...reads, ...writes]) {
      const res = await call(tenantAdmin.api, route);
      // A ping cannot be redelivered (404): past the permission check all the same.
      expect(res.status, `${route.join(" ")}: ${res.text}`).toBe(route[1].endsWith("/redeliver") ? 404 : res.status);
      if (!route[1].endsWith("/redeliver")) expect(res.status, `${route.join(" ")}: ${res.text}`).toBeLessThan(300);
    }
  });

  it("refuses bad input with a 400 naming every invalid field, and changes nothing", async () => {
    const { api, t } = await setup();
    const bad = await api.post(`${t}/webhooks`, { url: "ftp://x", events: ["job.exploded"], secret: "short" });
    expectProblem(bad, 400, "validation-failed");
    const paths = (bad.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["events.0", "secret"]));
    const ftp = await api.post(`${t}/webhooks`, { url: "ftp://x", events: ["job.created"] });
    expectProblem(ftp, 400, "validation-failed");
    expect(ftp.body.errors[0].path).toBe("url");
    expectProblem(
      await api.post(`${t}/webhooks`, { url: "http://a\u0000b/", events: ["job.created"] }),
      400,
      "validation-failed",
    );
    expectProblem(await api.post(`${t}/webhooks`, { url: "http://x/", events: [] }), 400, "validation-failed");
    expectProblem(
      await api.post(`${t}/webhooks`, { url: "http://x/", events: ["job.created"], colour: "red" }),
      400,
      "validation-failed",
    );
    expectProblem(await api.get(`${t}/webhooks/2147483648`), 400, "validation-failed");
    expectProblem(await api.get(`${t}/webhooks/1/deliveries?limit=0`), 400, "validation-failed");
    expectProblem(await api.post(`${t}/webhooks/deliveries/99999999999/redeliver`), 400, "validation-failed");
    expect((await api.get(`${t}/webhooks`)).body.items).toEqual([]);
  });

  it("refuses literal loopback, private, link-local, metadata and IPv6 local addresses when saved", async () => {
    const { api, t } = await setup();
    for (const url of [
      "http://127.0.0.2/",
      "http://10.1.2.3/",
      "http://192.168.1.1:8080/x",
      "http://169.254.169.254/latest/meta-data",
      "http://100.64.0.1/",
      "http://0.0.0.0/",
      "http://[::1]/",
      "http://[::ffff:10.0.0.1]/",
      "http://[fd00:ec2::254]/",
      "http://[fe80::1]/",
      "http://[64:ff9b::a00:1]/",
    ]) {
      const res = await api.post(`${t}/webhooks`, { url, events: ["job.created"] });
      expectProblem(res, 400, "validation-failed");
      expect(res.body.errors[0].path, url).toBe("url");
    }
    // The host setting extends the allow-list (here a private range), and only a system administrator sets it.
    expectProblem(await api.put("/host/settings/webhooks", { allowedHosts: ["10.0.0.0/8"] }), 403, "forbidden");
    expectProblem(
      await host.put("/host/settings/webhooks", { allowedHosts: ["10.0.0.0/99", "bad host!"] }),
      400,
      "validation-failed",
    );
    const set = await host.put("/host/settings/webhooks", { allowedHosts: ["10.0.0.0/8"] });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({ allowedHosts: ["10.0.0.0/8"], environmentAllowedHosts: ["127.0.0.1"] });
    const allowed = await api.post(`${t}/webhooks`, { url: "http://10.1.2.3/", events: ["job.created"] });
    expect(allowed.status, allowed.text).toBe(201);
    expect((await host.put("/host/settings/webhooks", { allowedHosts: [] })).status).toBe(200);
    expectProblem(
      await api.post(`${t}/webhooks`, { url: "http://10.1.2.3/", events: ["job.created"] }),
      400,
      "validation-failed",
    );
  });

  it("another tenant's webhooks and deliveries are not found", async () => {
    const a = await setup();
    const b = await setup();
    const r = await receiver();
    const hook = await a.api.post(`${a.t}/webhooks`, { url: r.url, events: ["job.created"] });
    const ping = await a.api.post(`${a.t}/webhooks/${hook.body.id}/ping`);
    expect(ping.status, ping.text).toBe(200);
    expectProblem(await b.api.get(`${b.t}/webhooks/${hook.body.id}`), 404, "not-found");
    expectProblem(await b.api.get(`${b.t}/webhooks/${hook.body.id}/deliveries`), 404, "not-found");
    expectProblem(await b.api.post(`${b.t}/webhooks/deliveries/${ping.body.id}/redeliver`), 404, "not-found");
    expectProblem(await b.api.delete(`${b.t}/webhooks/${hook.body.id}`), 404, "not-found");
  });

  it("records a timeout, a redirect not followed and a huge answer cut, on ping", { timeout: 30_000 }, async () => {
    const { api, t } = await setup();
    const r = await receiver(false);
    const hook = await api.post(`${t}/webhooks`, { url: r.url, events: ["job.created"] });
    const id = hook.body.id as number;
    const ok = await api.post(`${t}/webhooks/${id}/ping`);
    expect(ok.body).toMatchObject({ event: "ping", status: "succeeded" });
    expect(r.received[0]?.headers["x-dirigent-signature"]).toBeUndefined();
    r.setMode({ kind: "redirect", location: "http://169.254.169.254/latest/meta-data" });
    const redirect = await api.post(`${t}/webhooks/${id}/ping`);
    expect(redirect.body.attemptLog[0]).toMatchObject({
      status: "failed",
      responseCode: 302,
      reason: "Redirect to http://169.254.169.254/latest/meta-data not followed.",
    });
    r.setMode({ kind: "huge", bytes: 5_000_000 });
    const huge = await api.post(`${t}/webhooks/${id}/ping`);
    expect(huge.body.attemptLog[0].responseBody).toHaveLength(4096);
    expect(huge.body.attemptLog[0].reason).toMatch(/cut/);
    r.setMode({ kind: "slow", delayMs: 12_000 });
    const slow = await api.post(`${t}/webhooks/${id}/ping`);
    expect(slow.body.attemptLog[0]).toMatchObject({
      status: "failed",
      responseCode: null,
      reason: "No complete answer within 10 s.",
    });
    expect(slow.body.attemptLog[0].durationMs).toBeGreaterThanOrEqual(10_000);
  });

  it("sends a ping exactly once while the background sender polls", async () => {
    const { api, t } = await setup();
    const r = await receiver(false);
    const hook = await api.post(`${t}/webhooks`, { url: r.url, events: ["job.created"] });
    const id = hook.body.id as number;
    // The sender polls every 50 ms here: a ping that is stored as pending before it is posted is
    // picked up and sent a second time while the target takes its time to answer.
    r.setMode({ kind: "slow", delayMs: 600 });
    const ping = await api.post(`${t}/webhooks/${id}/ping`);
    expect(ping.body).toMatchObject({ event: "ping", status: "succeeded", attempts: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(r.received.filter((h) => h.body.event === "ping")).toHaveLength(1);
    const deliveries = await api.get(`${t}/webhooks/${id}/deliveries`);
    expect(deliveries.body.items).toHaveLength(1);
    expect(deliveries.body.items[0].attemptLog).toHaveLength(1);
  });

  it("sends signed job and robot events of a real job on a real agent, in order", { timeout: 90_000 }, async () => {
    const { api, t, folderId, processId } = await setup();
    const r = await receiver();
    const hook = await api.post(`${t}/webhooks`, {
      url: r.url,
      events: ["job.created", "job.started", "job.finished", "robot.connected"],
      secret,
    });
    expect(hook.status, hook.text).toBe(201);
    const machine = await api.post(`${t}/machines`, { name: unique("m"), slots: 1, folderIds: [folderId] });
    const agent = spawnAgent({ url: server.url, key: machine.body.key });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    const [job] = await startJobs(api, t, folderId, { processId });
    const id = job?.id as number;
    await waitForJob(api, t, id);
    await eventually(async () => {
      if (r.received.length < 4) throw new Error(`${r.received.length} received`);
    }, 30_000);
    expect(r.received.map((h) => h.body.event)).toEqual([
      "robot.connected",
      "job.created",
      "job.started",
      "job.finished",
    ]);
    for (const h of r.received) {
      expect(h.signatureValid).toBe(true);
      expect(h.headers["x-dirigent-delivery"]).toBe(h.body.id);
      expect(h.headers["x-dirigent-event"]).toBe(h.body.event);
      expect(Number(h.headers["x-dirigent-timestamp"])).toBeGreaterThan(1_700_000_000);
    }
    expect(r.received[0]?.body).toMatchObject({
      robot: { machineId: machine.body.id, machineName: machine.body.name, state: "connected" },
    });
    const finished = r.received[3]?.body as unknown as { job: Record<string, unknown> };
    expect(finished.job).toMatchObject({ id, state: "successful", processId, outputArguments: { done: true } });
    await agent.kill();
    // The attempts' records are committed a moment after the answers arrived (the sender's group commit).
    const deliveries = await eventually(async () => {
      const list = await api.get(`${t}/webhooks/${hook.body.id}/deliveries`);
      expect(list.body.items.map((d: { status: string }) => d.status)).toEqual(Array(4).fill("succeeded"));
      return list;
    });
    expect(deliveries.body.items[0].attemptLog[0]).toMatchObject({ status: "succeeded", responseCode: 200 });
  });

  it("keeps every event through an outage and delivers them in order once the target is back", async () => {
    const { api, t, folderId, processId } = await setup();
    const r = await receiver();
    r.setMode({ kind: "down" });
    const hook = await api.post(`${t}/webhooks`, { url: r.url, events: ["job.created", "job.finished"], secret });
    const id = hook.body.id as number;
    const jobs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [job] = await startJobs(api, t, folderId, { processId });
      jobs.push(job?.id as number);
    }
    // The first delivery failed once; the others wait behind it (order per subscription).
    await eventually(async () => {
      const d = await api.get(`${t}/webhooks/${id}/deliveries?status=pending`);
      const oldest = d.body.items.at(-1);
      if (!oldest || oldest.attempts < 1) throw new Error("no failed attempt yet");
      return d;
    });
    const pending = (await api.get(`${t}/webhooks/${id}/deliveries?status=pending`)).body.items;
    expect(pending).toHaveLength(5);
    expect(pending.slice(0, 4).every((d: { attempts: number }) => d.attempts === 0)).toBe(true);
    const head = pending[4];
    expect(head.attemptLog[0]).toMatchObject({
      status: "failed",
      responseCode: 503,
      responseBody: "down for maintenance",
      reason: "The target answered 503.",
    });
    // Stopping the pending jobs adds job.finished events behind the waiting ones.
    for (const job of jobs) expect((await api.post(`${t}/jobs/${job}/stop`, { mode: "stop" })).status).toBe(200);
    r.setMode({ kind: "ok" });
    // The next attempt is 45 s after the first.
    clock.advance(46_000);
    await eventually(async () => {
      if (r.received.length < 10) throw new Error(`${r.received.length} received`);
    });
    expect(r.received.map((h) => `${h.body.event} ${(h.body.job as { id: number }).id}`)).toEqual([
      ...jobs.map((j) => `job.created ${j}`),
      ...jobs.map((j) => `job.finished ${j}`),
    ]);
    expect(r.received.every((h) => h.signatureValid)).toBe(true);
    // The last attempts' records are committed just after their answers arrived (the sender's group commit).
    const all = await eventually(async () => {
      const items = (await api.get(`${t}/webhooks/${id}/deliveries`)).body.items;
      expect(items.map((d: { status: string }) => d.status)).toEqual(Array(10).fill("succeeded"));
      return items;
    });
    // Each delivery keeps its own last answer (the group commit writes them all at once).
    expect(all.map((d: { lastResponseCode: number; attempts: number }) => [d.lastResponseCode, d.attempts])).toEqual([
      ...Array(9).fill([200, 1]),
      [200, 2],
    ]);
    const first = all.at(-1);
    expect(first.attemptLog.map((a: { responseCode: number }) => a.responseCode)).toEqual([503, 200]);
    // Redeliver: the same delivery id arrives again.
    const again = await api.post(`${t}/webhooks/deliveries/${first.id}/redeliver`);
    expect(again.status, again.text).toBe(200);
    await eventually(async () => {
      if (r.received.length < 11) throw new Error("not redelivered yet");
    });
    expect(r.received[10]?.body.id).toBe(first.key);
    expect(r.received[10]?.raw).toBe(r.received[0]?.raw);
  });

  it("pauses a subscription after repeated failures, raises an alert, and resumes when enabled", async () => {
    const { api, t, folderId, processId } = await setup();
    const r = await receiver();
    r.setMode({ kind: "down", status: 500 });
    const hook = await api.post(`${t}/webhooks`, { url: r.url, events: ["job.created"] });
    const id = hook.body.id as number;
    await startJobs(api, t, folderId, { processId });
    // Attempts at 0, 45 s, 2 min 30 s, 5 min, 15 min after the previous: the fifth opens the breaker.
    for (const step of [0, 46, 151, 301, 901]) {
      clock.advance(step * 1000);
      const before = step;
      await eventually(async () => {
        const d = (await api.get(`${t}/webhooks/${id}/deliveries`)).body.items[0];
        if (d.attempts < [0, 46, 151, 301, 901].indexOf(before) + 1) throw new Error("waiting");
      });
    }
    const paused = await api.get(`${t}/webhooks/${id}`);
    expect(paused.body.consecutiveFailures).toBe(5);
    expect(paused.body.pausedUntil).not.toBeNull();
    expect(paused.body.pausedReason).toBe("The target answered 500.");
    const alerts = await api.get(`${t}/alerts`);
    expect(alerts.body.items.some((a: { kind: string }) => a.kind === "webhook-paused")).toBe(true);
    r.setMode({ kind: "ok" });
    const resumed = await api.patch(`${t}/webhooks/${id}`, { enabled: true });
    expect(resumed.body).toMatchObject({ pausedUntil: null, consecutiveFailures: 0 });
    clock.advance(3601_000);
    await eventually(async () => {
      if (r.received.length < 1) throw new Error("not delivered");
    });
    expect(r.received[0]?.body.event).toBe("job.created");
  });
});
