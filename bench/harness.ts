import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freshPostgres } from "./foundation.js";

/** The CLI, for benchmarks that run the server or agents as processes of their own. */
export const bin = fileURLToPath(new URL("../bin/dirigent.js", import.meta.url));

/** The value at quantile `q` of an ascending list (0 when it is empty). */
export const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** A JSON call to a running server's `/api/v1`; throws with the answer on anything but 2xx. */
export type BenchApi = (
  method: string,
  url: string,
  body?: unknown,
  token?: string,
) => Promise<Record<string, unknown>>;

export function benchApi(serverUrl: string): BenchApi {
  return async (method, url, body, token) => {
    const res = await fetch(`${serverUrl}/api/v1${url}`, {
      method,
      headers: {
        ...(body !== undefined && { "content-type": "application/json" }),
        ...(token && { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** Runs a benchmark on SQLite and, when a URL is given, on a fresh PostgreSQL database dropped afterwards. */
export async function onEachDatabase<T>(
  pgUrl: string | undefined,
  run: (label: string, databaseUrl: string | undefined) => Promise<T>,
): Promise<T[]> {
  const rows = [await run("SQLite", undefined)];
  if (pgUrl) {
    const db = await freshPostgres(pgUrl);
    try {
      rows.push(await run("PostgreSQL", db.url));
    } finally {
      await db.drop();
    }
  }
  return rows;
}

export interface SpawnedServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Runs `dirigent serve` as a process of its own on a free port; resolves once it listens.
 * `nodeOptions` go to node itself (e.g. `--cpu-prof`, which NODE_OPTIONS does not take).
 */
export async function spawnServer(env: Record<string, string>, nodeOptions: string[] = []): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [...nodeOptions, bin, "serve"], {
    env: { ...process.env, DIRIGENT_PORT: "0", DIRIGENT_HOST: "127.0.0.1", DIRIGENT_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Dirigent is running at (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    url,
    pid: child.pid as number,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
