import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Dispatcher } from "../../src/background/dispatcher.js";
import { openRobotSocket, type RobotSocket } from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startJobs, waitForState } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

/**
 * Issue 12, defects 2 and 4: a pending job says what it waits for, from the rules the dispatcher
 * applies (dispatch-rules.ts), and the tenant's license caps running jobs at dispatch, also for
 * robots connected before the license was lowered.
 */
describe.each(testDatabases())("why a job waits, on %s", (database) => {
  let server: TestServer;
  let host: Api;
  const sockets: RobotSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.ws.terminate();
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
    const content = await tgz(
      packageFiles(
        manifest({ name: "waiter", version: "1.0.0", entryPoints: [{ name: "run", command: ["node", "main.js"] }] }),
      ),
    );
    expect((await uploadPackage(api, t, content)).status).toBe(201);
    const process = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "Wait", packageName: "waiter" });
    expect(process.status, process.text).toBe(201);
    return { org, api, t, folderId: folder.body.id as number, processId: process.body.id as number };
  }

  async function robot(key: string) {
    const socket = await openRobotSocket(server.url, key);
    sockets.push(socket);
    expect((await socket.hello()).type).toBe("welcome");
    return socket;
  }

  /** The real dispatcher class over this server's robots, for one deterministic round. */
  const dispatcher = () => {
    const s = server.server.services;
    return new Dispatcher(s.ctx, s.jobs, s.maintenance, s.robotHub);
  };

  const waitingFor = async (api: Api, t: string, id: number) => {
    const res = await api.get(`${t}/jobs/${id}`);
    expect(res.status, res.text).toBe(200);
    return res.body.waitingFor;
  };

  it("names the missing machine, the disconnected one, the busy slots, and nothing once it runs", async () => {
    const { api, t, folderId, processId } = await setup();
    const [first] = await startJobs(api, t, folderId, { processId });
    const id = first?.id as number;
    expect(await waitingFor(api, t, id)).toEqual({
      code: "noMachine",
      params: {},
      message: "No machine serves this folder: add the folder to a machine.",
    });

    const name = unique("far");
    const m = await api.post(`${t}/machines`, { name, slots: 1, folderIds: [folderId] });
    expect(m.status, m.text).toBe(201);
    expect(await waitingFor(api, t, id)).toEqual({
      code: "disconnected",
      params: { machines: name, count: 1 },
      message: `Machine ${name} is not connected.`,
    });

    await robot(m.body.key);
    await waitForState(api, t, id, "running");
    expect(await waitingFor(api, t, id)).toBeNull();

    const [second] = await startJobs(api, t, folderId, { processId });
    expect(await dispatcher().round()).toBe(0);
    expect(await waitingFor(api, t, second?.id as number)).toEqual({
      code: "slotsBusy",
      params: { slots: 1 },
      message: "All slots of the connected machines are busy (1 slot).",
    });
  });

  it("holds new jobs at dispatch when the license is lowered under robots already connected, and says so", async () => {
    const { org, api, t, folderId, processId } = await setup();
    expect((await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 2, expiresAt: null })).status).toBe(
      200,
    );
    const m = await api.post(`${t}/machines`, { name: unique("m"), slots: 2, folderIds: [folderId] });
    await robot(m.body.key);
    const [first] = await startJobs(api, t, folderId, { processId });
    await waitForState(api, t, first?.id as number, "running");

    // Lowered while the robot stays connected: its second slot is free, the license is not.
    expect((await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 1, expiresAt: null })).status).toBe(
      200,
    );
    const [second] = await startJobs(api, t, folderId, { processId });
    expect(await dispatcher().round()).toBe(0);
    const held = await api.get(`${t}/jobs/${second?.id}`);
    expect(held.body.state).toBe("pending");
    expect(held.body.waitingFor).toMatchObject({ code: "licenseSlots", params: { slots: 1 } });

    // A license at 0 holds every job; an expired one too.
    expect((await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 0, expiresAt: null })).status).toBe(
      200,
    );
    expect((await waitingFor(api, t, second?.id as number)).code).toBe("licenseSlots");
    const past = new Date(Date.now() - 60_000).toISOString();
    expect((await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 5, expiresAt: past })).status).toBe(
      200,
    );
    expect(await dispatcher().round()).toBe(0);
    expect((await waitingFor(api, t, second?.id as number)).code).toBe("licenseExpired");

    // Raised again: the held job starts on the robot that stayed connected.
    expect((await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 2, expiresAt: null })).status).toBe(
      200,
    );
    await waitForState(api, t, second?.id as number, "running");
  });
});

describe("an alert for a job pending too long", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_JOB_PENDING_ALERT_SECONDS: "60" } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("raises one warning per job, naming what it waits for", async () => {
    const host = await adminApi(server);
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = tenantPath(org);
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    const content = await tgz(
      packageFiles(
        manifest({ name: "late", version: "1.0.0", entryPoints: [{ name: "run", command: ["node", "main.js"] }] }),
      ),
    );
    expect((await uploadPackage(api, t, content)).status).toBe(201);
    const proc = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "Late", packageName: "late" });
    const [job] = await startJobs(api, t, folder.body.id, { processId: proc.body.id });
    const sweeper = server.server.services.pendingJobAlerts;
    const created = Date.parse((await api.get(`${t}/jobs/${job?.id}`)).body.createdAt);

    expect(await sweeper.sweep(new Date(created + 59_000), 60)).toBe(0);
    expect(await sweeper.sweep(new Date(created + 61_000), 60)).toBe(1);
    expect(await sweeper.sweep(new Date(created + 120_000), 60)).toBe(0);

    const alerts = await api.get(`${t}/alerts`);
    expect(alerts.status, alerts.text).toBe(200);
    const mine = alerts.body.items.filter((a: { kind: string }) => a.kind === "job-pending-too-long");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ severity: "warn", component: "jobs", link: `/jobs/${job?.id}` });
    expect(mine[0].message).toBe(
      `Job ${job?.id} of Late has been pending for more than 60 s. No machine serves this folder: add the folder to a machine.`,
    );
  });
});
