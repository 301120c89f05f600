import { describe, expect, it } from "vitest";
import { isSafeMemberPath, manifestSchema, memberPath } from "../../src/domain/manifest.js";

const valid = {
  name: "invoice-bot",
  version: "1.2.3",
  description: "Books invoices",
  entryPoints: [
    {
      name: "main",
      command: ["node", "main.js"],
      inputSchema: { type: "object", properties: { n: { type: "integer" } } },
      outputSchema: { type: "object" },
    },
  ],
};

/** The issues of an invalid manifest as `path: message`, like the server names them. */
function issues(value: unknown): { path: string; message: string }[] {
  const result = manifestSchema.safeParse(value);
  expect(result.success, "expected the manifest to be invalid").toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("manifestSchema (dirigent.json)", () => {
  it("accepts a complete manifest and keeps every field", () => {
    expect(manifestSchema.parse(valid)).toEqual(valid);
  });

  it("accepts a minimal manifest: name, version and one entry point", () => {
    const minimal = { name: "a", version: "0.0.1", entryPoints: [{ name: "x", command: ["./run"] }] };
    expect(manifestSchema.parse(minimal)).toEqual(minimal);
  });

  it.each([["1.0.0"], ["0.0.0"], ["10.20.30"], ["1.0.0-beta.1"], ["2.0.0-rc.1.2"]])(
    "accepts the semantic version %s",
    (version) => {
      expect(manifestSchema.safeParse({ ...valid, version }).success).toBe(true);
    },
  );

  it.each([
    ["1.0"],
    ["1"],
    ["v1.0.0"],
    ["=1.0.0"],
    [" 1.0.0"],
    ["1.0.0 "],
    ["01.0.0"],
    ["latest"],
    [""],
    // Build metadata does not change a version's precedence: 1.0.0+a and 1.0.0+b would be the same version.
    ["1.0.0+build.5"],
  ])("refuses %j as a version, naming the field", (version) => {
    expect(issues({ ...valid, version })).toEqual([
      { path: "version", message: "must be a semantic version such as 1.2.3" },
    ]);
  });

  it("refuses a version longer than 64 characters", () => {
    const version = `1.0.0-${"a".repeat(60)}`;
    expect(issues({ ...valid, version }).map((i) => i.path)).toContain("version");
  });

  it.each([["-starts-with-dash"], [".hidden"], ["has space"], ["slash/inside"], ["ünïcode"], [""]])(
    "refuses the name %j",
    (name) => {
      expect(new Set(issues({ ...valid, name }).map((i) => i.path))).toEqual(new Set(["name"]));
    },
  );

  it("accepts names with letters, digits, dots, underscores and dashes", () => {
    expect(manifestSchema.safeParse({ ...valid, name: "A1.b_c-d" }).success).toBe(true);
    expect(issues({ ...valid, name: "x".repeat(101) }).map((i) => i.path)).toEqual(["name"]);
    expect(manifestSchema.safeParse({ ...valid, name: "x".repeat(100) }).success).toBe(true);
  });

  it("names every missing required field", () => {
    expect(issues({}).map((i) => i.path)).toEqual(["name", "version", "entryPoints"]);
  });

  it("refuses a package without entry points", () => {
    expect(issues({ ...valid, entryPoints: [] })).toEqual([
      { path: "entryPoints", message: "must have at least one entry point" },
    ]);
  });

  it("refuses more than 50 entry points", () => {
    const entryPoints = Array.from({ length: 51 }, (_, i) => ({ name: `e${i}`, command: ["node"] }));
    expect(issues({ ...valid, entryPoints }).map((i) => i.path)).toEqual(["entryPoints"]);
    expect(manifestSchema.safeParse({ ...valid, entryPoints: entryPoints.slice(0, 50) }).success).toBe(true);
  });

  it("refuses duplicate entry point names", () => {
    const entryPoints = [
      { name: "main", command: ["node", "a.js"] },
      { name: "main", command: ["node", "b.js"] },
    ];
    expect(issues({ ...valid, entryPoints })).toEqual([
      { path: "entryPoints", message: "entry point names must be unique" },
    ]);
  });

  it("names the invalid field of an entry point by its index", () => {
    const entryPoints = [
      { name: "ok", command: ["node", "a.js"] },
      { name: "bad name", command: [] },
    ];
    const found = issues({ ...valid, entryPoints });
    expect(found).toContainEqual({ path: "entryPoints.1.name", message: "may contain letters, digits and . _ - only" });
    expect(found).toContainEqual({ path: "entryPoints.1.command", message: "must name a program" });
    expect(new Set(found.map((i) => i.path))).toEqual(new Set(["entryPoints.1.name", "entryPoints.1.command"]));
  });

  it("refuses a command whose program is empty, but allows empty arguments", () => {
    expect(issues({ ...valid, entryPoints: [{ name: "m", command: ["", "main.js"] }] })).toEqual([
      { path: "entryPoints.0.command", message: "must start with the program to run" },
    ]);
    expect(
      manifestSchema.safeParse({ ...valid, entryPoints: [{ name: "m", command: ["node", "-e", ""] }] }).success,
    ).toBe(true);
    expect(issues({ ...valid, entryPoints: [{ name: "m", command: "node main.js" }] }).map((i) => i.path)).toEqual([
      "entryPoints.0.command",
    ]);
    const tooMany = Array.from({ length: 101 }, () => "x");
    expect(issues({ ...valid, entryPoints: [{ name: "m", command: tooMany }] }).map((i) => i.path)).toEqual([
      "entryPoints.0.command",
    ]);
  });

  it("refuses schemas that are not objects", () => {
    const entryPoints = [{ name: "m", command: ["node"], inputSchema: "string", outputSchema: [1] }];
    expect(issues({ ...valid, entryPoints }).map((i) => i.path)).toEqual([
      "entryPoints.0.inputSchema",
      "entryPoints.0.outputSchema",
    ]);
  });

  it("refuses unknown fields at the root and in entry points", () => {
    const root = issues({ ...valid, author: "me" });
    expect(root).toHaveLength(1);
    expect(root[0]?.path).toBe("");
    expect(root[0]?.message).toContain("author");
    const inner = issues({ ...valid, entryPoints: [{ name: "m", command: ["node"], cwd: "/tmp" }] });
    expect(inner).toHaveLength(1);
    expect(inner[0]?.path).toBe("entryPoints.0");
    expect(inner[0]?.message).toContain("cwd");
  });

  it("refuses a description longer than 1000 characters", () => {
    expect(issues({ ...valid, description: "d".repeat(1001) }).map((i) => i.path)).toEqual(["description"]);
    expect(manifestSchema.safeParse({ ...valid, description: "d".repeat(1000) }).success).toBe(true);
  });

  it("refuses values of the wrong type", () => {
    expect(issues({ ...valid, name: 5, version: 1 }).map((i) => i.path)).toEqual(["name", "version"]);
    expect(issues("not an object").map((i) => i.path)).toEqual([""]);
    expect(issues(null).map((i) => i.path)).toEqual([""]);
  });
});

describe("isSafeMemberPath", () => {
  it.each([
    ["dirigent.json"],
    ["main.js"],
    ["lib/util.js"],
    ["deep/er/still/file.txt"],
    ["dir/"],
    ["..hidden"],
    ["file..name"],
    ["a/..b/c"],
    ["a/b../c"],
    ["./x"],
    ["spaces in name.txt"],
  ])("allows %j", (p) => {
    expect(isSafeMemberPath(p)).toBe(true);
  });

  it.each([
    ["", "empty"],
    ["../x", "parent at the start"],
    ["a/../../x", "parent in the middle"],
    ["a/..", "parent at the end"],
    ["..", "only a parent"],
    ["/etc/passwd", "absolute"],
    ["\\windows\\system32", "absolute with backslashes"],
    ["C:/x", "drive letter"],
    ["c:x", "drive-relative"],
    ["a\\..\\..\\x", "backslash parents"],
    ["..\\x", "backslash parent at the start"],
    ["a/\0/b", "NUL byte"],
    ["x".repeat(1001), "longer than 1000 characters"],
  ])("refuses %j (%s)", (p) => {
    expect(isSafeMemberPath(p)).toBe(false);
  });

  it("allows exactly 1000 characters", () => {
    expect(isSafeMemberPath("x".repeat(1000))).toBe(true);
  });
});

describe("memberPath", () => {
  it("strips leading ./ segments and keeps everything else", () => {
    expect(memberPath("./dirigent.json")).toBe("dirigent.json");
    expect(memberPath("././a/b")).toBe("a/b");
    expect(memberPath("a/./b")).toBe("a/./b");
    expect(memberPath("../x")).toBe("../x");
    expect(memberPath("dirigent.json")).toBe("dirigent.json");
  });
});
