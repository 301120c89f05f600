import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/dirigent.js", import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: string[];
  /** SIGKILL: no shutdown hooks, no flushing — a crash. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `dirigent serve` as a real child process (port 0) and resolves with its URL once the
 * start-up banner is printed.
 */
export function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, "serve"], {
    env: { ...process.env, DIRIGENT_PORT: "0", DIRIGENT_HOST: "127.0.0.1", DIRIGENT_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    // tsx compiles the sources at start: on a loaded machine that alone can take over 30 s.
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join("")}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = /Dirigent is running at (http:\/\/[^\s]+)/.exec(output.join(""));
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          child,
          output,
          async kill9() {
            child.kill("SIGKILL");
            await exited;
          },
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            await exited;
          },
        });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (c: Buffer) => output.push(c.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.join("")}`));
    });
  });
}
