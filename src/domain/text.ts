/**
 * PostgreSQL cannot store the NUL character in text or JSON; SQLite can. What robots send
 * (log lines, results, host names) is kept on both databases with each NUL shown as the six
 * characters `\u0000`, so the line is stored, the byte stays visible, and both databases hold
 * the same text.
 */
export function showNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\\u0000") : text;
}

/** showNul applied to every string (keys included) of a parsed JSON value. */
export function showNulDeep(value: unknown): unknown {
  if (typeof value === "string") return showNul(value);
  if (Array.isArray(value)) return value.map(showNulDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[showNul(key)] = showNulDeep(child);
    return out;
  }
  return value;
}
