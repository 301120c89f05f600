import fs from "node:fs";
import { Readable } from "node:stream";
import { type Body, type ClientOptions, DirigentError, jobJson, jobRequest } from "./client.js";

/** A file of a bucket as Dirigent describes it. */
export interface BucketFile {
  path: string;
  size: number;
  modifiedAt: string;
  contentType: string;
}

/**
 * The path as URL segments. `.` and `..` segments are refused here: URLs resolve them (even as
 * `%2e%2e`) before sending, so "a/../b" would silently become "b" instead of the server's 400.
 */
function encodePath(path: string): string {
  const segments = path.split("/");
  if (segments.some((s) => s === "." || s === "..")) {
    throw new DirigentError(400, "invalid-path", `400 invalid-path: "${path}" must not contain . or .. segments.`);
  }
  return segments.map(encodeURIComponent).join("/");
}

/**
 * A storage bucket of the job's folder, by name (`bucket("Invoices").read("2026/jan.pdf")`). Every
 * call uses the job token and retries transient network errors; paths are `/`-separated and
 * relative (no `..`).
 */
export function bucket(name: string, options: ClientOptions = {}) {
  const base = `/job/buckets/${encodeURIComponent(name)}/files`;
  return {
    /** The whole file in memory (use readStream or download for large files). */
    async read(path: string): Promise<Buffer> {
      const response = await jobRequest(`${base}/${encodePath(path)}`, {}, options);
      return Buffer.from(await response.arrayBuffer());
    },

    /** The file's content as a stream. */
    async readStream(path: string): Promise<Readable> {
      const response = await jobRequest(`${base}/${encodePath(path)}`, {}, options);
      return Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    },

    /** Saves the file to a local file, streamed. */
    async download(path: string, localFile: string): Promise<void> {
      const stream = await this.readStream(path);
      const { pipeline } = await import("node:stream/promises");
      await pipeline(stream, fs.createWriteStream(localFile));
    },

    /** Stores `data` under `path` (replacing a file there). */
    async write(path: string, data: string | Uint8Array, contentType?: string): Promise<BucketFile> {
      return jobJson<BucketFile>(
        `${base}/${encodePath(path)}`,
        { method: "PUT", body: data, headers: contentType ? { "content-type": contentType } : {} },
        options,
      );
    },

    /** Uploads a local file, streamed (a retry opens the file again). */
    async upload(path: string, localFile: string, contentType?: string): Promise<BucketFile> {
      const size = (await fs.promises.stat(localFile)).size;
      return jobJson<BucketFile>(
        `${base}/${encodePath(path)}`,
        {
          method: "PUT",
          body: () => Readable.toWeb(fs.createReadStream(localFile)) as unknown as Body,
          headers: { "content-length": String(size), ...(contentType && { "content-type": contentType }) },
        },
        options,
      );
    },

    /** Every file whose path starts with `prefix` (all pages). */
    async list(prefix = ""): Promise<BucketFile[]> {
      const files: BucketFile[] = [];
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({ prefix, limit: "1000", ...(cursor && { cursor }) });
        const page: { items: BucketFile[]; nextCursor: string | null } = await jobJson(`${base}?${query}`, {}, options);
        files.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return files;
    },

    /** Deletes the file; false when there was none. */
    async delete(path: string): Promise<boolean> {
      const response = await jobRequest(`${base}/${encodePath(path)}`, { method: "DELETE", accept: [404] }, options);
      await response.body?.cancel();
      return response.status !== 404;
    },
  };
}
