import { describe, expect, it } from "vitest";
import { compileSchema, schemaFieldErrors } from "../../src/domain/json-schema.js";

describe("user JSON Schemas", () => {
  it("compiles one schema text once, however often it is parsed anew", () => {
    const text = JSON.stringify({ type: "object", properties: { n: { type: "integer" } } });
    const first = compileSchema(JSON.parse(text));
    expect(compileSchema(JSON.parse(text))).toBe(first);
  });

  it("compiles a schema with an $id again and again (the same $id in two packages)", () => {
    const withId = (max: number) => ({ $id: "https://example.com/invoice.json", type: "integer", maximum: max });
    expect(compileSchema(withId(5))(6)).toBe(false);
    expect(compileSchema(withId(10))(6)).toBe(true);
    expect(compileSchema(withId(5))(4)).toBe(true);
  });

  it("names missing, unknown and invalid fields under the prefix", () => {
    const validate = compileSchema({
      type: "object",
      required: ["id"],
      additionalProperties: false,
      properties: { id: { type: "string" }, n: { type: "integer" } },
    });
    expect(validate({ n: "x", extra: 1 })).toBe(false);
    expect(schemaFieldErrors(validate.errors, "input").sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: "input.extra", message: "is not a known field" },
      { path: "input.id", message: "is required" },
      { path: "input.n", message: "must be integer" },
    ]);
  });
});
