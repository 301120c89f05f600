import fs from "node:fs";

/**
 * The automation SDK (`import * as dirigent from "dirigent/sdk"`): what a running entry point
 * needs from Dirigent, read from the environment the robot agent sets (API.md).
 */

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

/** The job's input arguments (the process defaults merged with what the job was started with). */
export function inputArguments<T extends Record<string, unknown> = Record<string, unknown>>(): T {
  const file = process.env.DIRIGENT_INPUT_FILE;
  if (!file) return {} as T;
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

let outputs: Record<string, unknown> = {};

/** Sets output arguments; they are merged and written at once, so the last call wins per key. */
export function setOutputArguments(values: Record<string, unknown>): void {
  outputs = { ...outputs, ...values };
  const file = process.env.DIRIGENT_OUTPUT_FILE;
  if (file) fs.writeFileSync(file, JSON.stringify(outputs));
}

/** Writes a structured log line at a level (shown in Dirigent's job logs). */
export function log(level: LogLevel, message: string): void {
  process.stdout.write(`${JSON.stringify({ level, message })}\n`);
}

let stopSignalled = false;
process.once("SIGINT", () => {
  // A graceful stop: the agent sends SIGINT and creates the stop file; the automation decides
  // when to finish (check shouldStop() between units of work).
  stopSignalled = true;
});
// Tells the agent the handler is in place: until then it holds back the SIGINT of a stop (which
// would end the process), and only creates the stop file.
if (process.env.DIRIGENT_READY_FILE) {
  try {
    fs.writeFileSync(process.env.DIRIGENT_READY_FILE, String(process.pid));
  } catch {}
}

/** True once a graceful stop was asked for; finish the current unit of work and exit. */
export function shouldStop(): boolean {
  if (stopSignalled) return true;
  const file = process.env.DIRIGENT_STOP_FILE;
  return file ? fs.existsSync(file) : false;
}

/** The job's id and key, and the server's URL and job token (for calls to Dirigent's API). */
export const job = {
  get id(): number | null {
    return process.env.DIRIGENT_JOB_ID ? Number(process.env.DIRIGENT_JOB_ID) : null;
  },
  get key(): string | null {
    return process.env.DIRIGENT_JOB_KEY ?? null;
  },
  get serverUrl(): string | null {
    return process.env.DIRIGENT_URL ?? null;
  },
  get token(): string | null {
    return process.env.DIRIGENT_JOB_TOKEN ?? null;
  },
};

export { type AssetValue, type Credential, getAsset, getCredential, setAsset } from "./assets.js";
export { type BucketFile, bucket } from "./buckets.js";
export { type ClientOptions, DirigentApiError, DirigentClient, jobClient } from "./client.js";
export {
  type AddOptions,
  type BulkResult,
  type CommitType,
  Queue,
  type QueueItemData,
  queue,
  Transaction,
} from "./queues.js";
