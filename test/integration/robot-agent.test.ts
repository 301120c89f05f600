import os from "node:os";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentVersion } from "../../src/agent/agent.js";
import type { Clock } from "../../src/platform/clock.js";
import {
  type AgentProcess,
  eventually,
  freePort,
  helloMessage,
  killAllAgents,
  openRobotSocket,
  type RobotSocket,
  spawnAgent,
  tryUpgrade,
} from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { logsOf, waitForJob } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Session {
  id: number;
  state: string;
  hostName: string;
  os: string;
  agentVersion: string;
  connectedAt: string;
  lastHeartbeatAt: string;
  disconnectedAt: string | null;
  disconnectReason: string | null;
}
interface Machine {
  id: number;
  name: string;
  slots: number;
  state: string;
  sessions: Session[];
}
type MachineWithKey = Machine & { key: string; connectCommand: string };

const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;

/** Spawning a real agent takes a few seconds of CPU (TypeScript via tsx) on a busy 2-core machine. */
const agentTimeout = { timeout: 60_000 };

describe.each(testDatabases())("robot agent on %s", agentTimeout, (database) => {
  let server: TestServer;
  let host: Api;
  let port: number;
  /** Every server of this suite listens on the same port, so a restart looks like a network drop to agents. */
  const env = () => ({ DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1", DIRIGENT_PORT: String(port) });

  beforeAll(async () => {
    port = await freePort();
    server = await startTestServer({ database, env: env() });
    host = await adminApi(server);
  });
  let realClock: Clock | null = null;
  afterEach(async () => {
    await killAllAgents();
    restoreClock();
  });
  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
  });

  /** A fresh organization; `t` is its Default tenant's base path. */
  async function setup() {
    const org = await createOrg(host);
    return { org, api: org.admin.api, t: tenantPath(org) };
  }

  async function newMachine(api: Api, t: string, slots = 2): Promise<MachineWithKey & { t: string }> {
    const res = await api.post(`${t}/machines`, { name: unique("robot"), slots, folderIds: [] });
    expect(res.status, res.text).toBe(201);
    return { ...(res.body as MachineWithKey), t };
  }

  /** Reads a machine as the system administrator (who is not stopped by maintenance). */
  async function machine(m: { id: number; t: string }): Promise<Machine> {
    const res = await host.get(`${m.t}/machines/${m.id}`);
    expect(res.status, res.text).toBe(200);
    return res.body as Machine;
  }

  async function session(m: { id: number; t: string }, id: number): Promise<Session> {
    const found = (await machine(m)).sessions.find((s) => s.id === id);
    expect(found, `session ${id}`).toBeDefined();
    return found as Session;
  }

  const connectedLine = (m: Machine, url = server.url) =>
    new RegExp(
      `^Connected to ${escapeRegExp(url)} as machine "${escapeRegExp(m.name)}" \\(${m.slots} ${m.slots === 1 ? "slot" : "slots"}, session (\\d+)\\)\\.$`,
    );

  /** Starts the agent exactly as the machine's connect command says and waits until it is connected. */
  async function startAgent(m: MachineWithKey): Promise<{ agent: AgentProcess; sessionId: number }> {
    // The served tarball's own run from outside the checkout is agent-download.test.ts; here the
    // command's arguments go to the checkout's agent (the same code, faster to start).
    const [npx, yes, pkg, name, command, ...args] = m.connectCommand.split(" ");
    expect([npx, yes, name, command]).toEqual(["npx", "--yes", "dirigent", "robot"]);
    expect(pkg).toMatch(/^--package=http:\/\/.*\/downloads\/dirigent-agent\.tgz\?sha256=[0-9a-f]{16}$/);
    const agent = spawnAgent({ args });
    const line = await agent.waitFor(/^Connected to /);
    const match = connectedLine(m).exec(line);
    expect(match, line).not.toBeNull();
    return { agent, sessionId: Number(match?.[1]) };
  }

  /** Moves the server's clock by `ms` until the test ends (afterEach puts it back). */
  function shiftClock(ms: number) {
    const ctx = server.server.services.ctx;
    realClock ??= ctx.clock;
    ctx.clock = { now: () => new Date(Date.now() + ms) };
  }

  function restoreClock() {
    if (realClock) server.server.services.ctx.clock = realClock;
    realClock = null;
  }

  const reconnectDelays = (lines: string[]) =>
    lines.flatMap((l) => {
      const match = /^Reconnecting in (\d+\.\d) s…$/.exec(l);
      return match ? [Number(match[1])] : [];
    });

  describe("a connected agent", () => {
    it("connects with the connect command, heartbeats, turns unresponsive after 120 s of silence, and is disconnected when killed", async () => {
      const { api, t } = await setup();
      const m = await newMachine(api, t, 2);
      const { agent, sessionId } = await startAgent(m);
      expect(agent.lines[0]).toBe(`Dirigent robot agent ${agentVersion} connecting to ${server.url}`);

      const first = await machine(m);
      expect(first).toMatchObject({ id: m.id, state: "available" });
      expect(first.sessions).toEqual([
        {
          id: sessionId,
          state: "available",
          hostName: os.hostname(),
          os: `${os.platform()} ${os.release()}`,
          agentVersion,
          connectedAt: isoTime,
          lastHeartbeatAt: isoTime,
          disconnectedAt: null,
          disconnectReason: null,
        },
      ]);
      const logs = server.logs.join("");
      expect(logs).toContain('"msg":"robot connected"');
      expect(logs).toContain(`"machineId":${m.id}`);

      // Heartbeats every second (DIRIGENT_ROBOT_HEARTBEAT_SECONDS=1) move lastHeartbeatAt on, twice.
      let last = first.sessions[0]?.lastHeartbeatAt as string;
      for (let i = 0; i < 2; i += 1) {
        const previous = last;
        last = await eventually(async () => {
          const s = await session(m, sessionId);
          expect(s.lastHeartbeatAt > previous, `${s.lastHeartbeatAt} after ${previous}`).toBe(true);
          expect(s.state).toBe("available");
          return s.lastHeartbeatAt;
        }, 10_000);
      }

      // Freeze the agent: its connection stays open but it sends nothing.
      agent.child.kill("SIGSTOP");
      // A heartbeat sent just before has landed by now.
      await new Promise((r) => setTimeout(r, 1200));
      const frozen = await session(m, sessionId);
      shiftClock(60_000);
      expect(await machine(m)).toMatchObject({ state: "available", sessions: [{ id: sessionId, state: "available" }] });
      shiftClock(180_000);
      const silent = await machine(m);
      expect(silent.state).toBe("unresponsive");
      expect(silent.sessions).toEqual([{ ...frozen, state: "unresponsive" }]);
      expect((await host.get(`${t}/machines`)).body.items).toEqual([silent]);
      restoreClock();
      expect((await machine(m)).state).toBe("available");
      // Going on, it heartbeats again on the same session.
      agent.child.kill("SIGCONT");
      await eventually(async () => {
        const s = await session(m, sessionId);
        expect(s.lastHeartbeatAt > frozen.lastHeartbeatAt).toBe(true);
        expect(s.state).toBe("available");
      }, 10_000);
      expect(agent.lines.filter((l) => l.startsWith("Connected to "))).toHaveLength(1);

      // Killed outright: the server sees the connection drop.
      await agent.kill("SIGKILL");
      expect((await agent.exited).signal).toBe("SIGKILL");
      const after = await eventually(async () => {
        const read = await machine(m);
        expect(read.state).toBe("disconnected");
        return read;
      });
      expect(after.sessions).toEqual([
        expect.objectContaining({
          id: sessionId,
          state: "disconnected",
          disconnectedAt: isoTime,
          disconnectReason: "connection closed (1006)",
        }),
      ]);
    }, 90_000);

    it("stops on Ctrl-C (SIGINT) with exit code 0 and closes its session; DIRIGENT_URL/DIRIGENT_MACHINE_KEY work", async () => {
      const { api, t } = await setup();
      const m = await newMachine(api, t, 1);
      const agent = spawnAgent({ args: [], env: { DIRIGENT_URL: server.url, DIRIGENT_MACHINE_KEY: m.key } });
      const sessionId = Number(connectedLine(m).exec(await agent.waitFor(/^Connected to /))?.[1]);
      expect(sessionId).toBeGreaterThan(0);
      agent.child.kill("SIGINT");
      expect(await agent.waitForExit()).toBe(0);
      expect(agent.lines.some((l) => l.startsWith("Reconnecting"))).toBe(false);
      await eventually(async () => {
        expect(await session(m, sessionId)).toMatchObject({
          state: "disconnected",
          disconnectedAt: isoTime,
          disconnectReason: "agent stopping",
        });
      });
    });
  });

  describe("refusals", () => {
    it("disconnects the running agent when its key is regenerated (exit 2); the old key is refused", async () => {
      const { api, t } = await setup();
      const m = await newMachine(api, t, 1);
      const { agent, sessionId } = await startAgent(m);
      const since = agent.mark();
      const res = await api.post(`${t}/machines/${m.id}/key`);
      expect(res.status, res.text).toBe(200);
      expect(await agent.waitForExit()).toBe(2);
      expect(agent.lines.slice(since)).toEqual([
        "The server ended this robot's session: The machine key was regenerated.",
      ]);
      await eventually(async () => {
        expect(await session(m, sessionId)).toMatchObject({
          state: "disconnected",
          disconnectReason: "The machine key was regenerated.",
        });
      });
      // The old key is refused: the agent prints the server's answer and gives up at once.
      const old = spawnAgent({ url: server.url, key: m.key });
      expect(await old.waitForExit()).toBe(2);
      expect(old.lines).toEqual([
        `Dirigent robot agent ${agentVersion} connecting to ${server.url}`,
        "The server refused this robot (401): Unknown machine key: The machine key is not valid (revoked or mistyped).",
      ]);
      const raw = await tryUpgrade(server.url, m.key);
      expect(raw).toMatchObject({
        status: 401,
        body: { type: "authentication-required", title: "Unknown machine key", status: 401 },
      });
      expect(raw.contentType).toContain("application/problem+json");
      expect(await tryUpgrade(server.url, null)).toMatchObject({
        status: 401,
        body: { type: "authentication-required" },
      });
      // The new key connects.
      const socket = await openRobotSocket(server.url, res.body.key);
      expect((await socket.hello()).sessionId).toBeGreaterThan(sessionId);
      socket.ws.terminate();
      // Neither key ever reached the log.
      const logs = server.logs.join("");
      expect(logs).toContain(`"machineId":${m.id}`);
      for (const key of [m.key, res.body.key as string]) expect(logs).not.toContain(key);
    });

    it("disconnects the running agent when its machine is deleted (exit 2)", async () => {
      const { api, t } = await setup();
      const m = await newMachine(api, t, 1);
      const { agent } = await startAgent(m);
      const since = agent.mark();
      const res = await api.delete(`${t}/machines/${m.id}`);
      expect(res.status, res.text).toBe(204);
      expect(await agent.waitForExit()).toBe(2);
      expect(agent.lines.slice(since)).toEqual(["The server ended this robot's session: The machine was deleted."]);
      expect((await tryUpgrade(server.url, m.key)).status).toBe(401);
    });

    it("refuses a disabled tenant's or organization's robots (403, exit 2)", async () => {
      const { org, api, t } = await setup();
      const m = await newMachine(api, t, 1);
      const tenantUrl = `/host/organizations/${org.id}/tenants/${org.defaultTenantId}`;
      expect((await host.patch(tenantUrl, { status: "disabled" })).status).toBe(200);
      const agent = spawnAgent({ url: server.url, key: m.key });
      expect(await agent.waitForExit()).toBe(2);
      expect(agent.lines.slice(1)).toEqual([
        "The server refused this robot (403): Tenant disabled: The machine's tenant or organization is disabled.",
      ]);
      expect(await tryUpgrade(server.url, m.key)).toMatchObject({
        status: 403,
        body: { type: "tenant-disabled", status: 403 },
      });

      expect((await host.patch(tenantUrl, { status: "active" })).status).toBe(200);
      expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
      expect((await host.patch(`/host/organizations/${org.id}`, { status: "disabled" })).status).toBe(200);
      expect(await tryUpgrade(server.url, m.key)).toMatchObject({ status: 403, body: { type: "tenant-disabled" } });
      expect((await host.patch(`/host/organizations/${org.id}`, { status: "active" })).status).toBe(200);
      expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
    });
  });

  describe("maintenance", () => {
    async function maintenance(body: Record<string, unknown>, end = false) {
      const res = await host.post(`/host/maintenance/${end ? "end" : "start"}`, body);
      expect(res.status, res.text).toBe(200);
    }

    it("keeps robots connected while a tenant drains, closes them when it is suspended, and they come back", async () => {
      const { org, api, t } = await setup();
      const tenantId = org.defaultTenantId;
      const m = await newMachine(api, t, 1);
      const bystander = await (async () => {
        const o = await setup();
        return newMachine(o.api, o.t, 1);
      })();
      const { agent, sessionId } = await startAgent(m);
      try {
        await maintenance({ phase: "draining", tenantId });
        // Heartbeats go on and the session stays; new robots may still connect.
        const before = (await session(m, sessionId)).lastHeartbeatAt;
        await eventually(async () => {
          const s = await session(m, sessionId);
          expect(s.lastHeartbeatAt > before).toBe(true);
          expect(s.state).toBe("available");
        }, 10_000);
        expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
        const since = agent.mark();

        await maintenance({ phase: "suspended", tenantId });
        await agent.waitFor(/^The server refused the connection \(503\)/, { since });
        expect(agent.lines.slice(since, since + 4)).toEqual([
          "The server closed the session: The tenant is suspended for maintenance.",
          "Disconnected (maintenance).",
          expect.stringMatching(/^Reconnecting in \d+\.\d s…$/),
          "The server refused the connection (503): Under maintenance: The tenant is suspended for maintenance; robots cannot connect.",
        ]);
        // It keeps trying, and keeps being refused, while the tenant is suspended.
        await agent.waitFor(/^The server refused the connection \(503\)/, { since: since + 4 });
        expect(agent.child.exitCode).toBeNull();
        expect(await session(m, sessionId)).toMatchObject({ state: "disconnected", disconnectReason: "maintenance" });
        expect(await tryUpgrade(server.url, m.key)).toMatchObject({
          status: 503,
          body: { type: "maintenance", status: 503 },
        });
        // Another tenant is not affected.
        expect((await tryUpgrade(server.url, bystander.key)).status).toBe(101);

        const back = agent.mark();
        await maintenance({ tenantId }, true);
        const line = await agent.waitFor(/^Connected to /, { since: back, timeoutMs: 20_000 });
        const newSession = Number(connectedLine(m).exec(line)?.[1]);
        expect(newSession).toBeGreaterThan(sessionId);
        expect(await session(m, newSession)).toMatchObject({ state: "available", disconnectedAt: null });
      } finally {
        await host.post("/host/maintenance/end", { tenantId });
      }
    });

    it("refuses robots while the whole installation is suspended and closes connected ones at their next heartbeat", async () => {
      const { api, t } = await setup();
      const m = await newMachine(api, t, 1);
      const socket = await openRobotSocket(server.url, m.key);
      try {
        const welcome = await socket.hello();
        expect(welcome.type).toBe("welcome");
        await maintenance({ phase: "draining" });
        // Draining: a heartbeat is taken and nothing is said back.
        const before = (await session(m, welcome.sessionId)).lastHeartbeatAt;
        await new Promise((r) => setTimeout(r, 5));
        socket.send({ type: "heartbeat", runningJobs: [] });
        await eventually(async () => {
          expect((await session(m, welcome.sessionId)).lastHeartbeatAt > before).toBe(true);
        });
        expect((await tryUpgrade(server.url, m.key)).status).toBe(101);

        await maintenance({ phase: "suspended" });
        expect(await tryUpgrade(server.url, m.key)).toMatchObject({
          status: 503,
          body: { type: "maintenance", status: 503 },
        });
        expect(socket.messages).toHaveLength(1);
        socket.send({ type: "heartbeat", runningJobs: [] });
        expect(await socket.next()).toEqual({
          type: "goodbye",
          reason: "The tenant is suspended for maintenance.",
          reconnect: true,
        });
        expect(await socket.closed).toEqual({ code: 4503, reason: "maintenance" });
        await eventually(async () => {
          expect((await session(m, welcome.sessionId)).state).toBe("disconnected");
        });
      } finally {
        socket.ws.terminate();
        await host.post("/host/maintenance/end", {});
      }
      expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
    });
  });

  describe("licensed slots", () => {
    it("refuses a machine whose slots exceed the tenant's license; its agent waits, says so and connects once slots free up", {
      timeout: 120_000,
    }, async () => {
      const { org, api, t } = await setup();
      const a = await newMachine(api, t, 2);
      const b = await newMachine(api, t, 2);
      const license = await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 3, expiresAt: null });
      expect(license.status, license.text).toBe(200);

      const first = await startAgent(a);
      const refusedDetail = "The tenant is licensed for 3 robot slots; 2 are in use and this machine needs 2.";
      const second = spawnAgent({ url: server.url, key: b.key });
      // Issue 12, defect 4: a license refusal does not end the agent; it waits and tries again.
      expect(await second.waitFor(/^Waiting for a free licensed slot/)).toBe(
        `Waiting for a free licensed slot: the server refused this robot for now (Not enough licensed slots: ${refusedDetail}). Trying again later.`,
      );
      await second.waitFor(/^Reconnecting in /);
      expect(second.child.exitCode).toBeNull();
      const raw = await tryUpgrade(server.url, b.key);
      expect(raw).toMatchObject({
        status: 403,
        body: { type: "license-exceeded", title: "Not enough licensed slots", status: 403, detail: refusedDetail },
      });
      expect((await machine(b)).sessions).toEqual([]);
      // Another connection of the machine already connected needs no further slots.
      expect((await tryUpgrade(server.url, a.key)).status).toBe(101);

      // Once the first robot is gone its slots are free again, and the waiting agent connects.
      first.agent.child.kill("SIGINT");
      expect(await first.agent.waitForExit()).toBe(0);
      await eventually(async () => expect((await machine(a)).state).toBe("disconnected"));
      await second.waitFor(/^Connected to /, { timeoutMs: 90_000 });
      await eventually(async () => expect((await machine(b)).state).toBe("available"));
      // …and now the first machine is the one that does not fit.
      expect(await tryUpgrade(server.url, a.key)).toMatchObject({ status: 403, body: { type: "license-exceeded" } });
      await second.kill("SIGKILL");
    });

    it("applies a license given while the tenant's robots connect to the very next connection", async () => {
      const { org, api, t } = await setup();
      const a = await newMachine(api, t, 2);
      // Without a license any machine connects (and the server remembers there is none)…
      expect((await tryUpgrade(server.url, a.key)).status).toBe(101);
      // …until one is given: the next connection is measured against it at once.
      const url = `/host/licenses/${org.defaultTenantId}`;
      expect((await host.put(url, { robotSlots: 1, expiresAt: null })).status).toBe(200);
      expect(await tryUpgrade(server.url, a.key)).toMatchObject({
        status: 403,
        body: { type: "license-exceeded", title: "Not enough licensed slots" },
      });
      expect((await host.put(url, { robotSlots: 2, expiresAt: null })).status).toBe(200);
      expect((await tryUpgrade(server.url, a.key)).status).toBe(101);
    });

    it("refuses every robot of a tenant whose license has expired", async () => {
      const { org, api, t } = await setup();
      const m = await newMachine(api, t, 1);
      const url = `/host/licenses/${org.defaultTenantId}`;
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      expect((await host.put(url, { robotSlots: 10, expiresAt })).status).toBe(200);
      expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
      // A day and a minute later the license has run out.
      shiftClock(86_460_000);
      const refused = {
        status: 403,
        body: {
          type: "license-exceeded",
          title: "License expired",
          detail: "The tenant's license has expired; robots cannot connect.",
        },
      };
      expect(await tryUpgrade(server.url, m.key)).toMatchObject(refused);
      // Renewed, robots connect again.
      restoreClock();
      const renewed = { robotSlots: 10, expiresAt: new Date(Date.now() + 2 * 86_400_000).toISOString() };
      expect((await host.put(url, renewed)).status).toBe(200);
      shiftClock(86_460_000);
      expect((await tryUpgrade(server.url, m.key)).status).toBe(101);
    });
  });

  describe("protocol", () => {
    async function connected(slots = 1): Promise<{ m: MachineWithKey & { t: string }; socket: RobotSocket }> {
      const { api, t } = await setup();
      const m = await newMachine(api, t, slots);
      return { m, socket: await openRobotSocket(server.url, m.key) };
    }

    async function expectProtocolError(socket: RobotSocket, reason: string | RegExp) {
      const goodbye = await socket.next();
      expect(goodbye).toEqual({
        type: "goodbye",
        reason: typeof reason === "string" ? reason : expect.stringMatching(reason),
        reconnect: false,
      });
      expect(await socket.closed).toEqual({ code: 4400, reason: goodbye.reason.slice(0, 120) });
    }

    it("welcomes a hello with the session, the machine and the heartbeat interval", async () => {
      const { m, socket } = await connected(3);
      const welcome = await socket.hello();
      expect(welcome).toEqual({
        type: "welcome",
        sessionId: expect.any(Number),
        machine: { id: m.id, name: m.name, slots: 3 },
        heartbeatSeconds: 1,
      });
      expect(await machine(m)).toMatchObject({
        state: "available",
        sessions: [
          {
            id: welcome.sessionId,
            state: "available",
            hostName: "raw-test-host",
            os: "test-os 1.0",
            agentVersion: "9.9.9-test",
            disconnectedAt: null,
          },
        ],
      });
      socket.ws.close(1000, "bye");
      expect(await socket.closed).toEqual({ code: 1000, reason: "bye" });
      await eventually(async () => {
        expect(await session(m, welcome.sessionId)).toMatchObject({ state: "disconnected", disconnectReason: "bye" });
      });
    });

    it("marks a session busy when it runs as many jobs as the machine has slots", async () => {
      const { m, socket } = await connected(2);
      const { sessionId } = await socket.hello();
      socket.send({ type: "heartbeat", runningJobs: ["job-1"] });
      socket.send({ type: "heartbeat", runningJobs: ["job-1", "job-2"] });
      await eventually(async () => expect((await machine(m)).state).toBe("busy"));
      socket.send({ type: "heartbeat", runningJobs: [] });
      await eventually(async () => expect((await session(m, sessionId)).state).toBe("available"));
      socket.ws.terminate();
    });

    it.each([
      ["invalid JSON", "{nope", "A message was not valid JSON."],
      ["a binary message", Buffer.from([1, 2, 3]), "Messages must be JSON text."],
      ["an unknown message type", { type: "jump" }, /^A message was invalid: /],
      ["a hello with an unknown field", helloMessage({ extra: true }), /^A message was invalid: /],
      ["a heartbeat before hello", { type: "heartbeat", runningJobs: [] }, "Say hello first."],
      [
        "a hello with a newer protocol version",
        helloMessage({ protocolVersion: 3 }),
        "This server speaks robot protocol 1 to 2, the agent 3: update the server, or use an older agent.",
      ],
      [
        "a hello with an older protocol version",
        helloMessage({ protocolVersion: 0 }),
        "This server speaks robot protocol 1 to 2, the agent 0: update the agent.",
      ],
    ] as const)("answers %s with goodbye and close code 4400, opening no session", async (_, message, reason) => {
      const { m, socket } = await connected();
      if (Buffer.isBuffer(message)) socket.ws.send(message);
      else socket.send(message);
      await expectProtocolError(socket, reason);
      expect((await machine(m)).sessions).toEqual([]);
    });

    it("answers a second hello with goodbye and 4400 and closes the session", async () => {
      const { m, socket } = await connected();
      const welcome = await socket.hello();
      socket.send(helloMessage());
      await expectProtocolError(socket, "hello was sent twice.");
      await eventually(async () => {
        expect((await machine(m)).sessions).toEqual([
          expect.objectContaining({
            id: welcome.sessionId,
            state: "disconnected",
            disconnectReason: "hello was sent twice.",
          }),
        ]);
      });
    });

    it("handles messages in order: two hellos sent at once open one session, a heartbeat right after hello counts", async () => {
      const { m, socket } = await connected();
      socket.send(helloMessage());
      socket.send(helloMessage());
      expect((await socket.next()).type).toBe("welcome");
      await expectProtocolError(socket, "hello was sent twice.");
      await eventually(async () => {
        const read = await machine(m);
        expect(read.sessions).toHaveLength(1);
        expect(read.sessions[0]?.state).toBe("disconnected");
      });

      const other = await openRobotSocket(server.url, m.key);
      other.send(helloMessage());
      other.send({ type: "heartbeat", runningJobs: [] });
      const welcome = await other.next();
      expect(welcome.type).toBe("welcome");
      // No goodbye follows: the heartbeat was taken.
      await new Promise((r) => setTimeout(r, 300));
      expect(other.messages).toHaveLength(1);
      expect((await session(m, welcome.sessionId)).state).toBe("available");
      other.ws.terminate();
    });

    it("acknowledges log batches and results once stored; a batch or result sent again is acknowledged and not stored twice", async () => {
      const { api, t } = await setup();
      const folder = await api.post(`${t}/folders`, { name: unique("F") });
      expect(folder.status, folder.text).toBe(201);
      const upload = await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "acks" }))));
      expect(upload.status, upload.text).toBe(201);
      const process = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "Acks", packageName: "acks" });
      expect(process.status, process.text).toBe(201);
      const created = await api.post(`${t}/machines`, { name: unique("robot"), slots: 1, folderIds: [folder.body.id] });
      expect(created.status, created.text).toBe(201);
      const socket = await openRobotSocket(server.url, created.body.key);
      expect((await socket.hello()).type).toBe("welcome");
      const started = await api.post(`${t}/folders/${folder.body.id}/jobs`, { processId: process.body.id });
      expect(started.status, started.text).toBe(201);
      const assign = await socket.next();
      expect(assign).toMatchObject({ type: "assign", job: { id: started.body.items[0].id } });
      const { key: jobKey, id } = assign.job as { key: string; id: number };
      const line = (message: string) => ({ timestamp: new Date().toISOString(), level: "info", message });
      const logs = (entries: string[], seq?: number) =>
        socket.send({ type: "logs", jobKey, entries: entries.map(line), ...(seq !== undefined && { seq }) });

      logs(["one"], 1);
      expect(await socket.next()).toEqual({ type: "ack", jobKey, seq: 1 });
      // Sent again (its ack was lost): acknowledged again, not stored again.
      logs(["one"], 1);
      expect(await socket.next()).toEqual({ type: "ack", jobKey, seq: 1 });
      logs(["two", "three"], 2);
      expect(await socket.next()).toEqual({ type: "ack", jobKey, seq: 2 });
      // A batch without seq (as protocol 1 agents send them) is stored and not acknowledged.
      logs(["four"]);
      logs(["five"], 3);
      expect(await socket.next()).toEqual({ type: "ack", jobKey, seq: 3 });
      const finished = {
        type: "job-finished",
        jobKey,
        exitCode: 0,
        outputArguments: { n: 1 },
        error: null,
        stopped: false,
      };
      socket.send({ ...finished, seq: 4 });
      expect(await socket.next()).toEqual({ type: "ack", jobKey, seq: 4 });
      socket.send({ ...finished, exitCode: 1, error: "late", seq: 4 });
      expect(await socket.next()).toEqual({ type: "ack", jobKey, seq: 4 });
      socket.ws.close(1000);
      await socket.closed;

      // A later session of the machine sends the batch again after the job ended: not stored twice.
      const again = await openRobotSocket(server.url, created.body.key);
      expect((await again.hello({ runningJobs: [jobKey] })).type).toBe("welcome");
      again.send({ type: "logs", jobKey, seq: 3, entries: [line("five")] });
      expect(await again.next()).toEqual({ type: "ack", jobKey, seq: 3 });
      again.ws.close(1000);

      const done = await waitForJob(api, t, id);
      expect(done).toMatchObject({ state: "successful", outputArguments: { n: 1 } });
      expect(done.timeline.filter((e) => e.state === "successful")).toHaveLength(1);
      expect((await logsOf(api, t, id)).map((l) => l.message)).toEqual(["one", "two", "three", "four", "five"]);
    });

    it("answers a batch the database refuses with retry, refuses the job's later batches until it comes again, and keeps the session", async () => {
      const { api, t } = await setup();
      const folder = await api.post(`${t}/folders`, { name: unique("F") });
      expect(folder.status, folder.text).toBe(201);
      const upload = await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "refused" }))));
      expect(upload.status, upload.text).toBe(201);
      const process = await api.post(`${t}/folders/${folder.body.id}/processes`, {
        name: "Refused",
        packageName: "refused",
      });
      expect(process.status, process.text).toBe(201);
      const created = await api.post(`${t}/machines`, { name: unique("robot"), slots: 1, folderIds: [folder.body.id] });
      expect(created.status, created.text).toBe(201);
      const socket = await openRobotSocket(server.url, created.body.key);
      expect((await socket.hello()).type).toBe("welcome");
      const started = await api.post(`${t}/folders/${folder.body.id}/jobs`, { processId: process.body.id });
      expect(started.status, started.text).toBe(201);
      const assign = await socket.next();
      const { key: jobKey, id } = assign.job as { key: string; id: number };
      const line = (message: string) => ({ timestamp: new Date().toISOString(), level: "info", message });
      const logs = (entries: string[], seq: number) =>
        socket.send({ type: "logs", jobKey, seq, entries: entries.map(line) });

      // The database itself refuses the line "poison" (a trigger), as it would refuse anything while it is away.
      const db = server.server.storage.db;
      if (database === "postgres") {
        await sql`create function refuse_poison() returns trigger language plpgsql as $$ begin if new.message = 'poison' then raise exception 'refused'; end if; return new; end $$`.execute(
          db,
        );
        await sql`create trigger refuse_poison before insert on job_logs for each row execute function refuse_poison()`.execute(
          db,
        );
      } else {
        await sql`create trigger refuse_poison before insert on job_logs when new.message = 'poison' begin select raise(abort, 'refused'); end`.execute(
          db,
        );
      }
      try {
        logs(["one"], 1);
        expect(await socket.next()).toEqual({ type: "ack", jobKey, seq: 1 });
        logs(["poison"], 2);
        expect(await socket.next()).toMatchObject({ type: "retry", jobKey, seq: 2, retryAfterSeconds: 5 });
        // A later batch is not stored before the lost one: it is refused the same way.
        logs(["three"], 3);
        expect(await socket.next()).toMatchObject({ type: "retry", jobKey, seq: 2 });
      } finally {
        await sql`drop trigger refuse_poison${sql.raw(database === "postgres" ? " on job_logs" : "")}`.execute(db);
      }
      // The agent sends again from the lost batch: everything is stored once, in order, on the same session.
      logs(["poison"], 2);
      expect(await socket.next()).toEqual({ type: "ack", jobKey, seq: 2 });
      logs(["three"], 3);
      expect(await socket.next()).toEqual({ type: "ack", jobKey, seq: 3 });
      expect((await logsOf(api, t, id)).map((l) => l.message)).toEqual(["one", "poison", "three"]);
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
      socket.ws.close(1000);
    });

    it("shows every machine's live sessions however many closed sessions a busy machine has; prunes old closed ones", async () => {
      const { api, t } = await setup();
      const quiet = await newMachine(api, t);
      const busy = await newMachine(api, t);
      const live = await openRobotSocket(server.url, quiet.key);
      const liveId = (await live.hello()).sessionId as number;
      for (let i = 0; i < 25; i++) {
        const s = await openRobotSocket(server.url, busy.key);
        expect((await s.hello()).type).toBe("welcome");
        s.ws.close(1000);
        await s.closed;
      }
      await eventually(async () => {
        const list = await api.get(`${t}/machines`);
        const byId = new Map((list.body.items as Machine[]).map((m) => [m.id, m]));
        expect(byId.get(quiet.id)?.sessions.map((s) => s.id)).toEqual([liveId]);
        expect(byId.get(busy.id)?.sessions).toHaveLength(1);
        expect(byId.get(busy.id)?.sessions[0]?.state).toBe("disconnected");
      });
      const latestBusy = (await machine(busy)).sessions[0]?.id;
      // 31 days later the closed sessions go, except each machine's latest; the live one stays.
      const services = server.server.services;
      const realClock = services.ctx.clock;
      services.ctx.clock = { now: () => new Date(Date.now() + 31 * 86_400_000) };
      try {
        // Other tests' closed sessions on this server go too.
        expect(await services.machines.pruneClosedSessions(30)).toBeGreaterThanOrEqual(24);
      } finally {
        services.ctx.clock = realClock;
      }
      expect((await machine(busy)).sessions.map((s) => s.id)).toEqual([latestBusy]);
      const left = await services.ctx.db
        .selectFrom("robot_sessions")
        .select("id")
        .where("machine_id", "in", [busy.id, quiet.id])
        .execute();
      expect(left.map((r) => r.id).sort((a, b) => a - b)).toEqual(
        [liveId, latestBusy].sort((a, b) => (a ?? 0) - (b ?? 0)),
      );
      expect((await machine(quiet)).sessions.map((s) => s.id)).toEqual([liveId]);
      live.ws.close(1000);
    });

    it("leaves no open session behind when the connection drops right after hello", async () => {
      const { m } = await connected();
      for (let i = 0; i < 5; i += 1) {
        const socket = await openRobotSocket(server.url, m.key);
        socket.send(helloMessage());
        socket.ws.terminate();
      }
      await eventually(async () => {
        const read = await machine(m);
        expect(read.sessions.length).toBeGreaterThan(0);
        expect(read.sessions.filter((s) => s.disconnectedAt === null)).toEqual([]);
        expect(read.state).toBe("disconnected");
      });
    });
  });

  describe("server restart", () => {
    /** Stops the server (keeping its data) and returns a function that starts it again, once. */
    async function stopServer() {
      const { dataDir, databaseUrl } = server;
      await server.stop({ keepData: true });
      let restarted: Promise<void> | null = null;
      return () => {
        restarted ??= startTestServer({ database, env: env(), reuse: { dataDir, databaseUrl } }).then((s) => {
          server = s;
        });
        return restarted;
      };
    }

    it("reconnects by itself with backoff when the connection drops, with a new session", async () => {
      const { api, t } = await setup();
      const m = await newMachine(api, t, 1);
      const { agent, sessionId } = await startAgent(m);
      const since = agent.mark();
      const restart = await stopServer();
      try {
        await agent.waitFor(/^Disconnected \(The server is shutting down\.\)\.$/, { since });
        // Two failed attempts while the server is down: the delay grows (full jitter within each step).
        await eventually(
          async () => expect(reconnectDelays(agent.lines.slice(since)).length).toBeGreaterThanOrEqual(2),
          15_000,
          50,
        );
        const [d1, d2] = reconnectDelays(agent.lines.slice(since)) as [number, number];
        expect(d1).toBeGreaterThanOrEqual(0.5);
        expect(d1).toBeLessThanOrEqual(1);
        expect(d2).toBeGreaterThanOrEqual(1);
        expect(d2).toBeLessThanOrEqual(2);
        expect(agent.lines.slice(since)).toContainEqual(
          expect.stringMatching(/^Connection problem: connect ECONNREFUSED 127\.0\.0\.1:\d+$/),
        );
      } finally {
        await restart();
      }
      const line = await agent.waitFor(/^Connected to /, { since, timeoutMs: 20_000 });
      const newSession = Number(connectedLine(m).exec(line)?.[1]);
      expect(newSession).toBeGreaterThan(sessionId);
      const read = await machine(m);
      expect(read.state).toBe("available");
      expect(read.sessions).toEqual([expect.objectContaining({ id: newSession, state: "available" })]);
      expect(agent.child.exitCode).toBeNull();
      // After a welcome the backoff starts again from the bottom.
      expect(agent.lines.slice(since).filter((l) => l.startsWith("Connected to "))).toHaveLength(1);
    }, 90_000);

    it("closes the sessions of a server that shuts down", async () => {
      const { api, t } = await setup();
      const m = await newMachine(api, t, 1);
      const socket = await openRobotSocket(server.url, m.key);
      const { sessionId } = await socket.hello();
      const restart = await stopServer();
      try {
        expect(await socket.closed).toEqual({ code: 1001, reason: "The server is shutting down." });
      } finally {
        await restart();
      }
      const read = await machine(m);
      expect(read.state).toBe("disconnected");
      expect(read.sessions).toEqual([
        expect.objectContaining({
          id: sessionId,
          state: "disconnected",
          disconnectedAt: isoTime,
          disconnectReason: "The server is shutting down.",
        }),
      ]);
    });
  });
});

describe("dirigent robot command line", () => {
  afterEach(killAllAgents);

  it("prints its usage and exits 1 without a URL or key", async () => {
    const agent = spawnAgent({ args: ["--url", "http://127.0.0.1:9"], env: { DIRIGENT_MACHINE_KEY: "" } });
    expect(await agent.waitForExit()).toBe(1);
    expect(agent.lines.slice(0, 2)).toEqual([
      "Usage: dirigent robot --url <server base URL> --key <machine key>",
      "       (or DIRIGENT_URL and DIRIGENT_MACHINE_KEY)",
    ]);
  });
});
