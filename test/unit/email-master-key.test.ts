import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadMasterKey, MasterKey, parseKey } from "../../src/platform/master-key.js";

const keyA = randomBytes(32);
const keyB = randomBytes(32);

/** Replaces one base64url character of the n-th dot-separated part with another. */
function flip(sealed: string, part: number): string {
  const parts = sealed.split(".");
  const p = parts[part] as string;
  parts[part] = (p[0] === "A" ? "B" : "A") + p.slice(1);
  return parts.join(".");
}

describe("MasterKey", () => {
  it("encrypts with AES-256-GCM: versioned, key-tagged, a fresh IV each time, no plaintext", () => {
    const key = new MasterKey(keyA);
    const a = key.encrypt("Smtp-Secret-1", "ctx");
    const b = key.encrypt("Smtp-Secret-1", "ctx");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(a).not.toContain("Smtp-Secret-1");
    expect(Buffer.from(a.split(".")[4] as string, "base64url").toString()).not.toContain("Smtp");
    expect(key.decrypt(a, "ctx")).toBe("Smtp-Secret-1");
    expect(key.decrypt(b, "ctx")).toBe("Smtp-Secret-1");
    for (const text of ["", "ünïcødé – ✓ 🔑", "x".repeat(5000)])
      expect(key.decrypt(key.encrypt(text, "c"), "c")).toBe(text);
  });

  it("refuses a value moved to another context, a tampered value, or garbage", () => {
    const key = new MasterKey(keyA);
    const sealed = key.encrypt("secret", "email_settings.smtp_password");
    expect(() => key.decrypt(sealed, "email_settings.oauth_client_secret")).toThrow();
    expect(() => key.decrypt(flip(sealed, 2), "email_settings.smtp_password")).toThrow(); // IV
    expect(() => key.decrypt(flip(sealed, 3), "email_settings.smtp_password")).toThrow(); // tag
    expect(() => key.decrypt(flip(sealed, 4), "email_settings.smtp_password")).toThrow(); // ciphertext
    expect(() => key.decrypt("plaintext", "x")).toThrow(/Not an encrypted value/);
    expect(() => key.decrypt(`v2${sealed.slice(2)}`, "email_settings.smtp_password")).toThrow(/Not an encrypted value/);
    expect(() => new MasterKey(keyB).decrypt(sealed, "email_settings.smtp_password")).toThrow(/not configured/);
  });

  it("rotates: older keys still decrypt, their values are stale, new values use the new key", () => {
    const old = new MasterKey(keyA);
    const sealed = old.encrypt("rotate-me", "c");
    expect(old.isStale(sealed)).toBe(false);
    const rotated = new MasterKey(keyB, [keyA]);
    expect(rotated.decrypt(sealed, "c")).toBe("rotate-me");
    expect(rotated.isStale(sealed)).toBe(true);
    const resealed = rotated.encrypt(rotated.decrypt(sealed, "c"), "c");
    expect(rotated.isStale(resealed)).toBe(false);
    expect(new MasterKey(keyB).decrypt(resealed, "c")).toBe("rotate-me");
    expect(() => new MasterKey(keyB).decrypt(sealed, "c")).toThrow(/DIRIGENT_MASTER_KEY_PREVIOUS/);
  });
});

describe("loadMasterKey and parseKey", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-key-"));
    dirs.push(d);
    return d;
  };

  it("insists on 32 bytes of base64", () => {
    expect(parseKey(keyA.toString("base64"), "K").equals(keyA)).toBe(true);
    expect(() => parseKey(randomBytes(16).toString("base64"), "DIRIGENT_MASTER_KEY")).toThrow(
      /DIRIGENT_MASTER_KEY must be 32 bytes/,
    );
  });

  it("creates <data dir>/master.key (mode 0600) once and keeps using it", () => {
    const dir = tmp();
    const first = loadMasterKey({ dataDir: dir });
    const file = path.join(dir, "master.key");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const content = fs.readFileSync(file, "utf8");
    const sealed = first.encrypt("kept", "c");
    const second = loadMasterKey({ dataDir: dir });
    expect(fs.readFileSync(file, "utf8")).toBe(content);
    expect(second.decrypt(sealed, "c")).toBe("kept");
  });

  it("prefers the configured key and accepts a list of previous keys", () => {
    const dir = tmp();
    const fromA = loadMasterKey({ key: keyA.toString("base64"), dataDir: dir });
    expect(fs.existsSync(path.join(dir, "master.key"))).toBe(false);
    const sealed = fromA.encrypt("v", "c");
    const third = randomBytes(32).toString("base64");
    const rotated = loadMasterKey({
      key: keyB.toString("base64"),
      previous: `${third}, ${keyA.toString("base64")}`,
      dataDir: dir,
    });
    expect(rotated.decrypt(sealed, "c")).toBe("v");
    expect(() => loadMasterKey({ key: "short", dataDir: dir })).toThrow(/32 bytes/);
  });
});
