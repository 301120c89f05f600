import { ValidationError } from "../../domain/errors.js";

/**
 * Cursors of the asset list, which is ordered by name: the last item's sort name and id, so a
 * page boundary stays put when assets are added or deleted meanwhile.
 */
export function encodeCursor(sortName: string, id: number): string {
  return Buffer.from(JSON.stringify([sortName, id])).toString("base64url");
}

export function decodeCursor(cursor: string): { name: string; id: number } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "string" &&
      !parsed[0].includes("\0") &&
      Number.isInteger(parsed[1]) &&
      parsed[1] > 0 &&
      parsed[1] <= 2_147_483_647
    ) {
      return { name: parsed[0], id: parsed[1] as number };
    }
  } catch {}
  throw ValidationError.field("cursor", "is not a valid cursor");
}
