import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Token prefixes make leaked tokens recognisable (secret scanners, our log redaction):
 * `dgs_` UI session, `dgt_` bearer token from /auth/token, `dgp_` personal access token,
 * `dgl_` one-time link (password reset, invitation), `dgm_` machine key of a robot, `dgj_` job token of a running automation,
 * `dgu_` unsubscribe link of an alert e-mail (sealed, not stored).
 */
export const tokenPrefix = {
  session: "dgs_",
  bearer: "dgt_",
  personal: "dgp_",
  link: "dgl_",
  machine: "dgm_",
  job: "dgj_",
  unsubscribe: "dgu_",
} as const;

export function newToken(kind: Exclude<keyof typeof tokenPrefix, "unsubscribe">): string {
  return `${tokenPrefix[kind]}${randomBytes(32).toString("base64url")}`;
}

/** Tokens are high-entropy, so a plain SHA-256 (no salt, no stretching) is the right stored form. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** A readable random password for the generated first administrator. */
export function generatePassword(): string {
  // 18 bytes → 24 base64url characters; prefix guarantees every policy class is present.
  return `Dg1-${randomBytes(18).toString("base64url")}`;
}
