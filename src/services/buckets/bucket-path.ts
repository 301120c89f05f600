import { AppError } from "../../domain/errors.js";
import { maxBucketPathLength } from "../../shared/buckets.js";
import { ProblemType } from "../../shared/problem-types.js";

/**
 * A file's path inside a bucket: `/`-separated segments, relative, without `.` or `..`, empty
 * segments, backslashes, control characters (NUL included) or a drive letter. Every provider gets
 * only paths checked here, so the local provider can join them to its root without escaping it.
 */
export function normalizeFilePath(raw: string, field = "path"): string {
  const value = raw.normalize("NFC");
  const problem = pathProblem(value, false);
  if (problem) throw invalidPath(field, problem);
  return value;
}

/**
 * A listing prefix: like a file path, but it may be empty and may end with `/` (a "directory");
 * its last segment may be the start of a name.
 */
export function normalizePrefix(raw: string | undefined, field = "prefix"): string {
  if (raw === undefined || raw === "") return "";
  const value = raw.normalize("NFC");
  const problem = pathProblem(value.endsWith("/") ? value.slice(0, -1) : value, true);
  if (problem) throw invalidPath(field, problem);
  return value;
}

function pathProblem(value: string, prefix: boolean): string | null {
  if (value.length === 0) return prefix ? "must not be only `/`" : "must not be empty";
  if (value.length > maxBucketPathLength) return `must be at most ${maxBucketPathLength} characters`;
  // Control characters include NUL, which would cut a file name short in the operating system.
  if (/\p{Cc}/u.test(value)) return "must not contain control characters (NUL, line breaks, …)";
  if (value.includes("\\")) return "must use `/` as separator, not `\\`";
  if (value.startsWith("/")) return "must be relative (no leading `/`)";
  if (/^[a-zA-Z]:/.test(value)) return "must not start with a drive letter";
  for (const segment of value.split("/")) {
    if (segment === "") return "must not contain empty segments (`//`)";
    if (segment === "." || segment === "..") return "must not contain `.` or `..` segments";
    // File systems allow 255 bytes per name; S3 would take more, but a bucket must fit both.
    if (Buffer.byteLength(segment) > 255) return "must not have a segment longer than 255 bytes";
  }
  return null;
}

function invalidPath(field: string, message: string): AppError {
  return new AppError(400, ProblemType.invalidPath, "Invalid path", `The ${field} ${message}.`, {
    errors: [{ path: field, message }],
  });
}

/** A content type guessed from the file name, for providers that keep none. */
export function contentTypeOf(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return contentTypes[ext] ?? "application/octet-stream";
}

const contentTypes: Record<string, string> = {
  txt: "text/plain; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  json: "application/json",
  xml: "application/xml",
  html: "text/html; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  webp: "image/webp",
  zip: "application/zip",
  gz: "application/gzip",
  tgz: "application/gzip",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};
