import { describe, expect, it } from "vitest";
import { agentMessage, CloseCode, protocolVersion, serverMessage } from "../../src/shared/protocol.js";
import {
  defaultHeartbeatSeconds,
  RobotState,
  robotTransitions,
  type StoredRobotState,
  sessionState,
  unresponsiveAfterSeconds,
} from "../../src/shared/robot.js";

const lastHeartbeatAt = "2030-05-01T12:00:00.000Z";
/** `now` that many milliseconds after the last heartbeat. */
const silentFor = (ms: number) => new Date(Date.parse(lastHeartbeatAt) + ms);

describe("sessionState", () => {
  it("uses the orchestrator's thresholds: unresponsive after 120 s, heartbeat every 30 s", () => {
    expect(unresponsiveAfterSeconds).toBe(120);
    expect(defaultHeartbeatSeconds).toBe(30);
  });

  it.each([RobotState.available, RobotState.busy] as const)(
    "keeps %s up to and including 120 s of silence",
    (stored) => {
      expect(sessionState(stored, lastHeartbeatAt, silentFor(0))).toBe(stored);
      expect(sessionState(stored, lastHeartbeatAt, silentFor(30_000))).toBe(stored);
      expect(sessionState(stored, lastHeartbeatAt, silentFor(119_999))).toBe(stored);
      expect(sessionState(stored, lastHeartbeatAt, silentFor(120_000))).toBe(stored);
    },
  );

  it.each([RobotState.available, RobotState.busy] as const)(
    "turns %s unresponsive after 120 s of silence",
    (stored) => {
      expect(sessionState(stored, lastHeartbeatAt, silentFor(120_001))).toBe(RobotState.unresponsive);
      expect(sessionState(stored, lastHeartbeatAt, silentFor(180_000))).toBe(RobotState.unresponsive);
      expect(sessionState(stored, lastHeartbeatAt, silentFor(7 * 86_400_000))).toBe(RobotState.unresponsive);
    },
  );

  it("keeps a disconnected session disconnected however long ago its last heartbeat was", () => {
    for (const ms of [0, 120_000, 120_001, 86_400_000]) {
      expect(sessionState(RobotState.disconnected, lastHeartbeatAt, silentFor(ms))).toBe(RobotState.disconnected);
    }
  });

  it("does not call a session unresponsive when its heartbeat is ahead of this node's clock", () => {
    expect(sessionState(RobotState.available, lastHeartbeatAt, silentFor(-5_000))).toBe(RobotState.available);
    expect(sessionState(RobotState.busy, lastHeartbeatAt, silentFor(-300_000))).toBe(RobotState.busy);
  });

  it("reads timestamps with an offset as the same instant", () => {
    const withOffset = "2030-05-01T14:00:00.000+02:00";
    expect(sessionState(RobotState.available, withOffset, silentFor(120_000))).toBe(RobotState.available);
    expect(sessionState(RobotState.available, withOffset, silentFor(120_001))).toBe(RobotState.unresponsive);
  });
});

describe("robot state transitions", () => {
  const stored: StoredRobotState[] = [RobotState.available, RobotState.busy, RobotState.disconnected];
  const allowed = new Set(["available>busy", "available>disconnected", "busy>available", "busy>disconnected"]);

  it.each(stored.flatMap((from) => stored.map((to) => [from, to] as const)))("%s → %s", (from, to) => {
    expect(robotTransitions[from].includes(to)).toBe(allowed.has(`${from}>${to}`));
  });

  it("stores every state but unresponsive, which is only derived", () => {
    expect(Object.keys(robotTransitions).sort()).toEqual([...stored].sort());
    expect(Object.values(RobotState).sort()).toEqual(["available", "busy", "disconnected", "unresponsive"]);
  });
});

describe("robot protocol messages", () => {
  const hello = { type: "hello", protocolVersion, agentVersion: "0.1.0", hostName: "h", os: "linux 6" };

  it("accepts the hello and heartbeat the agent sends", () => {
    expect(agentMessage.parse(hello)).toMatchObject(hello);
    expect(agentMessage.parse({ type: "heartbeat", runningJobs: ["a"] })).toMatchObject({
      type: "heartbeat",
      runningJobs: ["a"],
    });
  });

  it("rejects unknown types, unknown fields, missing fields and oversized values", () => {
    expect(agentMessage.safeParse({ type: "welcome" }).success).toBe(false);
    expect(agentMessage.safeParse({ ...hello, extra: 1 }).success).toBe(false);
    expect(agentMessage.safeParse({ type: "heartbeat" }).success).toBe(false);
    expect(agentMessage.safeParse({ ...hello, hostName: "h".repeat(256) }).success).toBe(false);
    expect(agentMessage.safeParse({ ...hello, protocolVersion: 1.5 }).success).toBe(false);
    expect(agentMessage.safeParse({ type: "heartbeat", runningJobs: Array(1001).fill("j") }).success).toBe(false);
  });

  it("parses the server's welcome and goodbye", () => {
    const welcome = { type: "welcome", sessionId: 3, machine: { id: 1, name: "m", slots: 2 }, heartbeatSeconds: 30 };
    expect(serverMessage.parse(welcome)).toEqual(welcome);
    expect(serverMessage.parse({ type: "goodbye", reason: "r", reconnect: false })).toEqual({
      type: "goodbye",
      reason: "r",
      reconnect: false,
    });
    expect(serverMessage.safeParse({ ...welcome, heartbeatSeconds: 0 }).success).toBe(false);
  });

  it("uses application close codes 4000–4999", () => {
    expect(CloseCode).toEqual({
      protocolError: 4400,
      keyRevoked: 4401,
      replaced: 4409,
      maintenance: 4503,
      unavailable: 4500,
    });
  });
});
