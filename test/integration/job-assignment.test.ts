import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRobotSocket, type RobotSocket } from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { getJob } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * An assignment the robot never received (the server or the connection died between storing it
 * and sending it) is taken back when that robot says hello again without the job (issue #11
 * item 2): the job waits for a robot again instead of staying running until it is faulted.
 */
describe.each(testDatabases())("unacknowledged assignments on %s", { timeout: 60_000 }, (database) => {
  let server: TestServer;
  let api: Api;
  let t: string;
  const sockets: RobotSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ database });
    const org = await createOrg(await adminApi(server));
    api = org.admin.api;
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await server?.stop();
  });

  async function assignedJob() {
    const folder = (await api.post(`${t}/folders`, { name: unique("F") })).body.id as number;
    const name = unique("pkg").toLowerCase();
    expect((await uploadPackage(api, t, await tgz(packageFiles(manifest({ name }))))).status).toBe(201);
    const process = await api.post(`${t}/folders/${folder}/processes`, { name: unique("P"), packageName: name });
    const machine = await api.post(`${t}/machines`, { name: unique("m"), slots: 1, folderIds: [folder] });
    const first = await connect(machine.body.key);
    const started = await api.post(`${t}/folders/${folder}/jobs`, { processId: process.body.id });
    expect(started.status, started.text).toBe(201);
    const assign = await nextOf(first, "assign");
    return { key: machine.body.key as string, first, job: assign.job as { id: number; key: string } };
  }

  async function connect(key: string) {
    const socket = await openRobotSocket(server.url, key);
    sockets.push(socket);
    expect((await socket.hello({ hostName: "robot-host-1" })).type).toBe("welcome");
    return socket;
  }

  async function nextOf(socket: RobotSocket, type: string, timeoutMs = 20_000) {
    for (;;) {
      const message = await socket.next(timeoutMs);
      if (message.type === type) return message;
    }
  }

  it("puts a job back to pending when its robot returns without it, and runs it on the new session", async () => {
    const { key, first, job } = await assignedJob();
    expect((await getJob(api, t, job.id)).state).toBe("running");
    // The assignment is lost on the way: the connection dies before the robot shows it has the job.
    first.ws.terminate();
    const second = await connect(key);
    const again = await nextOf(second, "assign");
    expect(again.job.key).toBe(job.key);
    const view = await getJob(api, t, job.id);
    expect(view.state).toBe("running");
    expect(view.timeline.map((e) => [e.state, e.reason])).toEqual([
      ["pending", expect.any(String)],
      ["running", expect.stringMatching(/^Assigned to session/)],
      ["pending", "The robot never received the job; it waits for a robot again"],
      ["running", expect.stringMatching(/^Assigned to session/)],
    ]);
  });

  it("leaves a job the robot acknowledged with its robot (it is resumed or faulted, never run twice)", async () => {
    const { key, first, job } = await assignedJob();
    first.send({ type: "heartbeat", runningJobs: [job.key] });
    // The acknowledgement is stored before the robot goes away (messages are handled in order).
    await new Promise((r) => setTimeout(r, 1_000));
    first.ws.terminate();
    const second = await connect(key);
    await expect(
      nextOf(second, "assign", 5_000).then(
        () => "assigned",
        () => "none",
      ),
    ).resolves.toBe("none");
    const view = await getJob(api, t, job.id);
    expect(view.state).toBe("running");
    expect(view.timeline.filter((e) => e.state === "pending")).toHaveLength(1);
  });
});
