import { describe, expect, it } from "vitest";
import { diffFields, maskSecrets } from "../../src/domain/audit.js";

describe("maskSecrets", () => {
  it("replaces every secret-looking field with ***", () => {
    expect(
      maskSecrets({
        name: "Ada",
        password: "Hunter2-Passw0rd",
        newPassword: "x",
        smtpPassword: "y",
        clientSecret: "z",
        accessToken: "dgt_abc",
        machineKey: "k",
        passwordHash: "$argon2id$...",
        pass: "p",
      }),
    ).toEqual({
      name: "Ada",
      password: "***",
      newPassword: "***",
      smtpPassword: "***",
      clientSecret: "***",
      accessToken: "***",
      machineKey: "***",
      passwordHash: "***",
      pass: "***",
    });
  });

  it("masks nested objects and arrays", () => {
    expect(maskSecrets({ admin: { email: "a@b.c", password: "s" }, list: [{ token: "t", id: 1 }] })).toEqual({
      admin: { email: "a@b.c", password: "***" },
      list: [{ token: "***", id: 1 }],
    });
  });

  it("keeps booleans (hasPassword) and null or missing values, which reveal nothing", () => {
    expect(maskSecrets({ hasPassword: true, hasSmtpPassword: false, password: null, token: undefined })).toEqual({
      hasPassword: true,
      hasSmtpPassword: false,
      password: null,
      token: undefined,
    });
  });

  it("masks numbers under secret keys and leaves scalars alone", () => {
    expect(maskSecrets({ pin: 1, key: 1234 })).toEqual({ pin: 1, key: "***" });
    expect(maskSecrets("plain")).toBe("plain");
    expect(maskSecrets(42)).toBe(42);
    expect(maskSecrets(null)).toBe(null);
  });

  it("does not change its input", () => {
    const input = { password: "secret", nested: { token: "t" } };
    maskSecrets(input);
    expect(input).toEqual({ password: "secret", nested: { token: "t" } });
  });
});

describe("diffFields", () => {
  it("keeps only the fields that changed", () => {
    expect(diffFields({ a: 1, b: "x", c: true }, { a: 1, b: "y", c: false })).toEqual({
      before: { b: "x", c: true },
      after: { b: "y", c: false },
    });
  });

  it("returns empty objects when nothing changed", () => {
    expect(diffFields({ a: 1, n: null }, { a: 1, n: null })).toEqual({ before: {}, after: {} });
  });

  it("includes fields present on one side only", () => {
    expect(diffFields<Record<string, unknown>>({ a: 1 }, { b: 2 })).toEqual({
      before: { a: 1, b: undefined },
      after: { a: undefined, b: 2 },
    });
  });

  it("compares nested values by content, not identity", () => {
    expect(diffFields({ o: { x: 1 } }, { o: { x: 1 } })).toEqual({ before: {}, after: {} });
    expect(diffFields({ o: { x: 1 } }, { o: { x: 2 } })).toEqual({ before: { o: { x: 1 } }, after: { o: { x: 2 } } });
  });
});
