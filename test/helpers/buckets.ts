import { createHash } from "node:crypto";
import http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { expect } from "vitest";
import type { Api } from "./api.js";

/** Helpers of the bucket tests: raw uploads and downloads, and large generated files. */

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  body: any;
  text: string;
}

/**
 * A raw HTTP request through node:http: the path goes out exactly as written (fetch would resolve
 * `%2e%2e` segments first) and a stream body is sent with backpressure (Readable.toWeb on Node 20
 * reads its source ahead without limit).
 */
export function rawRequest(
  method: string,
  url: string,
  body: string | Buffer | Readable | null,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const target = new URL(url);
  const pathAndQuery = url.slice(target.origin.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, method, path: pathAndQuery, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const json = text && String(res.headers["content-type"] ?? "").includes("json");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: json ? JSON.parse(text) : text, text });
        });
      },
    );
    req.on("error", reject);
    if (body instanceof Readable) {
      pipeline(body, req).catch(reject);
    } else {
      req.end(body ?? undefined);
    }
  });
}

/** Uploads with PUT (raw body) to an API path or a full URL. */
export function putFile(api: Api, url: string, body: string | Buffer | Readable, headers: Record<string, string> = {}) {
  return rawRequest("PUT", url.startsWith("http") ? url : `${api.baseUrl}/api/v1${url}`, body, {
    ...(api.token && { authorization: `Bearer ${api.token}` }),
    ...(typeof body === "string" || Buffer.isBuffer(body) ? { "content-length": String(Buffer.byteLength(body)) } : {}),
    ...headers,
  });
}

/** Any method on an API path, sent raw. */
export function rawApi(api: Api, method: string, url: string) {
  return rawRequest(
    method,
    `${api.baseUrl}/api/v1${url}`,
    null,
    api.token ? { authorization: `Bearer ${api.token}` } : {},
  );
}

export async function getFile(api: Api | null, url: string, headers: Record<string, string> = {}) {
  return fetch(url.startsWith("http") ? url : `${api?.baseUrl}/api/v1${url}`, {
    headers: { ...(api?.token && { authorization: `Bearer ${api.token}` }), ...headers },
  });
}

/** A deterministic stream of `bytes` pseudo-random bytes, generated as it is read, and its SHA-256. */
export function generated(bytes: number, seed = 1): { stream: Readable; sha256: Promise<string> } {
  const chunk = 256 * 1024;
  let sent = 0;
  let counter = seed;
  const hash = createHash("sha256");
  let resolve: (v: string) => void = () => {};
  const sha256 = new Promise<string>((r) => {
    resolve = r;
  });
  const stream = new Readable({
    read() {
      if (sent >= bytes) {
        resolve(hash.digest("hex"));
        this.push(null);
        return;
      }
      const n = Math.min(chunk, bytes - sent);
      const buf = createHash("sha512").update(String(counter++)).digest();
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i += buf.length) buf.copy(out, i, 0, Math.min(buf.length, n - i));
      sent += n;
      hash.update(out);
      this.push(out);
    },
  });
  return { stream, sha256 };
}

/** Reads a response body as a stream, returning its size and SHA-256 without keeping it. */
export async function hashBody(res: Response): Promise<{ size: number; sha256: string }> {
  expect(res.body).not.toBeNull();
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest("hex") };
}
