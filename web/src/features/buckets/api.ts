import type { Bucket, BucketFile, BucketInput, FileListing, SignedLink } from "../../../../src/shared/api/buckets";
import { API_BASE, ApiError, api, getApiLanguage, getCsrfToken, withQuery } from "../../api/client";
import { tenantBase } from "../../api/endpoints";

/** The storage bucket API as the UI uses it (shapes of src/shared/api/buckets.ts). */

export type { Bucket, BucketFile, BucketInput, FileListing, SignedLink } from "../../../../src/shared/api/buckets";

export type BucketProvider = Bucket["provider"];

/** A file path as URL segments (each encoded, the slashes kept). */
export const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

export function bucketsApi(org: string, tenant: string) {
  const T = tenantBase(org, tenant);
  return {
    list: (folderId: number) => api.get<{ items: Bucket[] }>(`${T}/folders/${folderId}/buckets`),
    get: (id: number) => api.get<Bucket>(`${T}/buckets/${id}`),
    create: (folderId: number, body: BucketInput) => api.post<Bucket>(`${T}/folders/${folderId}/buckets`, body),
    update: (id: number, body: BucketInput) => api.patch<Bucket>(`${T}/buckets/${id}`, body),
    remove: (id: number) => api.delete(`${T}/buckets/${id}`),
    files: (id: number, prefix: string, cursor?: string | null) =>
      api.get<FileListing>(
        withQuery(`${T}/buckets/${id}/files`, { prefix, recursive: false, cursor: cursor ?? undefined, limit: 200 }),
      ),
    deleteFile: (id: number, path: string) => api.delete(`${T}/buckets/${id}/files/${encodePath(path)}`),
    readLink: (id: number, path: string, expiresInMinutes: number) =>
      api.get<SignedLink>(withQuery(`${T}/buckets/${id}/read-uri`, { path, expiresInMinutes })),
    /** The download URL (the session cookie authenticates a plain link). */
    downloadUrl: (id: number, path: string) => `${API_BASE}${T}/buckets/${id}/files/${encodePath(path)}`,
  };
}

/**
 * Uploads one file with PUT as the raw body, reporting progress (fetch cannot report upload
 * progress); the server streams it into the bucket.
 */
export function uploadFile(
  url: string,
  file: File,
  onProgress: (fraction: number) => void,
): { promise: Promise<BucketFile>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<BucketFile>((resolve, reject) => {
    xhr.open("PUT", url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Accept", "application/json, application/problem+json");
    xhr.setRequestHeader("Accept-Language", getApiLanguage());
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    const csrf = getCsrfToken();
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: Record<string, unknown> | null = null;
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(body as unknown as BucketFile);
        return;
      }
      reject(
        new ApiError({
          status: xhr.status,
          type: typeof body?.type === "string" ? body.type : "http-error",
          title: typeof body?.title === "string" ? body.title : xhr.statusText || `HTTP ${xhr.status}`,
          detail: typeof body?.detail === "string" ? body.detail : undefined,
          errors: Array.isArray(body?.errors) ? (body.errors as ApiError["errors"]) : [],
        }),
      );
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, type: "network-error", title: "Network error" }));
    xhr.onabort = () => reject(new ApiError({ status: 0, type: "aborted", title: "Aborted" }));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

/** A size in B, KiB, MiB or GiB, with the decimal separator of `locale`. */
export function formatSize(bytes: number, locale: string): string {
  const n = (value: number, digits: number) =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${n(bytes / 1024, 1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${n(bytes / 1024 / 1024, 1)} MiB`;
  return `${n(bytes / 1024 / 1024 / 1024, 2)} GiB`;
}
