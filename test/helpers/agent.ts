import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { protocolVersion, robotPath } from "../../src/shared/protocol.js";

const bin = fileURLToPath(new URL("../../bin/dirigent.js", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

/** A real `dirigent robot` agent running as a child process. */
export interface AgentProcess {
  child: ChildProcess;
  /** Every stdout/stderr line so far, without the agent's timestamp prefix. */
  lines: string[];
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Index of the next line: pass it as `since` to wait only for lines printed after now. */
  mark(): number;
  /**
   * Waits for a line matching `pattern` (from line `since` on) and returns it; fails early,
   * with the whole output, when the agent exits first or nothing matches within `timeoutMs`.
   */
  waitFor(pattern: RegExp, options?: { since?: number; timeoutMs?: number }): Promise<string>;
  /** Waits for the process to end and returns its exit code; fails after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<number | null>;
  /** Sends a signal and waits for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

const running = new Set<AgentProcess>();

/** Strips the ISO timestamp `dirigent robot` puts in front of each line. */
const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}/;

/**
 * Spawns `node bin/dirigent.js robot <args>` (by default `--url <url> --key <key>`) and collects
 * its output line by line. Every agent spawned here is killed by `killAllAgents()`.
 */
export function spawnAgent(options: {
  url?: string;
  key?: string;
  args?: string[];
  env?: Record<string, string>;
}): AgentProcess {
  const args = options.args ?? ["--url", options.url ?? "", "--key", options.key ?? ""];
  const child = spawn(process.execPath, [bin, "robot", ...args], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let rest = "";
    stream?.on("data", (chunk: Buffer) => {
      rest += chunk.toString();
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) lines.push(p.replace(timestamp, ""));
      notify();
    });
    stream?.on("end", () => {
      if (rest) lines.push(rest.replace(timestamp, ""));
      rest = "";
      notify();
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => {
      ended = true;
      running.delete(agent);
      resolve({ code, signal });
      notify();
    });
  });
  const output = () => lines.join("\n");

  const agent: AgentProcess = {
    child,
    lines,
    exited,
    mark: () => lines.length,
    output,
    waitFor(pattern, { since = 0, timeoutMs = 30_000 } = {}) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const found = lines.slice(since).find((l) => pattern.test(l));
          if (found !== undefined) return done(() => resolve(found));
          if (ended) {
            const how = `code ${child.exitCode}, signal ${child.signalCode}`;
            done(() => reject(new Error(`The agent exited (${how}) before printing ${pattern}:\n${output()}`)));
          }
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`The agent did not print ${pattern} in ${timeoutMs} ms:\n${output()}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async waitForExit(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`The agent did not exit in ${timeoutMs} ms:\n${output()}`)),
          timeoutMs,
        );
      });
      try {
        return (await Promise.race([exited, timeout])).code;
      } finally {
        clearTimeout(timer);
      }
    },
    async kill(signal = "SIGKILL") {
      if (!ended) {
        // A stopped (SIGSTOP) process must run again to act on anything but SIGKILL.
        if (signal !== "SIGKILL") child.kill("SIGCONT");
        child.kill(signal);
      }
      await exited;
    },
  };
  running.add(agent);
  return agent;
}

/** Kills every agent still running (for afterEach/afterAll). */
export async function killAllAgents(): Promise<void> {
  await Promise.all([...running].map((a) => a.kill("SIGKILL")));
}

/** A TCP port nobody listens on right now (for a server that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Retries `check` until it stops throwing (or `timeoutMs` passes, then throws its last error). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

// --- The robot protocol spoken directly with `ws`, for protocol-level tests. ---

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
type Json = any;

/** A raw robot WebSocket: the messages the server sent and how it closed. */
export interface RobotSocket {
  ws: WebSocket;
  messages: Json[];
  /** Waits for the next message not yet taken by an earlier call. */
  next(timeoutMs?: number): Promise<Json>;
  send(message: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
  /** Sends the hello the real agent sends and returns the welcome. */
  hello(overrides?: Record<string, unknown>): Promise<Json>;
}

export const helloMessage = (overrides: Record<string, unknown> = {}) => ({
  type: "hello",
  protocolVersion,
  agentVersion: "9.9.9-test",
  hostName: "raw-test-host",
  os: "test-os 1.0",
  ...overrides,
});

const robotUrl = (baseUrl: string) => `${baseUrl.replace(/^http/, "ws")}${robotPath}`;

/** Opens a robot WebSocket with the key; rejects when the upgrade is refused. */
export function openRobotSocket(baseUrl: string, key: string): Promise<RobotSocket> {
  const ws = new WebSocket(robotUrl(baseUrl), { headers: { authorization: `Bearer ${key}` } });
  const messages: Json[] = [];
  const waiting: ((m: Json) => void)[] = [];
  let taken = 0;
  ws.on("message", (data) => {
    messages.push(JSON.parse(String(data)));
    const w = waiting.shift();
    if (w) w(messages[taken++]);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const socket: RobotSocket = {
    ws,
    messages,
    closed,
    send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)),
    next(timeoutMs = 10_000) {
      if (taken < messages.length) return Promise.resolve(messages[taken++]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message in ${timeoutMs} ms`)), timeoutMs);
        waiting.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    },
    async hello(overrides = {}) {
      socket.send(helloMessage(overrides));
      return socket.next();
    },
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(socket));
    ws.once("unexpected-response", (_req, res) => {
      reject(new Error(`upgrade refused with ${res.statusCode}`));
      res.resume();
      ws.terminate();
    });
    // Errors after the socket opened show in `closed`; before, they refuse the connection.
    ws.on("error", reject);
  });
}

/**
 * Attempts the robot upgrade and returns the refusal (status, content type, problem body), or
 * `{status: 101}` when the server accepted (the socket is closed again at once).
 */
export function tryUpgrade(
  baseUrl: string,
  key: string | null,
): Promise<{ status: number; contentType?: string; body?: Json }> {
  const ws = new WebSocket(robotUrl(baseUrl), { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  return new Promise((resolve, reject) => {
    ws.once("open", () => {
      ws.close(1000);
      resolve({ status: 101 });
    });
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (c: Buffer) => {
        text += c.toString();
      });
      res.on("end", () => {
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers["content-type"] ?? ""),
          body: text ? JSON.parse(text) : undefined,
        });
        ws.terminate();
      });
    });
    // Settled already when the refusal was read (terminate() then reports an abort).
    ws.on("error", reject);
  });
}
