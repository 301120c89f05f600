import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openRobotSocket, type RobotSocket } from "../helpers/agent.js";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { parseCsv } from "../helpers/csv.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, Session, type TestOrg } from "../helpers/fixtures.js";
import { getJob, type JobView, logsOf, openEventStream, startJobs, waitForState } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const uuid = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

const countSchema = {
  type: "object",
  properties: { n: { type: "integer", minimum: 0 }, label: { type: "string" } },
  additionalProperties: false,
};

/**
 * Jobs through the API, without a real agent: the robot's side is spoken over a raw WebSocket
 * where a test must control exactly when a job is claimed, logs and ends.
 */
describe.each(testDatabases())("jobs on %s", (database) => {
  let server: TestServer;
  let host: Api;
  const sockets: RobotSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ database, env: { DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1" } });
    host = await adminApi(server);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.ws.terminate();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A fresh org with a folder, a package `counter` 1.0.0 and a process on it (defaults {n: 1}). */
  async function setup() {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = tenantPath(org);
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    expect(folder.status, folder.text).toBe(201);
    const folderId = folder.body.id as number;
    const content = await tgz(
      packageFiles(
        manifest({
          name: "counter",
          version: "1.0.0",
          entryPoints: [{ name: "count", command: ["node", "main.js", "--fast"], inputSchema: countSchema }],
        }),
      ),
    );
    const pkg = await uploadPackage(api, t, content);
    expect(pkg.status, pkg.text).toBe(201);
    const process = await api.post(`${t}/folders/${folderId}/processes`, {
      name: "Count",
      packageName: "counter",
      inputArguments: { n: 1 },
      priority: 40,
    });
    expect(process.status, process.text).toBe(201);
    return {
      org,
      api,
      t,
      folderId,
      processId: process.body.id as number,
      packageId: pkg.body.id as number,
      pkg: pkg.body,
    };
  }

  async function newMachine(api: Api, t: string, folderIds: number[], slots = 1) {
    const res = await api.post(`${t}/machines`, { name: unique("m"), slots, folderIds });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number; key: string; name: string };
  }

  /** A raw robot connection of the machine, said hello to. */
  async function robot(key: string) {
    const socket = await openRobotSocket(server.url, key);
    sockets.push(socket);
    const welcome = await socket.hello();
    expect(welcome.type).toBe("welcome");
    return { socket, sessionId: welcome.sessionId as number };
  }

  async function nextAssign(socket: RobotSocket) {
    for (;;) {
      const m = await socket.next();
      if (m.type === "assign") return m.job;
    }
  }

  describe("starting", () => {
    it("answers 201 with the created jobs, pending, with the contract's fields", async () => {
      const { org, api, t, folderId, processId } = await setup();
      const items = await startJobs(api, t, folderId, { processId, inputArguments: { label: "x" } });
      expect(items).toEqual([
        {
          id: expect.any(Number),
          key: uuid,
          state: "pending",
          folderId,
          processId,
          processName: "Count",
          entryPoint: "count",
          priority: 40,
          targetMachineId: null,
          machineId: null,
          // The process's defaults merged with the job's arguments.
          inputArguments: { n: 1, label: "x" },
          outputArguments: null,
          source: "api",
          createdBy: org.admin.email,
          stopAfterSeconds: null,
          killAfterSeconds: null,
          triggerId: null,
          createdAt: isoTime,
          startedAt: null,
          endedAt: null,
        },
      ]);
      const job = await getJob(api, t, items[0]?.id as number);
      expect(job).toEqual({
        ...items[0],
        timeline: [
          {
            state: "pending",
            actor: org.admin.email,
            actorName: org.admin.email,
            reason: "Started through the API",
            reasonCode: "started-api",
            reasonParams: {},
            at: isoTime,
          },
        ],
        waitingFor: {
          code: "noMachine",
          params: {},
          message: "No machine serves this folder: add the folder to a machine.",
        },
      });
      // By key as well as by id.
      expect(await getJob(api, t, job.key)).toEqual(job);
    });

    it("creates count jobs at once, each its own job", async () => {
      const { api, t, folderId, processId } = await setup();
      const items = await startJobs(api, t, folderId, {
        processId,
        count: 3,
        inputArguments: { n: 7 },
        priority: 90,
        stopAfterSeconds: 60,
        killAfterSeconds: 120,
      });
      expect(items).toHaveLength(3);
      expect(new Set(items.map((j) => j.id)).size).toBe(3);
      expect(new Set(items.map((j) => j.key)).size).toBe(3);
      for (const j of items) {
        expect(j).toMatchObject({
          state: "pending",
          priority: 90,
          inputArguments: { n: 7 },
          stopAfterSeconds: 60,
          killAfterSeconds: 120,
        });
      }
      const listed = await api.get(`${t}/jobs?processId=${processId}`);
      expect(listed.body.items.map((j: JobView) => j.id).sort()).toEqual(items.map((j) => j.id).sort());
    });

    it("records jobs started from the UI as manual", async () => {
      const { org, t, folderId, processId } = await setup();
      const session = await Session.login(server.url, {
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      });
      const res = await session.request("POST", `${t}/folders/${folderId}/jobs`, { processId });
      expect(res.status, res.text).toBe(201);
      expect(res.body.items[0]).toMatchObject({ source: "manual", createdBy: org.admin.email });
      const job = await getJob(org.admin.api, t, res.body.items[0].id);
      expect(job.timeline).toEqual([
        {
          state: "pending",
          actor: org.admin.email,
          actorName: org.admin.email,
          reason: "Started by hand",
          reasonCode: "started-manually",
          reasonParams: {},
          at: isoTime,
        },
      ]);
    });

    it("validates the body, naming each invalid field, and creates nothing", async () => {
      const { api, t, folderId, processId } = await setup();
      const other = await api.post(`${t}/folders`, { name: unique("Other") });
      const foreignMachine = await newMachine(api, t, [other.body.id]);
      const post = (body: unknown) => api.post(`${t}/folders/${folderId}/jobs`, body);
      const cases: [unknown, { path: string; message?: string }[]][] = [
        [
          { processId, bogus: 1, other: 2 },
          [
            { path: "bogus", message: "is not a known field" },
            { path: "other", message: "is not a known field" },
          ],
        ],
        [{}, [{ path: "processId", message: "is required" }]],
        [{ processId: "1" }, [{ path: "processId" }]],
        [{ processId: 0 }, [{ path: "processId" }]],
        [{ processId: -3 }, [{ path: "processId" }]],
        [{ processId: 1.5 }, [{ path: "processId" }]],
        [{ processId: 99_999_999 }, [{ path: "processId", message: "is not a process of this folder" }]],
        [{ processId, count: 0 }, [{ path: "count" }]],
        [{ processId, count: 101 }, [{ path: "count" }]],
        [{ processId, count: "3" }, [{ path: "count" }]],
        [{ processId, priority: 0 }, [{ path: "priority" }]],
        [{ processId, priority: 101 }, [{ path: "priority" }]],
        [{ processId, stopAfterSeconds: 0 }, [{ path: "stopAfterSeconds" }]],
        [{ processId, killAfterSeconds: 604_801 }, [{ path: "killAfterSeconds" }]],
        [{ processId, inputArguments: "n=1" }, [{ path: "inputArguments" }]],
        [{ processId, inputArguments: [1] }, [{ path: "inputArguments" }]],
        [
          { processId, inputArguments: { n: -1, colour: "red" } },
          [
            { path: "inputArguments.n", message: "must be >= 0" },
            { path: "inputArguments.colour", message: "is not a known field" },
          ],
        ],
        [{ processId, inputArguments: { n: "one" } }, [{ path: "inputArguments.n", message: "must be integer" }]],
        [
          { processId, machineId: foreignMachine.id },
          [{ path: "machineId", message: "is not a machine assigned to this folder" }],
        ],
        [
          { processId, machineId: 99_999_999 },
          [{ path: "machineId", message: "is not a machine assigned to this folder" }],
        ],
      ];
      const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
      for (const [body, expected] of cases) {
        const got = [...(expectProblem(await post(body), 400, "validation-failed").errors ?? [])].sort(byPath);
        const want = [...expected].sort(byPath);
        expect(
          got.map((e) => e.path),
          JSON.stringify(body),
        ).toEqual(want.map((e) => e.path));
        want.forEach((e, i) => {
          if (e.message) expect(got[i]?.message, JSON.stringify(body)).toBe(e.message);
        });
      }
      for (const body of ["[]", '"x"', "42", "null"]) expectProblem(await post(body), 400, "validation-failed");
      // A process of another folder is not a process of this one.
      const foreign = await api.post(`${t}/folders/${other.body.id}/processes`, { name: "P", packageName: "counter" });
      expect(expectProblem(await post({ processId: foreign.body.id }), 400, "validation-failed").errors).toEqual([
        { path: "processId", message: "is not a process of this folder" },
      ]);
      expectProblem(await api.post(`${t}/folders/99999999/jobs`, { processId }), 404, "not-found");
      // "abc" is read as a folder path (issue #12, defect 14): no folder has it.
      expectProblem(await api.post(`${t}/folders/abc/jobs`, { processId }), 404, "not-found");
      expect((await api.get(`${t}/jobs`)).body.items).toEqual([]);
    });
  });

  describe("cancel and restart without a robot", () => {
    it("cancels a pending job (stop or kill) straight to stopped, and refuses to stop it again", async () => {
      const { org, api, t, folderId, processId } = await setup();
      const [a, b] = await startJobs(api, t, folderId, { processId, count: 2 });
      const stopped = await api.post(`${t}/jobs/${a?.id}/stop`, { mode: "stop" });
      expect(stopped.status, stopped.text).toBe(200);
      expect(stopped.body).toMatchObject({
        id: a?.id,
        state: "stopped",
        endedAt: isoTime,
        startedAt: null,
        machineId: null,
      });
      expect(stopped.body.error).toBeUndefined();
      const killed = await api.post(`${t}/jobs/${b?.key}/stop`, { mode: "kill" });
      expect(killed.body).toMatchObject({ id: b?.id, state: "stopped" });
      // `mode` defaults to stop.
      const [c] = await startJobs(api, t, folderId, { processId });
      expect((await api.post(`${t}/jobs/${c?.id}/stop`, {})).body.state).toBe("stopped");

      const job = await getJob(api, t, a?.id as number);
      expect(job.timeline).toEqual([
        {
          state: "pending",
          actor: org.admin.email,
          actorName: org.admin.email,
          reason: "Started through the API",
          reasonCode: "started-api",
          reasonParams: {},
          at: isoTime,
        },
        {
          state: "stopped",
          actor: org.admin.email,
          actorName: org.admin.email,
          reason: "Cancelled before it started",
          reasonCode: "cancelled-before-start",
          reasonParams: {},
          at: isoTime,
        },
      ]);
      for (const mode of ["stop", "kill"]) {
        const again = expectProblem(
          await api.post(`${t}/jobs/${a?.id}/stop`, { mode }),
          409,
          "invalid-state-transition",
        );
        expect(again.detail).toBe(`A stopped job cannot be ${mode === "kill" ? "killed" : "stopped"}.`);
      }
      expect(
        expectProblem(await api.post(`${t}/jobs/${a?.id}/stop`, { mode: "pause" }), 400, "validation-failed")
          .errors?.[0]?.path,
      ).toBe("mode");
      expectProblem(await api.post(`${t}/jobs/${a?.id}/stop`, { mode: "stop", force: true }), 400, "validation-failed");
      expect((await getJob(api, t, a?.id as number)).timeline).toHaveLength(2);
    });

    it("restarts a finished job as a new pending job with the same process, arguments and limits", async () => {
      const { org, api, t, folderId, processId } = await setup();
      const m = await newMachine(api, t, [folderId]);
      const [first] = await startJobs(api, t, folderId, {
        processId,
        inputArguments: { n: 5 },
        priority: 77,
        machineId: m.id,
        stopAfterSeconds: 30,
        killAfterSeconds: 40,
      });
      const conflict = expectProblem(await api.post(`${t}/jobs/${first?.id}/restart`), 409, "invalid-state-transition");
      expect(conflict.detail).toBe("Only a finished job can be restarted.");
      await api.post(`${t}/jobs/${first?.id}/stop`, { mode: "stop" });
      const res = await api.post(`${t}/jobs/${first?.id}/restart`);
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        state: "pending",
        processId,
        inputArguments: { n: 5 },
        priority: 77,
        targetMachineId: m.id,
        stopAfterSeconds: 30,
        killAfterSeconds: 40,
        source: "manual",
        createdBy: org.admin.email,
      });
      expect(res.body.id).not.toBe(first?.id);
      expect(res.body.key).not.toBe(first?.key);
      expect((await getJob(api, t, first?.id as number)).state).toBe("stopped");
      // A job whose process was deleted cannot be restarted.
      await api.post(`${t}/jobs/${res.body.id}/stop`, { mode: "stop" });
      expect((await api.delete(`${t}/processes/${processId}`)).status).toBe(204);
      expect((await getJob(api, t, res.body.id)).processId).toBeNull();
      expectProblem(await api.post(`${t}/jobs/${res.body.id}/restart`), 409, "conflict");
    });
  });

  describe("lists", () => {
    it("filters by state, process, machine, folder and time, newest first, with a cursor", async () => {
      const { api, t, folderId, processId } = await setup();
      const other = await api.post(`${t}/folders`, { name: unique("Other") });
      const p2 = await api.post(`${t}/folders/${other.body.id}/processes`, { name: "P2", packageName: "counter" });
      const a = await startJobs(api, t, folderId, { processId, count: 3 });
      const b = await startJobs(api, t, other.body.id, { processId: p2.body.id, count: 2 });
      await api.post(`${t}/jobs/${a[0]?.id}/stop`, {});
      const ids = (res: { body: { items: JobView[] } }) => res.body.items.map((j) => j.id);
      const all = await api.get(`${t}/jobs`);
      expect(all.status, all.text).toBe(200);
      expect(ids(all)).toEqual([...a, ...b].map((j) => j.id).sort((x, y) => y - x));
      expect(all.body.nextCursor).toBeNull();
      expect(ids(await api.get(`${t}/jobs?state=stopped`))).toEqual([a[0]?.id]);
      expect(ids(await api.get(`${t}/jobs?state=pending&folderId=${folderId}`))).toEqual([a[2]?.id, a[1]?.id]);
      expect(ids(await api.get(`${t}/jobs?processId=${p2.body.id}`))).toEqual([b[1]?.id, b[0]?.id]);
      expect(ids(await api.get(`${t}/jobs?folderId=${other.body.id}`))).toEqual([b[1]?.id, b[0]?.id]);
      expect(ids(await api.get(`${t}/jobs?machineId=12345`))).toEqual([]);
      expect(ids(await api.get(`${t}/jobs?from=2999-01-01T00:00:00Z`))).toEqual([]);
      expect(ids(await api.get(`${t}/jobs?to=2000-01-01T00:00:00Z`))).toEqual([]);
      expect(ids(await api.get(`${t}/jobs?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z`))).toHaveLength(5);

      const page1 = await api.get(`${t}/jobs?limit=2`);
      expect(page1.body.items).toHaveLength(2);
      const page2 = await api.get(`${t}/jobs?limit=2&cursor=${page1.body.nextCursor}`);
      const page3 = await api.get(`${t}/jobs?limit=2&cursor=${page2.body.nextCursor}`);
      expect(page3.body.nextCursor).toBeNull();
      expect([...ids(page1), ...ids(page2), ...ids(page3)]).toEqual(ids(all));

      for (const query of ["state=done", "processId=x", "from=yesterday", "bogus=1", "limit=0", "cursor=abc"]) {
        expectProblem(await api.get(`${t}/jobs?${query}`), 400, "validation-failed");
      }
    });
  });

  describe("isolation and permissions", () => {
    it("answers 404 for another organization's job, by id and by key, everywhere", async () => {
      const a = await setup();
      const b = await setup();
      const [job] = await startJobs(a.api, a.t, a.folderId, { processId: a.processId });
      for (const ref of [job?.id, job?.key]) {
        for (const [method, path, body] of [
          ["GET", `${b.t}/jobs/${ref}`],
          ["POST", `${b.t}/jobs/${ref}/stop`, { mode: "kill" }],
          ["POST", `${b.t}/jobs/${ref}/restart`, {}],
          ["GET", `${b.t}/jobs/${ref}/logs`],
          ["GET", `${b.t}/jobs/${ref}/logs.csv`],
          ["GET", `${b.t}/jobs/${ref}/logs/stream`],
          // B's user addressing A's tenant: not a member of that organization.
          ["GET", `${a.t}/jobs/${ref}`],
          ["POST", `${a.t}/jobs/${ref}/stop`, { mode: "kill" }],
        ] as [string, string, unknown?][]) {
          expectProblem(await b.api.request(method, path, body), 404, "not-found");
        }
      }
      expectProblem(
        await b.api.post(`${a.t}/folders/${a.folderId}/jobs`, { processId: a.processId }),
        404,
        "not-found",
      );
      expect(
        expectProblem(
          await b.api.post(`${b.t}/folders/${b.folderId}/jobs`, { processId: a.processId }),
          400,
          "validation-failed",
        ).errors,
      ).toEqual([{ path: "processId", message: "is not a process of this folder" }]);
      expect((await b.api.get(`${b.t}/jobs`)).body.items).toEqual([]);
      // Nothing happened to it.
      expect((await getJob(a.api, a.t, job?.id as number)).state).toBe("pending");
    });

    it("lets a Viewer see jobs and logs but not start, stop or restart them; users without a role see nothing", async () => {
      const { org, api, t, folderId, processId } = await setup();
      const [job] = await startJobs(api, t, folderId, { processId });
      const roles = await api.get(`${t}/roles`);
      const viewerRole = roles.body.items.find((r: { name: string }) => r.name === "Viewer");
      const viewer = await createUser(api, org.slug);
      expect(
        (await api.put(`${t}/folders/${folderId}/assignments/${viewer.id}`, { roleIds: [viewerRole.id] })).status,
      ).toBe(204);
      const nobody = await createUser(api, org.slug);

      expect((await viewer.api.get(`${t}/jobs/${job?.id}`)).status).toBe(200);
      expect((await viewer.api.get(`${t}/jobs/${job?.id}/logs`)).status).toBe(200);
      expect((await viewer.api.get(`${t}/jobs`)).body.items.map((j: JobView) => j.id)).toEqual([job?.id]);
      expectProblem(await viewer.api.post(`${t}/folders/${folderId}/jobs`, { processId }), 403, "forbidden");
      expectProblem(await viewer.api.post(`${t}/jobs/${job?.id}/stop`, { mode: "stop" }), 403, "forbidden");

      expectProblem(await nobody.api.get(`${t}/jobs/${job?.id}`), 404, "not-found");
      expectProblem(await nobody.api.post(`${t}/jobs/${job?.id}/stop`, { mode: "stop" }), 404, "not-found");
      expect((await nobody.api.get(`${t}/jobs`)).body.items).toEqual([]);
      expect((await getJob(api, t, job?.id as number)).state).toBe("pending");
    });
  });

  describe("log retention", () => {
    it("deletes lines older than the tenant's retention in batches, and keeps the newer ones", async () => {
      const { api, t, folderId, processId, org } = await setup();
      const [job] = await startJobs(api, t, folderId, { processId });
      const db = server.server.services.ctx.db;
      const row = await db
        .selectFrom("jobs")
        .selectAll()
        .where("id", "=", job?.id as number)
        .executeTakeFirstOrThrow();
      const line = (timestamp: string, message: string) => ({
        job_id: row.id,
        tenant_id: row.tenant_id,
        folder_id: row.folder_id,
        process_id: row.process_id,
        machine_id: null,
        timestamp,
        level: "info" as const,
        message,
      });
      const old = new Date(Date.now() - 400 * 86_400_000).toISOString();
      // More than two batches of old lines, and two recent ones.
      for (let i = 0; i < 12; i++) {
        await db
          .insertInto("job_logs")
          .values(Array.from({ length: 1000 }, (_, j) => line(old, `old ${i}-${j}`)))
          .execute();
      }
      await db
        .insertInto("job_logs")
        .values([line(new Date().toISOString(), "recent 1"), line(new Date().toISOString(), "recent 2")])
        .execute();
      expect(org.defaultTenantId).toBe(row.tenant_id);
      expect(await server.server.services.jobs.purgeLogs()).toBeGreaterThanOrEqual(12_000);
      expect((await logsOf(api, t, row.id)).map((l) => l.message)).toEqual(["recent 1", "recent 2"]);
    });
  });

  describe("pages for users who see few folders", () => {
    it("fills every page with the user's jobs however many jobs of other folders come between", async () => {
      const { org, api, t, folderId, processId } = await setup();
      const other = await api.post(`${t}/folders`, { name: unique("Busy") });
      const busy = await api.post(`${t}/folders/${other.body.id}/processes`, { name: "Busy", packageName: "counter" });
      const mine = await startJobs(api, t, folderId, { processId, count: 3 });
      // Twenty jobs of a folder the user cannot see, newer than theirs.
      await startJobs(api, t, other.body.id, { processId: busy.body.id, count: 20 });
      const roles = await api.get(`${t}/roles`);
      const viewerRole = roles.body.items.find((r: { name: string }) => r.name === "Viewer");
      const viewer = await createUser(api, org.slug);
      expect(
        (await api.put(`${t}/folders/${folderId}/assignments/${viewer.id}`, { roleIds: [viewerRole.id] })).status,
      ).toBe(204);
      const page1 = await viewer.api.get(`${t}/jobs?limit=2`);
      expect(page1.body.items.map((j: JobView) => j.id)).toEqual([mine[2]?.id, mine[1]?.id]);
      expect(page1.body.nextCursor).not.toBeNull();
      const page2 = await viewer.api.get(`${t}/jobs?limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body.items.map((j: JobView) => j.id)).toEqual([mine[0]?.id]);
      expect(page2.body.nextCursor).toBeNull();
    });
  });

  describe("with a robot connection", () => {
    it("assigns a job to a session of a machine of its folder, and records each transition with its actor", async () => {
      const { org, api, t, folderId, processId, pkg } = await setup();
      const m = await newMachine(api, t, [folderId], 1);
      const { socket, sessionId } = await robot(m.key);
      const [job] = await startJobs(api, t, folderId, { processId, inputArguments: { n: 2 } });
      const assigned = await nextAssign(socket);
      expect(assigned).toEqual({
        key: job?.key,
        id: job?.id,
        processName: "Count",
        package: { id: pkg.id, sha256: pkg.sha256, format: "tgz" },
        command: ["node", "main.js", "--fast"],
        inputArguments: { n: 2 },
        token: expect.stringMatching(/^dgj_/),
        // What the original's SDK reads inside the job (docs/compatibility.md).
        compat: {
          org: org.slug,
          tenant: "Default",
          folderKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
          robotKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
        },
      });
      const running = await waitForState(api, t, job?.id as number, "running");
      expect(running).toMatchObject({ machineId: m.id, startedAt: isoTime, endedAt: null });

      socket.send({
        type: "job-finished",
        jobKey: job?.key,
        exitCode: 0,
        outputArguments: { total: 2 },
        error: null,
        stopped: false,
      });
      const done = await waitForState(api, t, job?.id as number, "successful");
      expect(done).toMatchObject({ outputArguments: { total: 2 }, endedAt: isoTime });
      expect(done.error).toBeUndefined();
      expect(done.timeline).toEqual([
        {
          state: "pending",
          actor: org.admin.email,
          actorName: org.admin.email,
          reason: "Started through the API",
          reasonCode: "started-api",
          reasonParams: {},
          at: isoTime,
        },
        // The stored actor stays "machine <id>"; readers get the machine's name.
        {
          state: "running",
          actor: `machine ${m.id}`,
          actorName: m.name,
          reason: `Assigned to session ${sessionId}`,
          reasonCode: "assigned-to-session",
          reasonParams: { session: sessionId },
          at: isoTime,
        },
        {
          state: "successful",
          actor: `machine ${m.id}`,
          actorName: m.name,
          reason: "Exited with code 0",
          reasonCode: "exited-with-code",
          reasonParams: { code: 0 },
          at: isoTime,
        },
      ]);
      // A second report changes nothing.
      socket.send({
        type: "job-finished",
        jobKey: job?.key,
        exitCode: 1,
        outputArguments: null,
        error: "late",
        stopped: false,
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(await getJob(api, t, job?.id as number)).toEqual(done);
      // A renamed machine shows its new name on the timeline.
      const renamed = await api.patch(`${t}/machines/${m.id}`, { name: `${m.name}-renamed` });
      expect(renamed.status, renamed.text).toBe(200);
      expect((await api.get(`${t}/jobs/${job?.id}`)).body.timeline[1].actorName).toBe(`${m.name}-renamed`);
    });

    it("faults a pending job whose package version was deleted when a robot claims it, and hands the next job out", async () => {
      const { api, t, folderId, processId } = await setup();
      const [orphan] = await startJobs(api, t, folderId, { processId });
      // A newer version becomes the process's latest, so the orphan's version may be deleted.
      const newer = await uploadPackage(
        api,
        t,
        await tgz(
          packageFiles(
            manifest({
              name: "counter",
              version: "1.0.1",
              entryPoints: [{ name: "count", command: ["node", "main.js"], inputSchema: countSchema }],
            }),
          ),
        ),
      );
      expect(newer.status, newer.text).toBe(201);
      const deleted = await api.delete(`${t}/packages/counter/1.0.0`);
      expect(deleted.status, deleted.text).toBe(204);
      const [next] = await startJobs(api, t, folderId, { processId });
      const m = await newMachine(api, t, [folderId], 1);
      const { socket } = await robot(m.key);
      const assigned = await nextAssign(socket);
      expect(assigned).toMatchObject({ id: next?.id, package: { id: newer.body.id, sha256: newer.body.sha256 } });
      const faulted = await waitForState(api, t, orphan?.id as number, "faulted");
      expect(faulted.error).toBe("The job's package version was deleted.");
    });

    it("faults a job whose automation exits non-zero, with the robot's error, and stops a running job on request", async () => {
      const { org, api, t, folderId, processId } = await setup();
      const m = await newMachine(api, t, [folderId], 2);
      const { socket } = await robot(m.key);
      const [failing, stoppable] = await startJobs(api, t, folderId, { processId, count: 2 });
      const keys = [(await nextAssign(socket)).key, (await nextAssign(socket)).key];
      expect(keys.sort()).toEqual([failing?.key, stoppable?.key].sort());

      socket.send({
        type: "job-finished",
        jobKey: failing?.key,
        exitCode: 3,
        outputArguments: null,
        error: "line 1\nline 2",
        stopped: false,
      });
      const faulted = await waitForState(api, t, failing?.id as number, "faulted");
      expect(faulted.error).toBe("line 1\nline 2");
      expect(faulted.timeline.at(-1)).toEqual({
        state: "faulted",
        actor: `machine ${m.id}`,
        actorName: expect.any(String),
        reason: "line 1\nline 2",
        reasonCode: null,
        reasonParams: null,
        at: isoTime,
      });

      const stopping = await api.post(`${t}/jobs/${stoppable?.id}/stop`, { mode: "stop" });
      expect(stopping.body.state).toBe("stopping");
      expect(await socket.next()).toEqual({ type: "stop", jobKey: stoppable?.key, mode: "stop" });
      // Asked again while stopping: a kill escalates; another stop is refused.
      expectProblem(
        await api.post(`${t}/jobs/${stoppable?.id}/stop`, { mode: "stop" }),
        409,
        "invalid-state-transition",
      );
      expect((await api.post(`${t}/jobs/${stoppable?.id}/stop`, { mode: "kill" })).body.state).toBe("terminating");
      expect(await socket.next()).toEqual({ type: "stop", jobKey: stoppable?.key, mode: "kill" });
      socket.send({
        type: "job-finished",
        jobKey: stoppable?.key,
        exitCode: null,
        outputArguments: null,
        error: null,
        stopped: true,
      });
      const stopped = await waitForState(api, t, stoppable?.id as number, "stopped");
      expect(stopped.timeline.map((e) => [e.state, e.actor, e.reason])).toEqual([
        ["pending", org.admin.email, "Started through the API"],
        ["running", `machine ${m.id}`, expect.stringMatching(/^Assigned to session \d+$/)],
        ["stopping", org.admin.email, "Stop requested"],
        ["terminating", org.admin.email, "Kill requested"],
        ["stopped", `machine ${m.id}`, "The process was ended by a signal"],
      ]);
      // Without an error text the exit code is the error.
      const [bare] = await startJobs(api, t, folderId, { processId });
      const key = (await nextAssign(socket)).key;
      expect(key).toBe(bare?.key);
      socket.send({
        type: "job-finished",
        jobKey: key,
        exitCode: 9,
        outputArguments: null,
        error: null,
        stopped: false,
      });
      expect((await waitForState(api, t, bare?.id as number, "faulted")).error).toBe(
        "The automation exited with code 9.",
      );
    });

    it("ignores logs and results a session sends for a job it does not run", async () => {
      const { api, t, folderId, processId } = await setup();
      const m1 = await newMachine(api, t, [folderId], 1);
      const m2 = await newMachine(api, t, [], 1);
      const { socket } = await robot(m1.key);
      const { socket: intruder } = await robot(m2.key);
      const [job] = await startJobs(api, t, folderId, { processId });
      expect((await nextAssign(socket)).key).toBe(job?.key);
      intruder.send({
        type: "logs",
        jobKey: job?.key,
        entries: [{ timestamp: new Date().toISOString(), level: "info", message: "forged" }],
      });
      intruder.send({
        type: "job-finished",
        jobKey: job?.key,
        exitCode: 0,
        outputArguments: { forged: true },
        error: null,
        stopped: false,
      });
      await new Promise((r) => setTimeout(r, 500));
      const still = await getJob(api, t, job?.id as number);
      expect(still.state).toBe("running");
      expect(await logsOf(api, t, job?.id as number)).toEqual([]);
      // The job's own robot still can.
      socket.send({
        type: "logs",
        jobKey: job?.key,
        entries: [{ timestamp: new Date().toISOString(), level: "info", message: "real" }],
      });
      socket.send({
        type: "job-finished",
        jobKey: job?.key,
        exitCode: 0,
        outputArguments: null,
        error: null,
        stopped: false,
      });
      await waitForState(api, t, job?.id as number, "successful");
      expect((await logsOf(api, t, job?.id as number)).map((l) => l.message)).toEqual(["real"]);
    });
  });

  describe("logs", () => {
    /** A running job on a raw robot connection that has sent a set of lines at every level. */
    async function jobWithLogs() {
      const ctx = await setup();
      const { api, t, folderId, processId } = ctx;
      const m = await newMachine(api, t, [folderId], 1);
      const { socket } = await robot(m.key);
      const [job] = await startJobs(api, t, folderId, { processId });
      const key = (await nextAssign(socket)).key as string;
      const at = (i: number) => new Date(Date.UTC(2024, 0, 1, 12, 0, i)).toISOString();
      const lines: [string, string][] = [
        ["trace", "entering loop"],
        ["debug", "Invoice 42 parsed"],
        ["info", "Invoice 42 booked"],
        ["warn", "Progress 100% done"],
        ["info", "Progress 1000 done"],
        ["error", "INVOICE 43 failed"],
        ["fatal", "giving up"],
        ["info", "=SUM(A1:A9)"],
        // A leading tab also makes spreadsheets read a formula.
        ["info", "\t+1+cmd"],
        ["info", 'He said "hi", then left\nand a second line'],
      ];
      socket.send({
        type: "logs",
        jobKey: key,
        entries: lines.map(([level, message], i) => ({ timestamp: at(i), level, message })),
      });
      await expect
        .poll(async () => (await logsOf(api, t, job?.id as number)).length, { timeout: 10_000 })
        .toBe(lines.length);
      return { ...ctx, socket, job: job as JobView, key, lines, at };
    }

    it("returns lines in order with timestamp and level; filters by minimum level and by text", async () => {
      const { api, t, job, lines, at } = await jobWithLogs();
      const all = await logsOf(api, t, job.id);
      expect(all.map((l) => ({ timestamp: l.timestamp, level: l.level, message: l.message }))).toEqual(
        lines.map(([level, message], i) => ({ timestamp: at(i), level, message })),
      );
      const messages = (items: { message: string }[]) => items.map((l) => l.message);
      expect(messages(await logsOf(api, t, job.id, "?level=warn"))).toEqual([
        "Progress 100% done",
        "INVOICE 43 failed",
        "giving up",
      ]);
      expect(messages(await logsOf(api, t, job.id, "?level=error"))).toEqual(["INVOICE 43 failed", "giving up"]);
      expect(messages(await logsOf(api, t, job.id, "?level=fatal"))).toEqual(["giving up"]);
      expect(await logsOf(api, t, job.id, "?level=trace")).toEqual(all);
      // Text search is case-insensitive and takes % and _ literally.
      expect(messages(await logsOf(api, t, job.id, "?q=invoice"))).toEqual([
        "Invoice 42 parsed",
        "Invoice 42 booked",
        "INVOICE 43 failed",
      ]);
      expect(messages(await logsOf(api, t, job.id, "?q=invoice&level=info"))).toEqual([
        "Invoice 42 booked",
        "INVOICE 43 failed",
      ]);
      expect(messages(await logsOf(api, t, job.id, `?q=${encodeURIComponent("100%")}`))).toEqual([
        "Progress 100% done",
      ]);
      expect(messages(await logsOf(api, t, job.id, "?q=_"))).toEqual([]);
      expect(await logsOf(api, t, job.id, "?q=nothing-like-this")).toEqual([]);
      // `after` and `limit` page through the lines.
      const first = await logsOf(api, t, job.id, "?limit=4");
      expect(first).toEqual(all.slice(0, 4));
      expect(await logsOf(api, t, job.id, `?after=${first.at(-1)?.id}`)).toEqual(all.slice(4));
      for (const query of ["level=verbose", "limit=0", "after=-1", "bogus=1", `q=${"x".repeat(201)}`])
        expectProblem(await api.get(`${t}/jobs/${job.id}/logs?${query}`), 400, "validation-failed");
    });

    it("exports the lines as CSV, filtered the same way, with formulas defused", async () => {
      const { api, t, job, lines, at } = await jobWithLogs();
      const res = await api.get(`${t}/jobs/${job.id}/logs.csv`);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="job-${job.id}-logs.csv"`);
      expect(parseCsv(res.text)).toEqual([
        ["Time", "Level", "Message"],
        ...lines.map(([level, message], i) => [at(i), level, /^[=+\-@\t\r]/.test(message) ? `'${message}` : message]),
      ]);
      const errors = await api.get(`${t}/jobs/${job.id}/logs.csv?level=error&q=invoice`);
      expect(parseCsv(errors.text)).toEqual([
        ["Time", "Level", "Message"],
        [at(5), "error", "INVOICE 43 failed"],
      ]);
      expectProblem(await api.get(`${t}/jobs/${job.id}/logs.csv?after=3`), 400, "validation-failed");
    });

    it("streams lines live as server-sent events and ends with an `end` event once the job finished", async () => {
      const { api, t, job, socket, key, lines } = await jobWithLogs();
      const stream = await openEventStream(`${api.baseUrl}/api/v1${t}/jobs/${job.id}/logs/stream`, api.token);
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toBe("text/event-stream");
      // The lines so far come first.
      const backlog = await stream.waitFor((e) => e.event === "log", lines.length);
      expect(backlog.map((e) => JSON.parse(e.data).message)).toEqual(lines.map(([, m]) => m));
      expect(
        backlog.every(
          (e, i) => e.id === String(JSON.parse(e.data).id) && (i === 0 || Number(e.id) > Number(backlog[i - 1]?.id)),
        ),
      ).toBe(true);

      // New lines arrive while the job runs, each soon after it was sent.
      for (const message of ["live one", "live two"]) {
        const sentAt = Date.now();
        socket.send({
          type: "logs",
          jobKey: key,
          entries: [{ timestamp: new Date().toISOString(), level: "info", message }],
        });
        const [event] = await stream.waitFor((e) => e.event === "log" && JSON.parse(e.data).message === message);
        expect(JSON.parse(event?.data ?? "{}")).toMatchObject({ level: "info", message });
        expect(event?.receivedAt).toBeGreaterThanOrEqual(sentAt);
        expect(stream.ended).toBe(false);
      }
      expect((await getJob(api, t, job.id)).state).toBe("running");
      socket.send({
        type: "job-finished",
        jobKey: key,
        exitCode: 1,
        outputArguments: null,
        error: "boom",
        stopped: false,
      });
      await stream.closed;
      const last = stream.events.at(-1);
      expect(last?.event).toBe("end");
      expect(JSON.parse(last?.data ?? "{}")).toEqual({ state: "faulted" });
      expect(stream.events.filter((e) => e.event === "log")).toHaveLength(lines.length + 2);

      // A stream of a finished job replays (from `after`) and ends at once.
      const allLines = await logsOf(api, t, job.id);
      const replay = await openEventStream(
        `${api.baseUrl}/api/v1${t}/jobs/${job.id}/logs/stream?after=${allLines.at(-3)?.id}`,
        api.token,
      );
      await replay.closed;
      expect(replay.events.map((e) => e.event)).toEqual(["log", "log", "end"]);
      expect(replay.events.slice(0, 2).map((e) => JSON.parse(e.data).message)).toEqual(["live one", "live two"]);
      // Without credentials: no stream.
      const anonymous = await fetch(`${api.baseUrl}/api/v1${t}/jobs/${job.id}/logs/stream`);
      expect(anonymous.status).toBe(401);
    });
  });

  it("faults the jobs of a robot gone longer than the grace period, not before, and not when it came back", async () => {
    const { api, t, folderId, processId } = await setup();
    const m = await newMachine(api, t, [folderId], 2);
    const { socket, sessionId } = await robot(m.key);
    const [lost, resumed] = await startJobs(api, t, folderId, { processId, count: 2 });
    await nextAssign(socket);
    await nextAssign(socket);
    // The robot had both (its heartbeat said so): a job it had is faulted, never run again.
    socket.send({ type: "heartbeat", runningJobs: [lost?.key, resumed?.key] });
    await new Promise((r) => setTimeout(r, 500));
    socket.ws.terminate();
    const services = server.server.services;
    await expect
      .poll(async () => (await api.get(`${t}/machines/${m.id}`)).body.sessions[0]?.disconnectedAt, { timeout: 10_000 })
      .not.toBeNull();
    // The robot comes back with one of its two jobs.
    const back = await openRobotSocket(server.url, m.key);
    sockets.push(back);
    const welcome = await back.hello({ runningJobs: [resumed?.key] });
    expect(welcome.sessionId).not.toBe(sessionId);

    // Within the grace period nothing happens.
    await services.jobs.sweep(60);
    expect((await getJob(api, t, lost?.id as number)).state).toBe("running");
    const real = services.ctx.clock;
    services.ctx.clock = { now: () => new Date(Date.now() + 61_000) };
    try {
      await services.jobs.sweep(60);
    } finally {
      services.ctx.clock = real;
    }
    const faulted = await getJob(api, t, lost?.id as number);
    expect(faulted).toMatchObject({ state: "faulted", error: "The robot disconnected and did not come back in time." });
    expect(faulted.timeline.at(-1)).toMatchObject({
      state: "faulted",
      actor: "system",
      reason: "The robot disconnected and did not come back in time.",
    });
    const kept = await getJob(api, t, resumed?.id as number);
    expect(kept.state).toBe("running");
    expect(kept.timeline.at(-1)).toMatchObject({
      state: "running",
      actor: `machine ${m.id}`,
      reason: `Resumed on session ${welcome.sessionId}`,
    });
    back.send({
      type: "job-finished",
      jobKey: resumed?.key,
      exitCode: 0,
      outputArguments: null,
      error: null,
      stopped: false,
    });
    await waitForState(api, t, resumed?.id as number, "successful");
  });
});
