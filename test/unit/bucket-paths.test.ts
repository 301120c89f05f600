import { describe, expect, it } from "vitest";
import { AppError } from "../../src/domain/errors.js";
import { parseRange } from "../../src/services/buckets/bucket-file-service.js";
import { normalizeFilePath, normalizePrefix } from "../../src/services/buckets/bucket-path.js";

const problemOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError) return { status: error.status, type: error.type };
    throw error;
  }
  return null;
};

describe("bucket file paths", () => {
  it("keeps relative paths with ordinary names as they are (NFC)", () => {
    expect(normalizeFilePath("a/b c/Übersicht.txt")).toBe("a/b c/Übersicht.txt");
    expect(normalizeFilePath("U\u0308ber.txt")).toBe("Über.txt");
    expect(normalizeFilePath("..hidden/.env")).toBe("..hidden/.env");
  });

  it.each([
    ["", "empty"],
    ["/etc/passwd", "absolute"],
    ["../x", "parent"],
    ["a/../../x", "parent inside"],
    ["a/./b", "dot"],
    ["a//b", "empty segment"],
    ["a/", "trailing slash"],
    ["a\\..\\b", "backslash"],
    ["C:/x", "drive letter"],
    ["c:x", "drive-relative"],
    ["a\u0000b", "NUL"],
    ["a\nb", "line break"],
    ["x".repeat(256), "segment over 255 bytes"],
    [`${"d/".repeat(512)}x`, "over 1,024 characters"],
  ])("refuses %j (%s) with 400 invalid-path", (path) => {
    expect(problemOf(() => normalizeFilePath(path))).toEqual({ status: 400, type: "invalid-path" });
  });

  it("takes prefixes that are empty, partial names or directories", () => {
    expect(normalizePrefix(undefined)).toBe("");
    expect(normalizePrefix("")).toBe("");
    expect(normalizePrefix("reports/")).toBe("reports/");
    expect(normalizePrefix("reports/20")).toBe("reports/20");
    for (const bad of ["/", "../", "a//", "/a", "a\u0000"]) {
      expect(
        problemOf(() => normalizePrefix(bad)),
        bad,
      ).toEqual({ status: 400, type: "invalid-path" });
    }
  });
});

describe("Range headers", () => {
  it("reads one range of the three forms, clamped to the file", () => {
    expect(parseRange(undefined, 10)).toBeNull();
    expect(parseRange("bytes=0-0", 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange("bytes=3-", 10)).toEqual({ start: 3, end: 9 });
    expect(parseRange("bytes=-4", 10)).toEqual({ start: 6, end: 9 });
    expect(parseRange("bytes=-40", 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=5-500", 10)).toEqual({ start: 5, end: 9 });
    // Several ranges: the whole file (allowed by RFC 9110).
    expect(parseRange("bytes=0-1,3-4", 10)).toBeNull();
  });

  it("answers 416 outside the file and 400 for what is not a byte range", () => {
    for (const header of ["bytes=10-", "bytes=5-2", "bytes=-0"]) {
      expect(
        problemOf(() => parseRange(header, 10)),
        header,
      ).toEqual({ status: 416, type: "range-not-satisfiable" });
    }
    expect(problemOf(() => parseRange("bytes=0-", 0))).toEqual({ status: 416, type: "range-not-satisfiable" });
    for (const header of ["lines=1-2", "bytes=a-b", "bytes=-"]) {
      expect(
        problemOf(() => parseRange(header, 10)),
        header,
      ).toEqual({ status: 400, type: "validation-failed" });
    }
  });
});
