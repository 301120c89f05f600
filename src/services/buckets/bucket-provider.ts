import { Transform, type TransformCallback } from "node:stream";
import { AppError } from "../../domain/errors.js";
import type { BucketFile, FileListing } from "../../shared/api/buckets.js";
import { ProblemType } from "../../shared/problem-types.js";

export type { BucketFile, FileListing };

export interface ListOptions {
  /** Only paths starting with this (already normalised). */
  prefix: string;
  /** true: everything below the prefix; false: one level, with the sub-"directories" apart. */
  recursive: boolean;
  /** The last path of the previous page. */
  cursor: string | null;
  limit: number;
}

/** Inclusive byte range of a read. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface WriteOptions {
  contentType: string | null;
  /** The upload is refused with 413 (and nothing kept) once it grows past this. */
  maxBytes: number;
  /** The size the client announced, when it did (S3 then needs no multipart upload for small files). */
  expectedBytes: number | null;
}

/**
 * A place bucket files live. Paths reach it normalised and confined (bucket-path.ts). Reads and
 * writes are streams: no file is ever held in memory whole.
 */
export interface BucketProvider {
  list(options: ListOptions): Promise<FileListing>;
  /** The file's metadata, or null when there is none. */
  stat(path: string): Promise<BucketFile | null>;
  /** The file's content (a byte range of it); call stat first, a missing file rejects. */
  read(path: string, range: ByteRange | null): Promise<NodeJS.ReadableStream>;
  /** Stores the stream under the path; the file appears whole or not at all. */
  write(path: string, content: NodeJS.ReadableStream, options: WriteOptions): Promise<BucketFile>;
  /** Deletes the file; false when there was none. */
  delete(path: string): Promise<boolean>;
  /** Releases connections. */
  close(): void;
}

export function payloadTooLarge(maxBytes: number): AppError {
  return new AppError(
    413,
    ProblemType.payloadTooLarge,
    "Payload too large",
    `Files in this tenant's buckets may be at most ${formatBytes(maxBytes)}.`,
    { maxBytes },
  );
}

/** An error of the storage behind a bucket (S3 down, wrong credentials, disk full): 502, logged. */
export function storageUnavailable(detail: string, cause: unknown): AppError {
  return new AppError(502, ProblemType.storageUnavailable, "Storage unavailable", detail, {}, { cause });
}

function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024 * 1024) === 0) return `${bytes / 1024 / 1024 / 1024} GiB`;
  if (bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  return `${bytes} bytes`;
}

/** Passes bytes through and fails the stream (413) once more than `maxBytes` went by. */
export class SizeLimit extends Transform {
  bytes = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) done(payloadTooLarge(this.maxBytes));
    else done(null, chunk);
  }
}
