import { describe, expect, it } from "vitest";
import { reservedSlugs, slugify, slugPattern } from "../../src/domain/slugs.js";

describe("slugify", () => {
  it("lower-cases, strips accents and joins words with dashes", () => {
    expect(slugify("Müller & Söhne GmbH")).toBe("muller-sohne-gmbh");
    expect(slugify("ACME Corp.")).toBe("acme-corp");
    expect(slugify("Café Crème 2024")).toBe("cafe-creme-2024");
  });

  it("trims dashes at both ends and collapses runs of separators", () => {
    expect(slugify("  --Hello,   World!--  ")).toBe("hello-world");
  });

  it("gives an empty slug for names without letters or digits", () => {
    expect(slugify("!!! ???")).toBe("");
    expect(slugify("日本")).toBe("");
  });

  it("cuts to 63 characters without leaving a trailing dash", () => {
    const long = slugify("a".repeat(62) + " b".repeat(10));
    expect(long).toBe("a".repeat(62));
    expect(slugify("x".repeat(100))).toHaveLength(63);
    expect(slugPattern.test(slugify(`${"a".repeat(62)} bcd`))).toBe(true);
  });

  it("always produces a slug the pattern accepts when it produces one", () => {
    for (const name of ["Müller & Söhne GmbH", "a", "1 2 3", "Ünïcödé---Name", `${"x".repeat(70)}-y`]) {
      const slug = slugify(name);
      expect(slugPattern.test(slug), slug).toBe(true);
    }
  });
});

describe("slugPattern", () => {
  it("accepts lower-case letters, digits and inner dashes up to 63 characters", () => {
    for (const ok of ["a", "a1", "acme", "acme-corp", "a-b-c", "0", "x".repeat(63)]) {
      expect(slugPattern.test(ok), ok).toBe(true);
    }
  });

  it("rejects upper case, other characters, edge dashes, empty and too long slugs", () => {
    for (const bad of ["", "Acme", "acme corp", "acme_corp", "-acme", "acme-", "acme.corp", "ä", "x".repeat(64)]) {
      expect(slugPattern.test(bad), bad).toBe(false);
    }
  });

  it("reserves the slugs that collide with routes", () => {
    for (const slug of ["host", "api", "admin", "login", "org", "orgs"]) expect(reservedSlugs.has(slug)).toBe(true);
    expect(reservedSlugs.has("acme")).toBe(false);
  });
});
