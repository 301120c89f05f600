import { maxPasswordLength, type SecuritySettings } from "../shared/api/auth.js";

export const defaultSecuritySettings: SecuritySettings = Object.freeze({
  passwordMinLength: 10,
  passwordRequireUppercase: true,
  passwordRequireLowercase: true,
  passwordRequireDigit: true,
  passwordRequireSymbol: false,
  lockoutThreshold: 5,
  lockoutMinutes: 15,
});

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
