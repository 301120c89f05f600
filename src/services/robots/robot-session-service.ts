import type { Logger } from "../../platform/logger.js";
import { MaintenancePhase } from "../../shared/maintenance.js";
import {
  type AgentMessage,
  type agentHeartbeat,
  type agentHello,
  type agentJobFinished,
  type agentLogs,
  CloseCode,
  oldestProtocolVersion,
  protocolVersion,
  type ServerMessage,
} from "../../shared/protocol.js";
import type { ServiceContext } from "../context.js";
import type { JobService } from "../jobs/job-service.js";
import type { LogStream } from "../jobs/log-stream.js";
import type { MaintenanceService } from "../maintenance/maintenance-service.js";
import type { AuthenticatedMachine, MachineService } from "./machine-service.js";
import type { RobotEvents } from "./robot-events.js";
import type { RobotHub } from "./robot-hub.js";

/** The connection's scoped logger (the request's). */
type SessionLog = Pick<Logger, "info" | "error">;

type Hello = ReturnType<typeof agentHello.parse>;
type Heartbeat = ReturnType<typeof agentHeartbeat.parse>;
type Logs = ReturnType<typeof agentLogs.parse>;
type JobFinished = ReturnType<typeof agentJobFinished.parse>;

/** How long a machine found admitted is trusted before its next heartbeat reads it again. */
const admissionCacheMs = 5000;

/** The robot's socket as the session sees it: the route sends and closes, nothing else. */
export interface RobotLink {
  send(message: ServerMessage): void;
  /** Closes with an application close code and a reason the agent shows. */
  close(code: number, reason: string): void;
}

/** A message that breaks the protocol: the route answers goodbye and closes with 4400. */
export class RobotProtocolError extends Error {}

/**
 * The robot protocol's rules on the server: what a hello, heartbeat, log batch or job result
 * means for the machine's session and its jobs. The WebSocket route only parses messages and
 * hands them to one `RobotConversation` per connection, in order.
 */
export class RobotSessionService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly machines: MachineService,
    private readonly jobs: JobService,
    private readonly maintenance: MaintenanceService,
    private readonly hub: RobotHub,
    private readonly events: RobotEvents,
    private readonly logStream: LogStream,
  ) {}

  /** Machines found admitted (active tenant and organization), until when (ms). */
  private admitted = new Map<number, number>();

  /**
   * `stillAdmitted`, read at most every `admissionCacheMs` per machine: a tenant or organization
   * disabled while its robots are connected ends their sessions within that time plus one heartbeat.
   */
  private async recentlyAdmitted(machineId: number): Promise<boolean> {
    const now = Date.now();
    if ((this.admitted.get(machineId) ?? 0) > now) return true;
    const admitted = await this.machines.stillAdmitted(machineId);
    if (admitted) this.admitted.set(machineId, now + admissionCacheMs);
    else this.admitted.delete(machineId);
    return admitted;
  }

  /** A new connection of an authenticated machine; no session exists until its hello. */
  connect(bound: AuthenticatedMachine, link: RobotLink, log: SessionLog): RobotConversation {
    return new RobotConversation(this, bound.machine, link, log);
  }

  /** Opens the session, registers the connection on this node, welcomes it, resumes its jobs. */
  async hello(machine: Machine, link: RobotLink, log: SessionLog, message: Hello): Promise<number> {
    if (message.protocolVersion < oldestProtocolVersion || message.protocolVersion > protocolVersion)
      throw new RobotProtocolError(
        `This server speaks robot protocol ${oldestProtocolVersion} to ${protocolVersion}, the agent ${message.protocolVersion}: ` +
          (message.protocolVersion > protocolVersion
            ? "update the server, or use an older agent."
            : "update the agent."),
      );
    const sessionId = await this.machines.openSession(machine, this.hub.nodeId, message);
    this.hub.add({
      sessionId,
      machineId: machine.id,
      tenantId: machine.tenant_id,
      slots: machine.slots,
      draining: false,
      send: link.send,
      close: link.close,
    });
    log.info({ sessionId, hostName: message.hostName }, "robot connected");
    link.send({
      type: "welcome",
      sessionId,
      machine: { id: machine.id, name: machine.name, slots: machine.slots },
      heartbeatSeconds: this.ctx.config.robotHeartbeatSeconds,
    });
    // A robot back from a network drop keeps reporting the jobs it is still running.
    await this.jobs.resume({ id: sessionId, machineId: machine.id }, message.runningJobs);
    // What it does not list and never acknowledged, it never received: it waits for a robot again.
    await this.jobs.requeueUnacknowledged({ id: sessionId, machineId: machine.id, hostName: message.hostName });
    this.events.wakeDispatcher();
    return sessionId;
  }

  /**
   * Records the heartbeat; ends the session when the tenant is suspended or the machine no
   * longer admitted; repeats the stops the robot's running jobs are due.
   */
  async heartbeat(sessionId: number, machine: Machine, link: RobotLink, message: Heartbeat): Promise<void> {
    // No query here on a warm cache: the heartbeat is written with all others a few seconds
    // later (HeartbeatBatch), the phase and admission are read at most every 5 s (issue #14).
    this.machines.heartbeat(sessionId, message.runningJobs.length >= machine.slots);
    const connection = this.hub.get(sessionId);
    if (connection) connection.draining = message.draining;
    if ((await this.maintenance.recentPhaseFor(machine.tenant_id)) === MaintenancePhase.suspended) {
      link.send({ type: "goodbye", reason: "The tenant is suspended for maintenance.", reconnect: true });
      link.close(CloseCode.maintenance, "maintenance");
      return;
    }
    // A tenant or organization disabled since the robot connected ends its session.
    if (!(await this.recentlyAdmitted(machine.id))) {
      link.send({ type: "goodbye", reason: "The machine's tenant or organization was disabled.", reconnect: false });
      link.close(CloseCode.keyRevoked, "disabled");
      return;
    }
    // Stops asked for on another node (or lost in transit) reach the robot with its next heartbeat;
    // a robot that runs nothing has nothing to stop.
    if (message.runningJobs.length === 0) return;
    for (const stop of await this.jobs.pendingStops(sessionId)) {
      if (message.runningJobs.includes(stop.key)) link.send({ type: "stop", jobKey: stop.key, mode: stop.mode });
    }
  }

  /**
   * Stores a batch of log lines (once: a batch sent again after a reconnect is recognised by its
   * `seq`) and acknowledges it after the commit, so the agent may forget it.
   */
  async logs(sessionId: number, machine: Machine, link: RobotLink, message: Logs): Promise<void> {
    const jobId = await this.jobs.appendLogs(
      { id: sessionId, machineId: machine.id },
      message.jobKey,
      message.entries,
      message.seq,
    );
    if (jobId !== null) this.logStream.publish(jobId);
    if (message.seq !== undefined) link.send({ type: "ack", jobKey: message.jobKey, seq: message.seq });
  }

  /** Records the job's end (a report sent again changes nothing) and acknowledges it after the commit. */
  async jobFinished(sessionId: number, link: RobotLink, message: JobFinished): Promise<void> {
    const { type: _type, jobKey, seq, ...outcome } = message;
    await this.jobs.finish(sessionId, jobKey, outcome);
    if (seq !== undefined) link.send({ type: "ack", jobKey, seq });
  }

  /** The connection is gone: the session ends with the reason (ours, or the agent's). */
  /** The robot showed it has these jobs (see JobService.requeueUnacknowledged). */
  acknowledge(sessionId: number, jobKeys: string[]): Promise<void> {
    return this.jobs.acknowledge(sessionId, jobKeys);
  }

  async closed(sessionId: number, reason: string): Promise<void> {
    this.hub.remove(sessionId);
    await this.machines.closeSession(sessionId, reason);
  }
}

type Machine = AuthenticatedMachine["machine"];

/** Seconds an agent waits before sending a job's messages again after the server could not store them. */
const retryAfterSeconds = 5;

/** One robot connection's conversation: its session (after hello) and its messages, in order. */
export class RobotConversation {
  sessionId: number | null = null;
  /**
   * Jobs whose message the server could not store, with the lowest `seq` lost: later messages of
   * the job are refused too until the agent sends again from there, so nothing is stored after a
   * gap (the server keeps the highest stored `seq` per job and skips anything at or below it).
   */
  private readonly refused = new Map<string, number>();
  /** Jobs this robot listed in its last heartbeat or sent log lines of (acknowledged already). */
  private acknowledged = new Set<string>();

  constructor(
    private readonly service: RobotSessionService,
    private readonly machine: Machine,
    private readonly link: RobotLink,
    private readonly log: SessionLog,
  ) {}

  /**
   * Handles one message; throws RobotProtocolError for a message the protocol does not allow here.
   * A failure on our side (the database is away) never ends the agent: a hello is answered with
   * "reconnect later", a heartbeat is skipped, a log batch or result is answered with `retry`.
   */
  async handle(message: AgentMessage): Promise<void> {
    if (message.type === "hello") {
      if (this.sessionId !== null) throw new RobotProtocolError("hello was sent twice.");
      try {
        this.sessionId = await this.service.hello(this.machine, this.link, this.log, message);
      } catch (error) {
        if (error instanceof RobotProtocolError) throw error;
        this.log.error({ err: error }, "a robot's hello could not be recorded; it reconnects later");
        this.link.send({ type: "goodbye", reason: "The server is temporarily unavailable.", reconnect: true });
        this.link.close(CloseCode.unavailable, "temporarily unavailable");
      }
      return;
    }
    if (this.sessionId === null) throw new RobotProtocolError("Say hello first.");
    const sessionId = this.sessionId;
    switch (message.type) {
      case "heartbeat": {
        // A heartbeat that cannot be recorded is skipped: the next one counts.
        const listed = message.runningJobs;
        const fresh = listed.filter((key) => !this.acknowledged.has(key));
        return Promise.all([
          this.service.heartbeat(sessionId, this.machine, this.link, message),
          this.service.acknowledge(sessionId, fresh),
        ])
          .then(() => {
            this.acknowledged = new Set(listed);
          })
          .catch((error: unknown) => {
            if (error instanceof RobotProtocolError) throw error;
            this.log.error({ err: error }, "a robot heartbeat could not be recorded");
          });
      }
      case "logs":
        // Log lines of a job show the robot has it, as much as a heartbeat listing it.
        return this.stored(message.jobKey, message.seq, async () => {
          if (!this.acknowledged.has(message.jobKey)) {
            await this.service.acknowledge(sessionId, [message.jobKey]);
            this.acknowledged.add(message.jobKey);
          }
          await this.service.logs(sessionId, this.machine, this.link, message);
        });
      case "job-finished":
        return this.stored(message.jobKey, message.seq, () => this.service.jobFinished(sessionId, this.link, message));
    }
  }

  private async stored(jobKey: string, seq: number | undefined, store: () => Promise<void>): Promise<void> {
    const lost = this.refused.get(jobKey);
    if (lost !== undefined && (seq === undefined || seq > lost)) {
      this.link.send({
        type: "retry",
        jobKey,
        seq: lost,
        reason: "An earlier message of the job is missing.",
        retryAfterSeconds,
      });
      return;
    }
    try {
      await store();
      this.refused.delete(jobKey);
    } catch (error) {
      if (error instanceof RobotProtocolError) throw error;
      this.log.error(
        { err: error, jobKey, seq },
        "a robot's job message could not be stored; the agent sends it again",
      );
      const first = Math.min(lost ?? Number.MAX_SAFE_INTEGER, seq ?? Number.MAX_SAFE_INTEGER);
      if (seq !== undefined) this.refused.set(jobKey, first);
      this.link.send({
        type: "retry",
        jobKey,
        ...(seq !== undefined && { seq: first }),
        reason: "The server could not store it right now.",
        retryAfterSeconds,
      });
    }
  }

  /** The socket closed (after every message before it was handled). */
  async closed(code: number, reason: string): Promise<void> {
    if (this.sessionId === null) return;
    await this.service
      .closed(this.sessionId, reason)
      .catch((error: unknown) => this.log.error({ err: error }, "closing a robot session failed"));
    this.log.info({ sessionId: this.sessionId, code }, "robot disconnected");
  }
}
