import type { AssetValueView } from "../shared/api/assets.js";
import { AssetType, assetLimits } from "../shared/assets.js";
import type { FieldError } from "../shared/problem-types.js";
import { ValidationError } from "./errors.js";

export interface CredentialValue {
  username: string;
  password: string;
}

/** A stored asset value: a string (text), boolean (bool), number (integer) or a credential. */
export type AssetValue = string | boolean | number | CredentialValue;

/** What a reader other than a running job sees of a value: a credential's password never leaves. */
export type { AssetValueView };

const hasNul = (s: string) => s.includes("\0");
// biome-ignore lint/suspicious/noControlCharactersInRegex: user names are refused with any control character.
const controlCharacter = /[\u0000-\u001f\u007f]/;

/**
 * Checks `raw` (untrusted JSON) against the asset's type and returns the value to store, naming
 * the failing field under `path`. A credential may omit its password when `previous` holds one
 * (the password is write-only: a form that does not change it cannot send it back).
 */
export function parseAssetValue(type: AssetType, raw: unknown, path: string, previous?: AssetValue | null): AssetValue {
  const fail = (message: string, at = path): never => {
    throw ValidationError.field(at, message);
  };
  if (raw === undefined) return fail("is required");
  switch (type) {
    case AssetType.text:
      if (typeof raw !== "string") return fail("must be a string for a text asset");
      if (raw.length > assetLimits.text) return fail(`must be at most ${assetLimits.text} characters`);
      if (hasNul(raw)) return fail("must not contain NUL characters");
      return raw;
    case AssetType.bool:
      if (typeof raw !== "boolean") return fail("must be true or false for a bool asset");
      return raw;
    case AssetType.integer:
      if (typeof raw !== "number" || !Number.isInteger(raw)) return fail("must be an integer for an integer asset");
      if (raw < assetLimits.integerMin || raw > assetLimits.integerMax) {
        return fail(`must be between ${assetLimits.integerMin} and ${assetLimits.integerMax}`);
      }
      return raw;
    case AssetType.credential:
      return parseCredential(raw, path, previous);
  }
}

function parseCredential(raw: unknown, path: string, previous?: AssetValue | null): CredentialValue {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw ValidationError.field(path, "must be an object {username, password} for a credential asset");
  }
  const errors: FieldError[] = [];
  const fields = raw as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== "username" && key !== "password")
      errors.push({ path: `${path}.${key}`, message: "is not a known field" });
  }
  const { username, password } = fields;
  if (username === undefined) errors.push({ path: `${path}.username`, message: "is required" });
  else if (typeof username !== "string") errors.push({ path: `${path}.username`, message: "must be a string" });
  else if (username.trim() === "") errors.push({ path: `${path}.username`, message: "must not be empty" });
  else if (username.length > assetLimits.username)
    errors.push({ path: `${path}.username`, message: `must be at most ${assetLimits.username} characters` });
  else if (controlCharacter.test(username))
    errors.push({ path: `${path}.username`, message: "must not contain control characters" });
  const kept = isCredential(previous) ? previous.password : undefined;
  if (password === undefined) {
    if (kept === undefined) errors.push({ path: `${path}.password`, message: "is required" });
  } else if (typeof password !== "string") errors.push({ path: `${path}.password`, message: "must be a string" });
  else if (password === "") errors.push({ path: `${path}.password`, message: "must not be empty" });
  else if (password.length > assetLimits.password)
    errors.push({ path: `${path}.password`, message: `must be at most ${assetLimits.password} characters` });
  else if (hasNul(password)) errors.push({ path: `${path}.password`, message: "must not contain NUL characters" });
  if (errors.length > 0) throw new ValidationError(errors);
  return { username: (username as string).trim(), password: (password as string | undefined) ?? (kept as string) };
}

export function isCredential(value: AssetValue | null | undefined): value is CredentialValue {
  return typeof value === "object" && value !== null;
}

/** The value as users see it: everything but a credential's password. */
export function viewOf(value: AssetValue): AssetValueView {
  return isCredential(value) ? { username: value.username, hasPassword: value.password !== "" } : value;
}

/** A short text of a value for the audit log: long texts cut, a credential without its password. */
export function auditView(value: AssetValue | null): AssetValueView | null {
  if (value === null) return null;
  if (typeof value === "string" && value.length > 200) return `${value.slice(0, 200)}… (${value.length} characters)`;
  return viewOf(value);
}
