import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The installation's master key encrypts secrets at rest (SMTP passwords, OAuth client secrets)
 * with AES-256-GCM. It comes from DIRIGENT_MASTER_KEY, or from `<data dir>/master.key`, which is
 * generated with mode 0600 on first start. Older keys listed in DIRIGENT_MASTER_KEY_PREVIOUS
 * still decrypt, so a key can be rotated: set the new key, move the old one to PREVIOUS, and run
 * `dirigent admin rotate-master-key` to re-encrypt everything under the new key.
 */
export class MasterKey {
  private readonly current: { id: string; key: Buffer };
  private readonly all: Map<string, Buffer>;

  constructor(current: Buffer, previous: Buffer[] = []) {
    this.current = { id: keyId(current), key: current };
    this.all = new Map([current, ...previous].map((k) => [keyId(k), k]));
  }

  /** Encrypts `plaintext`; `context` (e.g. the column) is bound as AAD so a value cannot be moved. */
  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, iv);
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [
      "v1",
      this.current.id,
      iv.toString("base64url"),
      cipher.getAuthTag().toString("base64url"),
      ct.toString("base64url"),
    ].join(".");
  }

  decrypt(sealed: string, context: string): string {
    const [version, id, iv, tag, ct] = sealed.split(".");
    if (version !== "v1" || !id || !iv || !tag || ct === undefined) throw new Error("Not an encrypted value");
    const key = this.all.get(id);
    if (!key)
      throw new Error(`The key ${id} that encrypted this value is not configured (DIRIGENT_MASTER_KEY_PREVIOUS?)`);
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  }

  /**
   * A 32-byte key for one purpose (e.g. signing bucket links), derived from the current master key
   * with HKDF: knowing it reveals nothing about the master key or other purposes' keys.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync("sha256", this.current.key, Buffer.alloc(0), `dirigent:${purpose}`, 32));
  }

  /** Whether a sealed value was encrypted under an older key. */
  isStale(sealed: string): boolean {
    return sealed.split(".")[1] !== this.current.id;
  }
}

function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

export function parseKey(value: string, name: string): Buffer {
  const key = Buffer.from(value.trim(), "base64");
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes in base64 (openssl rand -base64 32)`);
  return key;
}

/** Loads the master key from configuration or the data folder, creating the file on first start. */
export function loadMasterKey(options: {
  key?: string | undefined;
  previous?: string | undefined;
  dataDir: string;
}): MasterKey {
  const previous = (options.previous ?? "")
    .split(",")
    .filter((v) => v.trim())
    .map((v) => parseKey(v, "DIRIGENT_MASTER_KEY_PREVIOUS"));
  if (options.key) return new MasterKey(parseKey(options.key, "DIRIGENT_MASTER_KEY"), previous);
  const file = path.join(options.dataDir, "master.key");
  fs.mkdirSync(options.dataDir, { recursive: true });
  try {
    // "wx": create only if absent, so two processes starting together cannot overwrite each other.
    fs.writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return new MasterKey(parseKey(fs.readFileSync(file, "utf8"), file), previous);
}
