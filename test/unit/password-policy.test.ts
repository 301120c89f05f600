import { describe, expect, it } from "vitest";
import {
  afterFailedLogin,
  defaultSecuritySettings,
  isLocked,
  passwordProblems,
} from "../../src/domain/password-policy.js";
import { maxPasswordLength, type SecuritySettings, securitySettingsSchema } from "../../src/shared/api/auth.js";

const lax: SecuritySettings = {
  ...defaultSecuritySettings,
  passwordMinLength: 8,
  passwordRequireUppercase: false,
  passwordRequireLowercase: false,
  passwordRequireDigit: false,
  passwordRequireSymbol: false,
};

describe("password policy", () => {
  it("accepts a password that meets the default policy", () => {
    expect(passwordProblems("Abcdefghi1", defaultSecuritySettings)).toEqual([]);
  });

  it("requires the minimum length", () => {
    expect(passwordProblems("Abcdefgh1", defaultSecuritySettings)).toEqual(["must be at least 10 characters long"]);
    expect(passwordProblems("abcdefg", lax)).toEqual(["must be at least 8 characters long"]);
    expect(passwordProblems("abcdefgh", lax)).toEqual([]);
  });

  it("rejects passwords longer than the maximum even when the policy allows anything", () => {
    expect(passwordProblems("a".repeat(maxPasswordLength), lax)).toEqual([]);
    expect(passwordProblems("a".repeat(maxPasswordLength + 1), lax)).toEqual([
      `must be at most ${maxPasswordLength} characters long`,
    ]);
  });

  it("requires an upper-case letter only when the policy says so", () => {
    expect(passwordProblems("abcdefghij1", defaultSecuritySettings)).toEqual(["must contain an upper-case letter"]);
    expect(passwordProblems("abcdefghij", { ...lax, passwordRequireUppercase: true })).toEqual([
      "must contain an upper-case letter",
    ]);
    // Non-ASCII capitals count.
    expect(passwordProblems("Äbcdefghij", { ...lax, passwordRequireUppercase: true })).toEqual([]);
  });

  it("requires a lower-case letter only when the policy says so", () => {
    expect(passwordProblems("ABCDEFGHIJ1", defaultSecuritySettings)).toEqual(["must contain a lower-case letter"]);
    expect(passwordProblems("ABCDEFGHIJ", lax)).toEqual([]);
    expect(passwordProblems("ABCDEFGHIJß", { ...lax, passwordRequireLowercase: true })).toEqual([]);
  });

  it("requires a digit only when the policy says so", () => {
    expect(passwordProblems("Abcdefghijk", defaultSecuritySettings)).toEqual(["must contain a digit"]);
    expect(passwordProblems("Abcdefghijk", lax)).toEqual([]);
  });

  it("requires a symbol only when the policy says so", () => {
    const policy = { ...lax, passwordRequireSymbol: true };
    expect(passwordProblems("Abcdefghij1", policy)).toEqual(["must contain a symbol (not a letter or digit)"]);
    expect(passwordProblems("Abcdefghij1!", policy)).toEqual([]);
    expect(passwordProblems("Abcdefgh ij", policy)).toEqual([]);
    expect(passwordProblems("Abcdefghij1!", defaultSecuritySettings)).toEqual([]);
  });

  it("reports every broken rule at once", () => {
    const strict = { ...defaultSecuritySettings, passwordRequireSymbol: true };
    expect(passwordProblems("abc", strict)).toEqual([
      "must be at least 10 characters long",
      "must contain an upper-case letter",
      "must contain a digit",
      "must contain a symbol (not a letter or digit)",
    ]);
  });

  it("validates stored settings: bounds and unknown keys", () => {
    expect(securitySettingsSchema.safeParse(defaultSecuritySettings).success).toBe(true);
    expect(securitySettingsSchema.safeParse({ ...defaultSecuritySettings, passwordMinLength: 7 }).success).toBe(false);
    expect(securitySettingsSchema.safeParse({ ...defaultSecuritySettings, passwordMinLength: 129 }).success).toBe(
      false,
    );
    expect(securitySettingsSchema.safeParse({ ...defaultSecuritySettings, lockoutThreshold: 0 }).success).toBe(false);
    expect(securitySettingsSchema.safeParse({ ...defaultSecuritySettings, lockoutMinutes: 1441 }).success).toBe(false);
    expect(securitySettingsSchema.safeParse({ ...defaultSecuritySettings, extra: true }).success).toBe(false);
  });
});

describe("login lock-out", () => {
  const now = new Date("2026-01-01T12:00:00.000Z");
  const policy = { ...defaultSecuritySettings, lockoutThreshold: 3, lockoutMinutes: 15 };

  it("counts failures below the threshold without locking", () => {
    expect(afterFailedLogin(0, now, policy)).toEqual({ failedLogins: 1, lockedUntil: null });
    expect(afterFailedLogin(1, now, policy)).toEqual({ failedLogins: 2, lockedUntil: null });
  });

  it("locks for lockoutMinutes at the threshold and resets the counter", () => {
    expect(afterFailedLogin(2, now, policy)).toEqual({ failedLogins: 0, lockedUntil: "2026-01-01T12:15:00.000Z" });
  });

  it("locks at once with a threshold of one", () => {
    expect(afterFailedLogin(0, now, { ...policy, lockoutThreshold: 1, lockoutMinutes: 1 })).toEqual({
      failedLogins: 0,
      lockedUntil: "2026-01-01T12:01:00.000Z",
    });
  });

  it("is locked until the deadline and not a millisecond longer", () => {
    const until = "2026-01-01T12:15:00.000Z";
    expect(isLocked(null, now)).toBe(false);
    expect(isLocked(until, now)).toBe(true);
    expect(isLocked(until, new Date("2026-01-01T12:14:59.999Z"))).toBe(true);
    expect(isLocked(until, new Date(until))).toBe(false);
    expect(isLocked(until, new Date("2026-01-01T12:15:00.001Z"))).toBe(false);
  });
});
