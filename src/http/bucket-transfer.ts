import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Download } from "../services/buckets/bucket-file-service.js";
import { maxBucketPathLength } from "../shared/buckets.js";

/**
 * What the bucket routes (user, job and signed-link ones) share: raw request bodies passed on as
 * streams, and downloads sent as streams with Range support.
 */

/** A file's metadata as the API shows it. */
export { bucketFileSchema, fileListingSchema } from "../shared/api/buckets.js";

const noControl = (s: string) => !/\p{Cc}/u.test(s);

/** `?prefix=&recursive=&cursor=&limit=` of a file listing. */
export const fileListQuery = z
  .object({
    prefix: z.string().max(maxBucketPathLength).optional(),
    recursive: z.enum(["true", "false"]).optional(),
    cursor: z.string().max(2048).refine(noControl, "must not contain control characters").optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** The file path of a `…/files/*` route (checked further by the service). */
export const wildcardPath = z.object({ "*": z.string().max(maxBucketPathLength * 3) });

/**
 * In this plugin every request body that is not multipart reaches the handler as the raw stream
 * (never buffered, no body size limit: the bucket's own cap applies while streaming).
 */
export function acceptRawBodies(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
}

/** The upload's stream and what the client said about it: a multipart part, or the raw body. */
export async function uploadSource(request: FastifyRequest): Promise<{
  content: NodeJS.ReadableStream;
  contentType: string | null;
  expectedBytes: number | null;
}> {
  if (request.isMultipart()) {
    // The bucket's cap is enforced while streaming; the plugin's own limit must not cut in first.
    const part = await request.file({ limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 1 } });
    if (!part) return { content: emptyStream(), contentType: null, expectedBytes: 0 };
    return { content: part.file, contentType: part.mimetype || null, expectedBytes: null };
  }
  const length = Number(request.headers["content-length"]);
  const type = request.headers["content-type"];
  const body = request.body as NodeJS.ReadableStream | undefined;
  return {
    content: body ?? emptyStream(),
    contentType: type && type !== "application/octet-stream" ? type : null,
    expectedBytes: Number.isSafeInteger(length) ? length : null,
  };
}

function emptyStream(): NodeJS.ReadableStream {
  const s = new PassThrough();
  s.end();
  return s;
}

/**
 * Sends a download as a stream: 200 or 206 with Content-Range, always as an attachment and
 * sandboxed, so an uploaded HTML or SVG file never runs as a page of Dirigent's origin.
 */
export function sendDownload(reply: FastifyReply, download: Download): FastifyReply {
  const { file, range } = download;
  const name = file.path.slice(file.path.lastIndexOf("/") + 1);
  reply
    .header("Content-Type", file.contentType)
    .header("Accept-Ranges", "bytes")
    .header("Last-Modified", new Date(file.modifiedAt).toUTCString())
    .header(
      "Content-Disposition",
      `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    )
    .header("Content-Security-Policy", "sandbox; default-src 'none'")
    .header("Cache-Control", "private, no-store");
  if (range) {
    reply
      .status(206)
      .header("Content-Range", `bytes ${range.start}-${range.end}/${file.size}`)
      .header("Content-Length", String(range.end - range.start + 1));
  } else {
    reply.header("Content-Length", String(file.size));
  }
  return reply.send(download.content);
}
