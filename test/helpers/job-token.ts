import { expect } from "vitest";
import { openRobotSocket, type RobotSocket } from "./agent.js";
import { type Api, unique } from "./api.js";
import { manifest, packageFiles, tgz, uploadPackage } from "./packages.js";

/** A job that a raw robot connection claimed: its token acts as DIRIGENT_JOB_TOKEN would. */
export interface RunningJob {
  id: number;
  key: string;
  token: string;
  folderId: number;
  machineId: number;
  socket: RobotSocket;
  /** Reports the job finished (exit 0); its token stops working. */
  finish(): Promise<void>;
}

/**
 * Starts a job in `folderId` (a fresh folder when absent) on a fresh machine whose robot is a raw
 * WebSocket, so the test holds the job's token without spawning an automation. Close
 * `socket.ws` when done (`terminate()`).
 */
export async function runningJob(api: Api, t: string, folderId?: number): Promise<RunningJob> {
  let folder = folderId;
  if (folder === undefined) {
    const res = await api.post(`${t}/folders`, { name: unique("F") });
    expect(res.status, res.text).toBe(201);
    folder = res.body.id as number;
  }
  const pkgName = unique("tokenpkg").toLowerCase();
  const pkg = await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: pkgName }))));
  expect(pkg.status, pkg.text).toBe(201);
  const process = await api.post(`${t}/folders/${folder}/processes`, { name: unique("P"), packageName: pkgName });
  expect(process.status, process.text).toBe(201);
  const machine = await api.post(`${t}/machines`, { name: unique("m"), slots: 1, folderIds: [folder] });
  expect(machine.status, machine.text).toBe(201);
  const socket = await openRobotSocket(api.baseUrl, machine.body.key);
  const welcome = await socket.hello();
  expect(welcome.type, JSON.stringify(welcome)).toBe("welcome");
  const started = await api.post(`${t}/folders/${folder}/jobs`, { processId: process.body.id });
  expect(started.status, started.text).toBe(201);
  let assigned: { id: number; key: string; token: string };
  for (;;) {
    const m = await socket.next();
    if (m.type === "assign") {
      assigned = m.job;
      break;
    }
  }
  const id = assigned.id;
  return {
    id,
    key: assigned.key,
    token: assigned.token,
    folderId: folder,
    machineId: machine.body.id,
    socket,
    async finish() {
      socket.send({
        type: "job-finished",
        jobKey: assigned.key,
        exitCode: 0,
        outputArguments: null,
        error: null,
        stopped: false,
      });
      const deadline = Date.now() + 10_000;
      while ((await api.get(`${t}/jobs/${id}`)).body.state !== "successful") {
        if (Date.now() > deadline) throw new Error(`job ${id} did not finish`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
