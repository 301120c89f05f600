import { PassThrough, type Readable } from "node:stream";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { AppError, ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { BucketProviderKind } from "../../shared/buckets.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { BucketRow } from "../../storage/schema.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import type { BucketLinks, LinkVerb, SignedLink } from "./bucket-links.js";
import { normalizeFilePath, normalizePrefix } from "./bucket-path.js";
import { type BucketFile, type ByteRange, type FileListing, payloadTooLarge } from "./bucket-provider.js";
import type { BucketService } from "./bucket-service.js";
import { S3Provider } from "./s3-provider.js";

/** Where an audit row of a file operation goes: the organization's log. */
export interface FileAuditScope {
  orgId: number;
}

/** A download: the file's metadata, the part being sent (null = all) and its content. */
export interface Download {
  file: BucketFile;
  range: ByteRange | null;
  content: NodeJS.ReadableStream;
}

/**
 * The files of a bucket whose access was checked already (by permission, job token or signed
 * link): listing, metadata, streamed downloads and uploads, deletes and signed links. Paths are
 * normalised here, before any provider sees them.
 */
export class BucketFileService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly buckets: BucketService,
    private readonly links: BucketLinks,
  ) {}

  async list(
    row: BucketRow,
    query: { prefix?: string | undefined; recursive?: boolean | undefined; cursor?: string | undefined; limit: number },
  ): Promise<FileListing> {
    return this.buckets.provider(row).list({
      prefix: normalizePrefix(query.prefix),
      recursive: query.recursive ?? true,
      cursor: query.cursor || null,
      limit: query.limit,
    });
  }

  async stat(row: BucketRow, rawPath: string): Promise<BucketFile> {
    const path = normalizeFilePath(rawPath);
    const file = await this.buckets.provider(row).stat(path);
    if (!file) throw new NotFoundError(`The file "${path}"`);
    return file;
  }

  /** Opens the file (or the byte range a `Range` header asks for) for streaming. */
  async download(row: BucketRow, rawPath: string, rangeHeader: string | undefined): Promise<Download> {
    const file = await this.stat(row, rawPath);
    const range = parseRange(rangeHeader, file.size);
    const content = await this.buckets.provider(row).read(file.path, range);
    return { file, range, content };
  }

  /** Stores a streamed upload; refused on read-only buckets and past the tenant's size cap. */
  async upload(
    actor: Actor,
    scope: FileAuditScope,
    row: BucketRow,
    rawPath: string,
    content: NodeJS.ReadableStream,
    options: { contentType: string | null; expectedBytes: number | null },
  ): Promise<BucketFile> {
    const path = normalizeFilePath(rawPath);
    this.assertWritable(row);
    const maxBytes = (await this.buckets.uploadMaxMiB(this.ctx.db, row.tenant_id)) * 1024 * 1024;
    if (options.expectedBytes !== null && options.expectedBytes > maxBytes) {
      // Announced too large: refuse before storing anything (the rest of the body is discarded).
      content.resume();
      throw payloadTooLarge(maxBytes);
    }
    const body = detach(content);
    let file: BucketFile;
    try {
      file = await this.buckets.provider(row).write(path, body, { ...options, maxBytes });
    } catch (error) {
      // Read the rest of a refused upload and drop it, so the client gets the answer (413)
      // instead of a connection reset in the middle of sending.
      content.unpipe(body);
      content.resume();
      throw error;
    }
    await this.audit.record(
      this.ctx.db,
      actor,
      { scope: "org", orgId: scope.orgId },
      {
        component: AuditComponent.buckets,
        action: AuditAction.upload,
        target: { type: "bucket", id: row.id, name: row.name },
        after: { path: file.path, size: file.size },
      },
    );
    return file;
  }

  async delete(actor: Actor, scope: FileAuditScope, row: BucketRow, rawPath: string): Promise<void> {
    const path = normalizeFilePath(rawPath);
    this.assertWritable(row);
    if (!(await this.buckets.provider(row).delete(path))) throw new NotFoundError(`The file "${path}"`);
    await this.audit.record(
      this.ctx.db,
      actor,
      { scope: "org", orgId: scope.orgId },
      {
        component: AuditComponent.buckets,
        action: AuditAction.delete,
        target: { type: "bucket", id: row.id, name: row.name },
        before: { path },
      },
    );
  }

  /**
   * A link that reads or writes one file without a session until it expires: HMAC-signed for
   * local buckets, pre-signed by the store for S3 buckets.
   */
  async link(
    actor: Actor,
    scope: FileAuditScope,
    row: BucketRow,
    options: { path: string; verb: LinkVerb; expiresInMinutes: number; contentType: string | null; baseUrl: string },
  ): Promise<SignedLink> {
    const path = normalizeFilePath(options.path);
    if (options.verb === "PUT") this.assertWritable(row);
    const expiresAt = new Date(this.ctx.clock.now().getTime() + options.expiresInMinutes * 60_000);
    let link: SignedLink;
    if (row.provider === BucketProviderKind.s3) {
      const provider = this.buckets.provider(row);
      if (!(provider instanceof S3Provider)) throw new Error("An S3 bucket without an S3 provider");
      const presigned = await provider.presign(path, options.verb, options.expiresInMinutes * 60, options.contentType);
      link = { ...presigned, expiresAt: expiresAt.toISOString() };
    } else {
      link = this.links.sign(options.baseUrl, row.key, path, options.verb, expiresAt);
    }
    await this.audit.record(
      this.ctx.db,
      actor,
      { scope: "org", orgId: scope.orgId },
      {
        component: AuditComponent.buckets,
        action: AuditAction.createLink,
        target: { type: "bucket", id: row.id, name: row.name },
        after: { path, verb: options.verb, expiresAt: link.expiresAt },
      },
    );
    return link;
  }

  /** Checks a local bucket's signed link; throws 403 for a forged, altered or expired one. */
  verifyLink(row: BucketRow, rawPath: string, verb: LinkVerb, expires: number, signature: string): string {
    const path = normalizeFilePath(rawPath);
    if (row.provider !== BucketProviderKind.local) throw new NotFoundError("The bucket");
    this.links.verify(row.key, path, verb, expires, signature, this.ctx.clock.now());
    return path;
  }

  private assertWritable(row: BucketRow): void {
    if (row.read_only === 1) {
      throw new ConflictError(`The bucket "${row.name}" is read-only.`, ProblemType.bucketReadOnly);
    }
  }
}

/**
 * The upload as a stream of its own: a provider that gives up on it (size cap, store error)
 * destroys only this copy, never the request it comes from; an interrupted request fails it.
 */
function detach(source: NodeJS.ReadableStream): PassThrough {
  const body = new PassThrough();
  source.pipe(body);
  const fail = (error?: Error) => body.destroy(error ?? new Error("The upload was interrupted."));
  source.once("error", fail);
  source.once("close", () => {
    if (!(source as Readable).readableEnded) fail();
  });
  return body;
}

/**
 * The one byte range of a `Range: bytes=…` header (`a-b`, `a-`, `-n`), or null for the whole file
 * (no header, or several ranges, which RFC 9110 lets a server answer with the whole file).
 * A range outside the file is 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) {
    if (/^bytes=/.test(header) && header.includes(",")) return null;
    throw ValidationError.field("Range", "must be `bytes=start-end`, `bytes=start-` or `bytes=-length`");
  }
  const [, a = "", b = ""] = match;
  let start: number;
  let end: number;
  if (a === "" && b === "") throw ValidationError.field("Range", "must name a start or a length");
  if (a === "") {
    start = Math.max(0, size - Number(b));
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end || (a === "" && Number(b) === 0)) {
    throw new AppError(416, ProblemType.rangeNotSatisfiable, "Range not satisfiable", `The file has ${size} bytes.`, {
      size,
    });
  }
  return { start, end };
}
