import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import type { z } from "zod";
import { killGraceSeconds, type LogLevel, logLevels } from "../shared/jobs.js";
import type { serverAssign } from "../shared/protocol.js";
import { automationEnvironment } from "./environment.js";
import { Outbox, type Send } from "./outbox.js";
import { PackageCache } from "./package-cache.js";

export type { Send };

type Assignment = z.infer<typeof serverAssign>["job"];

export interface ExecutorOptions {
  /** Base URL of the server (packages are downloaded from it; automations get it as DIRIGENT_URL). */
  url: string;
  key: string;
  /** Folder for the package cache and job working folders. */
  workDir?: string;
  /** Most log lines kept while the server cannot be reached; beyond that lines are dropped and counted. */
  maxBufferedLines?: number;
  report: (line: string) => void;
  /** What automations start with besides their DIRIGENT_* variables (see environment.ts). */
  environment?: NodeJS.ProcessEnv;
}

/**
 * Where a job is in its run: its package being fetched and copied (no process yet: a stop aborts
 * the download and the automation never starts), or its process running.
 */
type RunPhase =
  | { kind: "preparing" }
  | {
      kind: "running";
      child: ChildProcess;
      /** When the process was spawned (Date.now()), for the start-up grace of a graceful stop. */
      spawnedAt: number;
      /** How long after the spawn a graceful stop's SIGINT waits at most for the ready file. */
      startGraceMs: number;
      /** The SIGKILL that follows a kill's SIGTERM, once armed. */
      killTimer: NodeJS.Timeout | null;
      /** Polls for the ready file while a SIGINT waits for it. */
      readyPoll: NodeJS.Timeout | null;
    };

interface RunningJob {
  job: Assignment;
  phase: RunPhase;
  stopFile: string;
  /** The SDK creates it once its SIGINT handler is installed (see stopSignalGraceMs). */
  readyFile: string;
  /** The stop the server asked for, if any: a kill may follow a stop, never the reverse. */
  stopMode: "stop" | "kill" | null;
  errors: string[];
  /** Aborts the package download when the job is stopped before it started. */
  download: AbortController;
  /** The signal that ended the process, when one did. */
  exitSignal?: NodeJS.Signals | null;
}

/**
 * A graceful stop writes the stop file at once, but its SIGINT waits until the automation can
 * handle it: a SIGINT that lands before the automation installed its handler ends it by the
 * signal, without its clean-up. The SDK says when it is ready: it creates DIRIGENT_READY_FILE
 * right after installing its handler, at import. The agent cannot know whether an automation
 * will ever say so; a package that ships the SDK (node_modules/dirigent) is waited for up to
 * `sdkStartGraceMs` after the spawn, any other one `startGraceMs` (enough for a script to reach
 * its first lines). Kill never waits.
 */
export const startGraceMs = 2_000;
export const sdkStartGraceMs = 30_000;

/**
 * Runs assigned jobs: fetches the package (cached by checksum), copies it into a fresh working
 * folder, starts the entry point's command with the job's environment, forwards every output
 * line as a log entry (JSON lines with a level keep it), and reports the result. Logs and
 * results stay in the outbox until the server acknowledges them (see outbox.ts), across
 * reconnects and server crashes.
 */
export class Executor {
  private readonly running = new Map<string, RunningJob>();
  private readonly outbox: Outbox;
  private readonly packages: PackageCache;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly root: string;
  private send: Send = () => false;
  /** Attached to a live session: lines are never dropped then, reading output waits instead. */
  private connected = false;
  /** The output readers of running automations, paused together while the outbox is full. */
  private readonly readers = new Set<readline.Interface>();
  private readersPaused = false;
  private idleWaiters: (() => void)[] = [];
  private deliveredWaiters: (() => void)[] = [];

  constructor(private readonly options: ExecutorOptions) {
    this.outbox = new Outbox(options.maxBufferedLines ?? 10_000);
    this.root = options.workDir ?? path.join(os.tmpdir(), "dirigent-agent");
    this.packages = new PackageCache(path.join(this.root, "packages"), (pkg) =>
      fetch(new URL(`/api/v1/robot/packages/${pkg.id}`, options.url), {
        headers: { authorization: `Bearer ${options.key}` },
      }),
    );
    fs.mkdirSync(path.join(this.root, "jobs"), { recursive: true });
  }

  /** Set by the agent on every (re)connection: what is not acknowledged yet goes out again first. */
  attach(send: Send): void {
    this.send = send;
    this.connected = true;
    this.outbox.resendAll();
    this.flush();
  }

  /**
   * The session ended: what cannot be sent waits in the outbox up to its bound, and beyond it is
   * dropped and counted, so the automations are not held up while the server is away.
   */
  detach(): void {
    this.send = () => false;
    this.connected = false;
    this.resumeReaders();
  }

  /** The server committed the job's lines and result up to `seq`. */
  ack(jobKey: string, seq: number): void {
    this.outbox.ack(jobKey, seq);
    if (this.readersPaused && this.outbox.hasRoom) {
      this.resumeReaders();
      this.flush();
    }
    if (this.outbox.empty) for (const resolve of this.deliveredWaiters.splice(0)) resolve();
  }

  /** The server could not store the job's messages: send its unacknowledged ones again after `delayMs`. */
  retry(jobKey: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.outbox.resendJob(jobKey);
      this.flush();
    }, delayMs);
    timer.unref();
  }

  /** Resolves once the server acknowledged every line and result (or after `timeoutMs`). */
  delivered(timeoutMs: number): Promise<void> {
    if (this.outbox.empty) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.deliveredWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  runningKeys(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Jobs the server has yet to hear the end of: running, or ended while disconnected with their
   * lines or result not yet acknowledged. A new session resumes them, or what is sent is dropped.
   */
  unreportedKeys(): string[] {
    return [...new Set([...this.running.keys(), ...this.outbox.jobKeys()])];
  }

  /** Resolves once no job runs. */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async run(job: Assignment): Promise<void> {
    if (this.running.has(job.key)) return;
    const workDir = fs.mkdtempSync(path.join(this.root, "jobs", `${job.id}-`));
    const state: RunningJob = {
      job,
      phase: { kind: "preparing" },
      stopFile: path.join(workDir, ".dirigent-stop"),
      readyFile: path.join(workDir, ".dirigent-ready"),
      stopMode: null,
      errors: [],
      download: new AbortController(),
    };
    this.running.set(job.key, state);
    this.options.report(`Job ${job.id} (${job.processName}) started.`);
    try {
      const packageDir = await this.packages.get(job.package, state.download.signal);
      const runDir = path.join(workDir, "run");
      fs.cpSync(packageDir, runDir, { recursive: true });
      const inputFile = path.join(workDir, "input.json");
      const outputFile = path.join(workDir, "output.json");
      fs.writeFileSync(inputFile, JSON.stringify(job.inputArguments));
      // A stop or kill that came while the package was fetched: the automation never starts.
      if (state.stopMode) return this.finish(state, null, null, null, false);
      const [program, ...args] = job.command;
      const child = spawn(program === "node" ? process.execPath : (program as string), args, {
        cwd: runDir,
        env: {
          ...(this.options.environment ?? automationEnvironment(process.env)),
          DIRIGENT_URL: this.options.url,
          DIRIGENT_JOB_ID: String(job.id),
          DIRIGENT_JOB_KEY: job.key,
          DIRIGENT_JOB_TOKEN: job.token,
          DIRIGENT_INPUT_FILE: inputFile,
          DIRIGENT_OUTPUT_FILE: outputFile,
          DIRIGENT_STOP_FILE: state.stopFile,
          DIRIGENT_READY_FILE: state.readyFile,
          ...compatEnvironment(this.options.url, job),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const running: RunPhase & { kind: "running" } = {
        kind: "running",
        child,
        spawnedAt: Date.now(),
        startGraceMs: fs.existsSync(path.join(runDir, "node_modules", "dirigent", "package.json"))
          ? sdkStartGraceMs
          : startGraceMs,
        killTimer: null,
        readyPoll: null,
      };
      state.phase = running;
      child.once("spawn", () => this.options.report(`Job ${job.id} running (process ${child.pid}).`));
      const lines = (stream: NodeJS.ReadableStream, fallback: LogLevel) => {
        const reader = readline.createInterface({ input: stream });
        reader.on("line", (line) => this.logLine(state, line, fallback));
        reader.on("close", () => this.readers.delete(reader));
        this.readers.add(reader);
        if (this.readersPaused) reader.pause();
      };
      lines(child.stdout as NodeJS.ReadableStream, "info");
      lines(child.stderr as NodeJS.ReadableStream, "error");
      const { code, signal, spawnError } = await new Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
        spawnError: Error | null;
      }>((resolve) => {
        child.once("error", (error) => resolve({ code: null, signal: null, spawnError: error }));
        child.once("close", (exitCode, exitSignal) =>
          resolve({ code: exitCode, signal: exitSignal, spawnError: null }),
        );
      });
      if (running.killTimer) clearTimeout(running.killTimer);
      if (running.readyPoll) clearInterval(running.readyPoll);
      if (spawnError) throw new Error(`The command ${program} could not be started: ${spawnError.message}`);
      state.exitSignal = signal;
      this.finish(state, code, readOutput(outputFile), null, true);
    } catch (error) {
      // A download aborted by a stop is no failure: the job just never started.
      const stoppedEarly = state.stopMode !== null && state.phase.kind === "preparing";
      this.finish(state, null, null, stoppedEarly ? null : (error as Error).message, false);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }

  /** Stop (the automation sees shouldStop() and gets SIGINT) or kill (SIGTERM, SIGKILL after 3 s). */
  stop(jobKey: string, mode: "stop" | "kill"): void {
    const state = this.running.get(jobKey);
    // Heartbeats repeat a stop until the job ends: act once per mode (a kill after a stop escalates),
    // so an automation that handles the first SIGINT is not interrupted again while it finishes.
    if (!state || state.stopMode === "kill" || state.stopMode === mode) return;
    state.stopMode = mode;
    this.options.report(`Job ${state.job.id}: ${mode === "kill" ? "kill" : "stop"} requested.`);
    // Not spawned yet: it never will be (run() checks stopMode right before spawning).
    if (state.phase.kind === "running") this.signal(state, state.phase, mode);
    else state.download.abort();
  }

  /** Kills every job at once (a second Ctrl-C); jobs still being prepared never start. */
  killAll(): void {
    for (const state of this.running.values()) {
      if (state.phase.kind === "running") {
        state.phase.child.kill("SIGKILL");
      } else {
        state.stopMode = "kill";
        state.download.abort();
      }
    }
  }

  private signal(state: RunningJob, run: RunPhase & { kind: "running" }, mode: "stop" | "kill"): void {
    if (mode === "stop") {
      fs.writeFileSync(state.stopFile, new Date().toISOString());
      const ready = () => Date.now() - run.spawnedAt >= run.startGraceMs || fs.existsSync(state.readyFile);
      if (ready()) {
        run.child.kill("SIGINT");
        return;
      }
      run.readyPoll ??= setInterval(() => {
        if (!ready() || !run.readyPoll) return;
        clearInterval(run.readyPoll);
        run.readyPoll = null;
        // A kill may have come meanwhile; then SIGTERM/SIGKILL are on their way.
        if (state.stopMode === "stop") run.child.kill("SIGINT");
      }, 50);
      return;
    }
    if (run.readyPoll) clearInterval(run.readyPoll);
    run.readyPoll = null;
    run.child.kill("SIGTERM");
    run.killTimer ??= setTimeout(() => run.child.kill("SIGKILL"), killGraceSeconds * 1000);
  }

  private logLine(state: RunningJob, line: string, fallback: LogLevel): void {
    let level = fallback;
    let message = line;
    if (line.startsWith("{")) {
      try {
        const parsed = JSON.parse(line) as { level?: unknown; message?: unknown };
        if (typeof parsed.message === "string" && logLevels.includes(parsed.level as LogLevel)) {
          level = parsed.level as LogLevel;
          message = parsed.message;
        }
      } catch {}
    }
    if (level === "error" || level === "fatal") {
      state.errors.push(message);
      if (state.errors.length > 20) state.errors.shift();
    }
    this.outbox.addLine(
      state.job.key,
      { timestamp: new Date().toISOString(), level, message: message.slice(0, 32_000) },
      this.connected,
    );
    // Backpressure: lines already read are kept, and no more are read until the server has
    // acknowledged enough (see ack); the automation's writes wait on its full pipe meanwhile.
    if (this.connected && this.outbox.full && !this.readersPaused) {
      this.readersPaused = true;
      for (const reader of this.readers) reader.pause();
    }
    if (this.outbox.batchWaiting) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = null;
      this.flush();
      return;
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, 200);
  }

  private resumeReaders(): void {
    if (!this.readersPaused) return;
    this.readersPaused = false;
    for (const reader of this.readers) reader.resume();
  }

  /** Sends what the server has not had yet on this connection; the rest waits for the next one. */
  private flush(): void {
    this.outbox.flush(this.send);
  }

  private finish(
    state: RunningJob,
    exitCode: number | null,
    outputArguments: Record<string, unknown> | null,
    failure: string | null,
    started: boolean,
  ): void {
    const error =
      failure ??
      (!started
        ? null
        : exitCode === 0
          ? null
          : state.errors.slice(-10).join("\n") || `The automation ${endedBy(exitCode, state.exitSignal ?? null)}.`);
    this.options.report(
      `Job ${state.job.id} finished (${failure ? "could not run" : !started ? "stopped before it started" : exitCode === null ? `ended by ${state.exitSignal ?? "a signal"}` : `exit code ${exitCode}`}).`,
    );
    this.outbox.addResult({
      type: "job-finished",
      jobKey: state.job.key,
      exitCode,
      outputArguments,
      error: error?.slice(0, 8000) ?? null,
      stopped: state.stopMode !== null,
      started,
    });
    this.running.delete(state.job.key);
    // Results go out after the job's last log lines.
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.flush();
    if (this.running.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Downloads and unpacks a package once per checksum; later jobs reuse the folder. */
}

function readOutput(file: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The environment the original product's Python SDK reads inside a job (docs/compatibility.md):
 * its URL (`{server}/{org}/{tenant}`), the job token as its access token, the folder, job and
 * robot keys, and its telemetry switched off (no automation reports to the vendor from here).
 */
export function compatEnvironment(
  url: string,
  job: {
    id: number;
    key: string;
    token: string;
    compat?: { org: string; tenant: string; folderKey: string; robotKey: string } | undefined;
  },
): NodeJS.ProcessEnv {
  if (!job.compat) return {};
  const base = url.replace(/\/+$/, "");
  return {
    UIPATH_URL: `${base}/${encodeURIComponent(job.compat.org)}/${encodeURIComponent(job.compat.tenant)}`,
    UIPATH_ACCESS_TOKEN: job.token,
    UIPATH_FOLDER_KEY: job.compat.folderKey,
    UIPATH_JOB_KEY: job.key,
    UIPATH_JOB_ID: String(job.id),
    UIPATH_ROBOT_KEY: job.compat.robotKey,
    UIPATH_TELEMETRY_ENABLED: "false",
  };
}

/** "exited with code 3" or "was ended by SIGKILL" (never "exit code signal"). */
function endedBy(exitCode: number | null, signal: NodeJS.Signals | null): string {
  if (exitCode !== null) return `exited with code ${exitCode}`;
  return `was ended by ${signal ?? "a signal"}`;
}
