import { z } from "zod";

/** Host-wide rules for passwords and login lock-out (host portal → Security settings). */
export const securitySettingsSchema = z
  .object({
    passwordMinLength: z.number().int().min(8).max(128),
    passwordRequireUppercase: z.boolean(),
    passwordRequireLowercase: z.boolean(),
    passwordRequireDigit: z.boolean(),
    passwordRequireSymbol: z.boolean(),
    /** Failed logins in a row after which an account is locked. */
    lockoutThreshold: z.number().int().min(1).max(100),
    /** How long a locked account stays locked. */
    lockoutMinutes: z.number().int().min(1).max(1440),
  })
  .strict();

export type SecuritySettings = z.infer<typeof securitySettingsSchema>;

export const defaultSecuritySettings: SecuritySettings = Object.freeze({
  passwordMinLength: 10,
  passwordRequireUppercase: true,
  passwordRequireLowercase: true,
  passwordRequireDigit: true,
  passwordRequireSymbol: false,
  lockoutThreshold: 5,
  lockoutMinutes: 15,
});

/** Longest password accepted: argon2 handles more, but unbounded input is a denial-of-service lever. */
export const maxPasswordLength = 256;

/** Returns every rule the password breaks, as sentences for the field error (empty = acceptable). */
export function passwordProblems(password: string, policy: SecuritySettings): string[] {
  const problems: string[] = [];
  if (password.length < policy.passwordMinLength) {
    problems.push(`must be at least ${policy.passwordMinLength} characters long`);
  }
  if (password.length > maxPasswordLength) problems.push(`must be at most ${maxPasswordLength} characters long`);
  if (policy.passwordRequireUppercase && !/\p{Lu}/u.test(password)) problems.push("must contain an upper-case letter");
  if (policy.passwordRequireLowercase && !/\p{Ll}/u.test(password)) problems.push("must contain a lower-case letter");
  if (policy.passwordRequireDigit && !/\p{Nd}/u.test(password)) problems.push("must contain a digit");
  if (policy.passwordRequireSymbol && !/[^\p{L}\p{Nd}]/u.test(password)) {
    problems.push("must contain a symbol (not a letter or digit)");
  }
  return problems;
}

/** The failed-login counter and lock deadline after one more failure. */
export function afterFailedLogin(
  failedLogins: number,
  now: Date,
  policy: SecuritySettings,
): { failedLogins: number; lockedUntil: string | null } {
  const next = failedLogins + 1;
  if (next >= policy.lockoutThreshold) {
    return { failedLogins: 0, lockedUntil: new Date(now.getTime() + policy.lockoutMinutes * 60_000).toISOString() };
  }
  return { failedLogins: next, lockedUntil: null };
}

export function isLocked(lockedUntil: string | null, now: Date): boolean {
  return lockedUntil !== null && lockedUntil > now.toISOString();
}
