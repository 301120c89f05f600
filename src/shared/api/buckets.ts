import { z } from "zod";
import { BucketProviderKind } from "../buckets.js";
import { text } from "./fields.js";

/** The API's shapes of storage buckets, their files and signed links. */

const noControl = (s: string) => !/\p{Cc}/u.test(s);
const bucketName = text(128).refine((s) => !/[/\\]/.test(s), "must not contain `/` or `\\`");
const description = z
  .string()
  .trim()
  .max(512)
  .refine(noControl, "must not contain control characters")
  .nullable()
  .optional();
const s3Fields = {
  endpoint: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .max(500)
    .nullable()
    .optional(),
  region: text(64).optional(),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name (3–63 of a-z, 0-9, `.`, `-`)")
    .optional(),
  accessKeyId: text(128).optional(),
  secretKey: z.string().min(1).max(256).refine(noControl, "must not contain control characters").optional(),
  pathStyle: z.boolean().optional(),
};

/** A bucket as the API shows it: the S3 secret key is write-only (`s3.hasSecretKey`). */
export const bucketSchema = z.object({
  id: z.number(),
  key: z.string(),
  folderId: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  provider: z.enum([BucketProviderKind.local, BucketProviderKind.s3]),
  readOnly: z.boolean(),
  s3: z
    .object({
      endpoint: z.string().nullable(),
      region: z.string(),
      bucket: z.string(),
      accessKeyId: z.string(),
      pathStyle: z.boolean(),
      hasSecretKey: z.boolean(),
    })
    .nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** What a signed link answers to the client: fetch `uri` with `verb` and these headers. */
export const signedLinkSchema = z.object({
  uri: z.string(),
  verb: z.enum(["GET", "PUT"]),
  headers: z.record(z.string(), z.string()),
  expiresAt: z.string(),
});
const provider = z.enum([BucketProviderKind.local, BucketProviderKind.s3]);

/** `POST …/folders/{folder}/buckets`. */
export const bucketCreateSchema = z
  .object({
    name: bucketName,
    description,
    provider: provider.optional(),
    readOnly: z.boolean().optional(),
    s3: z.object(s3Fields).strict().optional(),
  })
  .strict();
/** `PATCH …/buckets/{id}`: the provider is fixed; an absent s3.secretKey keeps the stored one. */
export const bucketChangeSchema = z
  .object({
    name: bucketName.optional(),
    description,
    readOnly: z.boolean().optional(),
    s3: z.object(s3Fields).strict().optional(),
  })
  .strict();

export const bucketFileSchema = z.object({
  path: z.string(),
  size: z.number(),
  modifiedAt: z.string(),
  contentType: z.string(),
});

export const fileListingSchema = z.object({
  items: z.array(bucketFileSchema),
  directories: z.array(z.string()),
  nextCursor: z.string().nullable(),
});

export type Bucket = z.infer<typeof bucketSchema>;
export type S3Settings = NonNullable<Bucket["s3"]>;
export type BucketInput = z.infer<typeof bucketCreateSchema>;
export type BucketChanges = z.infer<typeof bucketChangeSchema>;
export type S3Input = NonNullable<BucketInput["s3"]>;
export type BucketFile = z.infer<typeof bucketFileSchema>;
export type FileListing = z.infer<typeof fileListingSchema>;
export type SignedLink = z.infer<typeof signedLinkSchema>;
