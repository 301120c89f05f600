import os from "node:os";
import WebSocket from "ws";
import { protocolVersion, robotPath, type ServerMessage, serverMessage } from "../shared/protocol.js";
import { Executor } from "./executor.js";

export interface AgentOptions {
  /** Base URL of the Dirigent server, e.g. http://dirigent.example.com:8080. */
  url: string;
  /** The machine key shown when the machine was created. */
  key: string;
  /** Where the agent reports what it does (the console for `dirigent robot`). */
  report: (line: string) => void;
  /** Folder for the package cache and job working folders (default: the system's temp folder). */
  workDir?: string;
  /** Backoff bounds for reconnecting, in milliseconds. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** What automations start with besides their DIRIGENT_* variables (default: the allow-listed part of this process's). */
  environment?: NodeJS.ProcessEnv;
}

export const agentVersion = "0.1.0";

/**
 * Refused before the WebSocket opened (a bad key, a disabled tenant…): retrying does not help.
 * A license refusal (403 license-exceeded) is the exception: the agent waits and retries.
 */
const permanentStatuses = new Set([400, 401, 403, 404]);

/**
 * The robot agent: keeps one WebSocket to the server, says hello, heartbeats, and reconnects
 * with exponential backoff (with jitter) whenever the connection drops or the tenant's license
 * has no free slot. A refusal that retrying cannot fix (unknown key, disabled tenant, key
 * regenerated) ends the agent.
 */
export class Agent {
  private socket: WebSocket | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private stopped = false;
  private finished!: (result: { ok: boolean; reason: string }) => void;
  /** Resolves when the agent stops for good (asked to, or refused permanently). */
  readonly done = new Promise<{ ok: boolean; reason: string }>((resolve) => {
    this.finished = resolve;
  });
  sessionId: number | null = null;
  private draining = false;
  private readonly executor: Executor;

  constructor(private readonly options: AgentOptions) {
    this.executor = new Executor({
      url: options.url,
      key: options.key,
      report: options.report,
      ...(options.workDir && { workDir: options.workDir }),
      ...(options.environment && { environment: options.environment }),
    });
  }

  /**
   * Shuts down gracefully: asks for no new jobs, lets the running ones finish, then stops.
   * `stop()` (or a second Ctrl-C) ends everything at once.
   */
  async drain(): Promise<void> {
    this.draining = true;
    const running = this.executor.runningKeys().length;
    if (running > 0)
      this.options.report(`Finishing ${running} running job(s) before stopping (Ctrl-C again to stop at once)…`);
    this.sendHeartbeat();
    await this.executor.idle();
    // Their last lines and results are kept until the server has them (for a while: it may be gone).
    await this.executor.delivered(10_000);
    this.stop("Stopped after the running jobs finished.");
  }

  /** Kills running jobs and stops at once. */
  abort(): void {
    this.executor.killAll();
    this.stop("Stopped at once; running jobs were killed.");
  }

  start(): void {
    this.connect();
  }

  /** Stops the agent: closes the connection and does not reconnect. */
  stop(reason = "Stopped."): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    this.socket?.close(1000, "agent stopping");
    this.finished({ ok: true, reason });
  }

  private connect(): void {
    const target = new URL(robotPath, this.options.url.replace(/\/+$/, "/"));
    target.protocol = target.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(target, {
      headers: { authorization: `Bearer ${this.options.key}` },
      handshakeTimeout: 15_000,
    });
    this.socket = socket;
    // Set while a refusal's answer is read: the socket's close must not schedule a reconnect itself.
    let refused = false;

    socket.on("unexpected-response", (_req, res) => {
      refused = true;
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => {
        let detail = body;
        let type = "";
        try {
          const problem = JSON.parse(body) as { type?: string; title?: string; detail?: string };
          detail = [problem.title, problem.detail].filter(Boolean).join(": ");
          type = problem.type ?? "";
        } catch {}
        const status = res.statusCode ?? 0;
        if (type.endsWith("license-exceeded")) {
          // Licenses change (slots freed, raised or renewed): wait and try again instead of ending.
          this.options.report(
            `Waiting for a free licensed slot: the server refused this robot for now (${detail}). Trying again later.`,
          );
          this.scheduleReconnect();
        } else if (permanentStatuses.has(status)) {
          this.fail(`The server refused this robot (${status}): ${detail}`);
        } else {
          this.options.report(`The server refused the connection (${status}): ${detail}`);
          this.scheduleReconnect();
        }
        socket.terminate();
      });
    });

    socket.on("open", () => {
      socket.send(
        JSON.stringify({
          type: "hello",
          protocolVersion,
          agentVersion,
          hostName: os.hostname(),
          os: `${os.platform()} ${os.release()}`,
          runningJobs: this.executor.unreportedKeys(),
        }),
      );
    });

    socket.on("message", (data) => {
      let message: ServerMessage;
      try {
        message = serverMessage.parse(JSON.parse(String(data)));
      } catch {
        this.options.report("Ignored a message this agent does not understand (update the agent?).");
        return;
      }
      if (message.type === "welcome") {
        this.attempt = 0;
        this.sessionId = message.sessionId;
        this.options.report(
          `Connected to ${this.options.url} as machine "${message.machine.name}" (${message.machine.slots} ${message.machine.slots === 1 ? "slot" : "slots"}, session ${message.sessionId}).`,
        );
        this.startHeartbeat(message.heartbeatSeconds);
        this.executor.attach((m) => this.sendNow(m));
        if (this.draining) this.sendHeartbeat();
      } else if (message.type === "assign") {
        void this.executor.run(message.job);
      } else if (message.type === "stop") {
        this.executor.stop(message.jobKey, message.mode);
      } else if (message.type === "ack") {
        this.executor.ack(message.jobKey, message.seq);
      } else if (message.type === "retry") {
        this.options.report(`The server will take job ${message.jobKey}'s logs again later: ${message.reason}`);
        this.executor.retry(message.jobKey, message.retryAfterSeconds * 1000);
      } else if (message.type === "goodbye") {
        if (message.reconnect) this.options.report(`The server closed the session: ${message.reason}`);
        else this.fail(`The server ended this robot's session: ${message.reason}`);
      }
    });

    socket.on("close", (code, reason) => {
      // After a refusal the retry is already scheduled: keep it (or the agent just ends, exit 0).
      if (!refused) this.clearTimers();
      this.executor.detach();
      if (this.stopped || refused) return;
      const why = reason.toString() || `code ${code}`;
      if (this.sessionId !== null) this.options.report(`Disconnected (${why}).`);
      this.sessionId = null;
      this.scheduleReconnect();
    });

    socket.on("error", (error) => {
      // "close" follows; only say what went wrong.
      if (!this.stopped && !refused) this.options.report(`Connection problem: ${error.message}`);
    });
  }

  private startHeartbeat(seconds: number): void {
    this.clearTimers();
    this.heartbeat = setInterval(() => this.sendHeartbeat(), seconds * 1000);
  }

  private sendHeartbeat(): void {
    this.sendNow({ type: "heartbeat", runningJobs: this.executor.runningKeys(), draining: this.draining });
  }

  /** Sends when the session is established; false otherwise (the caller keeps the message). */
  private sendNow(message: object): boolean {
    if (this.sessionId === null || this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const min = this.options.minBackoffMs ?? 1000;
    const max = this.options.maxBackoffMs ?? 30_000;
    const base = Math.min(max, min * 2 ** this.attempt);
    // Full jitter: many robots losing one server do not all come back in the same second.
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.attempt += 1;
    this.options.report(`Reconnecting in ${(delay / 1000).toFixed(1)} s…`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private fail(reason: string): void {
    this.options.report(reason);
    this.stopped = true;
    this.clearTimers();
    this.socket?.terminate();
    this.finished({ ok: false, reason });
  }

  private clearTimers(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
