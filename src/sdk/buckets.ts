import fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { type ClientOptions, DirigentApiError, DirigentClient, jobClient } from "./client.js";

/** A file of a bucket as Dirigent describes it. */
export interface BucketFile {
  path: string;
  size: number;
  modifiedAt: string;
  contentType: string;
}

/** What fetch accepts as a request body. */
type Body = NonNullable<NonNullable<Parameters<typeof fetch>[1]>["body"]>;

/**
 * The path as URL segments. `.` and `..` segments are refused here: URLs resolve them (even as
 * `%2e%2e`) before sending, so "a/../b" would silently become "b" instead of the server's 400.
 */
function encodePath(path: string): string {
  const segments = path.split("/");
  if (segments.some((s) => s === "." || s === "..")) {
    throw new DirigentApiError(400, {
      type: "invalid-path",
      detail: `"${path}" must not contain . or .. segments.`,
    });
  }
  return segments.map(encodeURIComponent).join("/");
}

const transientStatuses = new Set([502, 503, 504]);

/**
 * Raw bytes to or from the API with the job token, retried like DirigentClient.request (network
 * errors and 502/503/504 with backoff) — that client speaks JSON only. `body` is a function so a
 * retry can send it again (e.g. reopen a file).
 */
async function transfer(
  options: ClientOptions,
  method: string,
  path: string,
  init: { body?: () => Body; headers?: Record<string, string>; accept?: number[] } = {},
): Promise<Response> {
  const url = (options.url ?? process.env.DIRIGENT_URL ?? "").replace(/\/+$/, "");
  const token = options.token ?? process.env.DIRIGENT_JOB_TOKEN;
  if (!url || !token)
    throw new Error("dirigent/sdk needs DIRIGENT_URL and DIRIGENT_JOB_TOKEN (set by the robot for a running job).");
  const attempts = Math.max(1, options.attempts ?? 6);
  const backoffMs = options.backoffMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    let res: Response | null = null;
    try {
      const body = init.body?.();
      res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...init.headers },
        ...(body !== undefined && { body, duplex: "half" }),
      } as RequestInit);
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
    if (res) {
      if (!transientStatuses.has(res.status) || attempt >= attempts) {
        if (res.ok || init.accept?.includes(res.status)) return res;
        const text = await res.text();
        let problem: DirigentApiError["problem"] = {};
        try {
          problem = text ? (JSON.parse(text) as DirigentApiError["problem"]) : {};
        } catch {
          problem = { detail: text };
        }
        throw new DirigentApiError(res.status, problem);
      }
      await res.body?.cancel();
    }
    const delay = Math.min(5000, backoffMs * 2 ** (attempt - 1));
    await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
  }
}

/**
 * A storage bucket of the job's folder, by name (`bucket("Invoices").read("2026/jan.pdf")`). Every
 * call uses the job token and retries transient network errors; paths are `/`-separated and
 * relative (no `..`). Errors are DirigentApiError with the answer's status and problem type.
 */
export function bucket(name: string, options: ClientOptions = {}) {
  const base = `/job/buckets/${encodeURIComponent(name)}/files`;
  const json = (): DirigentClient => (Object.keys(options).length ? new DirigentClient(options) : jobClient());
  return {
    /** The whole file in memory (use readStream or download for large files). */
    async read(path: string): Promise<Buffer> {
      const res = await transfer(options, "GET", `${base}/${encodePath(path)}`);
      return Buffer.from(await res.arrayBuffer());
    },

    /** The file's content as a stream. */
    async readStream(path: string): Promise<Readable> {
      const res = await transfer(options, "GET", `${base}/${encodePath(path)}`);
      return Readable.fromWeb(res.body as WebReadableStream);
    },

    /** Saves the file to a local file, streamed. */
    async download(path: string, localFile: string): Promise<void> {
      await pipeline(await this.readStream(path), fs.createWriteStream(localFile));
    },

    /** Stores `data` under `path` (replacing a file there). */
    async write(path: string, data: string | Uint8Array, contentType?: string): Promise<BucketFile> {
      const res = await transfer(options, "PUT", `${base}/${encodePath(path)}`, {
        body: () => data,
        headers: contentType ? { "content-type": contentType } : {},
      });
      return (await res.json()) as BucketFile;
    },

    /** Uploads a local file, streamed (a retry opens the file again). */
    async upload(path: string, localFile: string, contentType?: string): Promise<BucketFile> {
      const size = (await fs.promises.stat(localFile)).size;
      const res = await transfer(options, "PUT", `${base}/${encodePath(path)}`, {
        body: () => Readable.toWeb(fs.createReadStream(localFile)) as unknown as Body,
        headers: { "content-length": String(size), ...(contentType && { "content-type": contentType }) },
      });
      return (await res.json()) as BucketFile;
    },

    /** Every file whose path starts with `prefix` (all pages). */
    async list(prefix = ""): Promise<BucketFile[]> {
      const files: BucketFile[] = [];
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({ prefix, limit: "1000", ...(cursor && { cursor }) });
        const page = await json().request<{ items: BucketFile[]; nextCursor: string | null }>(
          "GET",
          `${base}?${query}`,
        );
        files.push(...(page.body?.items ?? []));
        cursor = page.body?.nextCursor ?? null;
      } while (cursor);
      return files;
    },

    /** Deletes the file; false when there was none. */
    async delete(path: string): Promise<boolean> {
      const res = await transfer(options, "DELETE", `${base}/${encodePath(path)}`, { accept: [404] });
      await res.body?.cancel();
      return res.status !== 404;
    },
  };
}
