import { ApiError } from "../../api/client";
import { type FieldErrors, normalizePath, type useFormErrors } from "../../lib/errors";

/** Pretty JSON for an editor. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value ?? {}, null, 2);
}

/** Parses a JSON object typed by the user; `null` when it is not valid JSON or not an object. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Splits server field errors below `prefix` (`inputArguments.name`) from the rest: the former are
 * shown under the JSON editor as `name: message`, the rest goes through the usual form mapping.
 */
export function splitNestedErrors(error: unknown, prefix: string): { nested: string | null; rest: unknown } {
  if (!(error instanceof ApiError) || error.errors.length === 0) return { nested: null, rest: error };
  const nested: string[] = [];
  const others = error.errors.filter((item) => {
    const path = normalizePath(item.path);
    if (path === prefix || path.startsWith(`${prefix}.`)) {
      const sub = path.slice(prefix.length + 1);
      nested.push(sub ? `${sub}: ${item.message}` : item.message);
      return false;
    }
    return true;
  });
  if (nested.length === 0) return { nested: null, rest: error };
  const rest =
    others.length > 0
      ? new ApiError({
          status: error.status,
          type: error.type,
          title: error.title,
          detail: error.detail,
          errors: others,
        })
      : null;
  return { nested: nested.join("\n"), rest };
}

/**
 * Shows a thrown error on a form with a JSON editor named `field`: the errors below it go under the
 * editor, the rest through the usual mapping. Returns what landed next to a field, the editor first.
 */
export function showNestedErrors(errors: ReturnType<typeof useFormErrors>, error: unknown, field: string): FieldErrors {
  const { nested, rest } = splitNestedErrors(error, field);
  const placed = rest ? errors.show(rest) : {};
  if (!nested) return placed;
  errors.setFieldErrors({ ...placed, [field]: nested });
  if (!rest) errors.setFormError(null);
  return { [field]: nested, ...placed };
}
