import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { contentTypeOf } from "./bucket-path.js";
import {
  type BucketFile,
  type BucketProvider,
  type ByteRange,
  type FileListing,
  type ListOptions,
  payloadTooLarge,
  storageUnavailable,
  type WriteOptions,
} from "./bucket-provider.js";

export interface S3Options {
  /** Empty = AWS itself. */
  endpoint: string | null;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO and most self-hosted stores). */
  pathStyle: boolean;
}

/**
 * Size of one part of a multipart upload. An upload is held in memory one part at a time (S3
 * needs each part's length up front); smaller files go up in a single PutObject.
 */
const partBytes = 8 * 1024 * 1024;

/** An S3-compatible object store through AWS's own SDK v3. */
export class S3Provider implements BucketProvider {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: S3Options) {
    this.bucket = options.bucket;
    this.client = new S3Client({
      ...(options.endpoint && { endpoint: options.endpoint }),
      region: options.region,
      forcePathStyle: options.pathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // The SDK's default checksums (aws-chunked trailers) are not understood by every
      // S3-compatible store; send them only where S3 requires them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
    });
  }

  async list(options: ListOptions): Promise<FileListing> {
    const res = await this.call("list files", () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: options.prefix,
          ...(!options.recursive && { Delimiter: "/" }),
          MaxKeys: options.limit,
          ...(options.cursor && { ContinuationToken: options.cursor }),
        }),
      ),
    );
    return {
      items: (res.Contents ?? []).flatMap((o) =>
        o.Key
          ? [
              {
                path: o.Key,
                size: o.Size ?? 0,
                modifiedAt: (o.LastModified ?? new Date(0)).toISOString(),
                contentType: contentTypeOf(o.Key),
              },
            ]
          : [],
      ),
      directories: (res.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
      nextCursor: res.IsTruncated ? (res.NextContinuationToken ?? null) : null,
    };
  }

  async stat(path: string): Promise<BucketFile | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: path }));
      return {
        path,
        size: head.ContentLength ?? 0,
        modifiedAt: (head.LastModified ?? new Date(0)).toISOString(),
        contentType: head.ContentType ?? contentTypeOf(path),
      };
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return null;
      throw storageUnavailable(`The S3 store did not answer for "${path}": ${describe(error)}`, error);
    }
  }

  async read(path: string, range: ByteRange | null): Promise<NodeJS.ReadableStream> {
    const res = await this.call(`read "${path}"`, () =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: path,
          ...(range && { Range: `bytes=${range.start}-${range.end}` }),
        }),
      ),
    );
    return res.Body as NodeJS.ReadableStream;
  }

  async write(path: string, content: NodeJS.ReadableStream, options: WriteOptions): Promise<BucketFile> {
    const contentType = options.contentType ?? contentTypeOf(path);
    let uploadId: string | null = null;
    const parts: { PartNumber: number; ETag: string }[] = [];
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let total = 0;
    const flushPart = async () => {
      if (uploadId === null) {
        const created = await this.call("start an upload", () =>
          this.client.send(
            new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: path, ContentType: contentType }),
          ),
        );
        uploadId = created.UploadId ?? null;
      }
      const body = Buffer.concat(buffered);
      buffered = [];
      bufferedBytes = 0;
      const partNumber = parts.length + 1;
      const res = await this.call("upload a part", () =>
        this.client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: path,
            UploadId: uploadId ?? "",
            PartNumber: partNumber,
            Body: body,
          }),
        ),
      );
      parts.push({ PartNumber: partNumber, ETag: res.ETag ?? "" });
    };
    try {
      for await (const chunk of content as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > options.maxBytes) throw payloadTooLarge(options.maxBytes);
        buffered.push(chunk);
        bufferedBytes += chunk.length;
        if (bufferedBytes >= partBytes) await flushPart();
      }
      if (uploadId === null) {
        const body = Buffer.concat(buffered);
        await this.call(`store "${path}"`, () =>
          this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: path, Body: body, ContentType: contentType }),
          ),
        );
      } else {
        if (bufferedBytes > 0) await flushPart();
        const id: string = uploadId;
        await this.call("finish an upload", () =>
          this.client.send(
            new CompleteMultipartUploadCommand({
              Bucket: this.bucket,
              Key: path,
              UploadId: id,
              MultipartUpload: { Parts: parts },
            }),
          ),
        );
      }
    } catch (error) {
      // A failed or refused upload leaves no parts behind in the store.
      const id: string | null = uploadId;
      if (id !== null) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: path, UploadId: id }))
          .catch(() => undefined);
      }
      throw error;
    }
    return { path, size: total, modifiedAt: new Date().toISOString(), contentType };
  }

  async delete(path: string): Promise<boolean> {
    if ((await this.stat(path)) === null) return false;
    await this.call(`delete "${path}"`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: path })),
    );
    return true;
  }

  /** A real pre-signed URL: the client talks to the store directly. */
  async presign(path: string, verb: "GET" | "PUT", expiresInSeconds: number, contentType: string | null) {
    const command =
      verb === "GET"
        ? new GetObjectCommand({ Bucket: this.bucket, Key: path })
        : new PutObjectCommand({ Bucket: this.bucket, Key: path, ...(contentType && { ContentType: contentType }) });
    const uri = await getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
    const headers: Record<string, string> = verb === "PUT" && contentType ? { "Content-Type": contentType } : {};
    return { uri, verb, headers };
  }

  close(): void {
    this.client.destroy();
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw storageUnavailable(`The S3 store could not ${what}: ${describe(error)}`, error);
    }
  }
}

/** The store's error without anything secret (the SDK's messages carry no credentials). */
function describe(error: unknown): string {
  if (error instanceof S3ServiceException) return `${error.name} (HTTP ${error.$metadata.httpStatusCode ?? "?"})`;
  return error instanceof Error ? error.message : String(error);
}
