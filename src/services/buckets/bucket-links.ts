import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../../domain/errors.js";
import type { MasterKey } from "../../platform/master-key.js";
import type { SignedLink } from "../../shared/api/buckets.js";
import { ProblemType } from "../../shared/problem-types.js";

export type LinkVerb = "GET" | "PUT";

export type { SignedLink };

/** Where signed links of local buckets are served (below /api/v1, without a session). */
export const linkRoutePrefix = "/bucket-links";

/**
 * Signed, expiring links to one file of a local bucket: an HMAC-SHA256 over the bucket's key,
 * the verb, the path and the expiry, keyed with a key derived from the master key. Anyone holding
 * the link may do that one thing until it expires; changing any part of it breaks the signature.
 * Rotating the master key invalidates links made before.
 */
export class BucketLinks {
  private readonly key: Buffer;

  constructor(masterKey: MasterKey) {
    this.key = masterKey.deriveKey("bucket-links");
  }

  sign(baseUrl: string, bucketKey: string, path: string, verb: LinkVerb, expiresAt: Date): SignedLink {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    const signature = this.signature(bucketKey, path, verb, expires);
    const encodedPath = path.split("/").map(encodeURIComponent).join("/");
    return {
      uri: `${baseUrl}/api/v1${linkRoutePrefix}/${bucketKey}/${encodedPath}?expires=${expires}&signature=${signature}`,
      verb,
      headers: {},
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** Throws 403 `invalid-signature` for a forged or altered link, 403 `link-expired` for an old one. */
  verify(bucketKey: string, path: string, verb: LinkVerb, expires: number, signature: string, now: Date): void {
    const expected = Buffer.from(this.signature(bucketKey, path, verb, expires));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError(403, ProblemType.invalidSignature, "Invalid signature", "This link is not valid.");
    }
    if (expires * 1000 <= now.getTime()) {
      throw new AppError(403, ProblemType.linkExpired, "Link expired", "This link has expired; ask for a new one.");
    }
  }

  private signature(bucketKey: string, path: string, verb: LinkVerb, expires: number): string {
    return createHmac("sha256", this.key).update(`v1\n${bucketKey}\n${verb}\n${path}\n${expires}`).digest("base64url");
  }
}
