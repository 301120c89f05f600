/** Where a storage bucket keeps its files (isomorphic: the UI uses it too). */
export const BucketProviderKind = {
  /** Files under the data folder (`<data dir>/buckets/<bucket key>/`). */
  local: "local",
  /** An S3-compatible object store (AWS S3, MinIO, …). */
  s3: "s3",
} as const;
export type BucketProviderKind = (typeof BucketProviderKind)[keyof typeof BucketProviderKind];

/** Default cap on one upload, in MiB (a tenant setting). */
export const defaultBucketUploadMaxMiB = 1024;
/** Longest path of a file in a bucket, in characters (S3 allows 1,024 bytes of key). */
export const maxBucketPathLength = 1024;
/** Longest lifetime of a signed link, in minutes (7 days, S3's own limit for pre-signed URLs). */
export const maxLinkMinutes = 7 * 24 * 60;
