import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from "kysely";
import { describe, expect, it } from "vitest";
import { jobModel } from "../../src/http/odata/entities/jobs.js";
import { ODataSyntaxError, parseFilter } from "../../src/http/odata/query/filter-parser.js";
import { compileFilter, parseQueryOptions } from "../../src/http/odata/query/query-options.js";
import { dialectHelpers } from "../../src/storage/dialect.js";

// biome-ignore lint/suspicious/noExplicitAny: a compile-only database.
const db = new Kysely<any>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new SqliteIntrospector(k),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

function sqlOf(filter: string) {
  const query = parseQueryOptions(new URLSearchParams({ $filter: filter }), jobModel);
  const compiled = db
    .selectFrom("jobs")
    .selectAll()
    .where((eb) => compileFilter(eb, query.filter as never, jobModel, dialectHelpers("sqlite")))
    .compile();
  return { sql: compiled.sql.replace(/^select \* from "jobs" where /, ""), parameters: compiled.parameters };
}

describe("$filter, every form the original's clients send", () => {
  it.each([
    ["State eq 'Successful'", `"jobs"."state" = ?`, ["successful"]],
    ["state EQ 'running'", `"jobs"."state" = ?`, ["running"]],
    ["ReleaseName eq 'It''s'", `"jobs"."process_name" = ?`, ["It's"]],
    ["Id eq 12", `"jobs"."id" = ?`, [12]],
    ["Id ne 12", `("jobs"."id" <> ? or "jobs"."id" is null)`, [12]],
    ["Id gt 1 and Id le 9", `("jobs"."id" > ? and "jobs"."id" <= ?)`, [1, 9]],
    ["Id lt 1 or Id ge 9", `("jobs"."id" < ? or "jobs"."id" >= ?)`, [1, 9]],
    ["not (Id eq 3)", `not "jobs"."id" = ?`, [3]],
    [
      "key in ('0b5e7d3c-1111-4222-8333-444455556666','0B5E7D3C-1111-4222-8333-444455556667')",
      `"jobs"."key" in (?, ?)`,
      ["0b5e7d3c-1111-4222-8333-444455556666", "0b5e7d3c-1111-4222-8333-444455556667"],
    ],
    ["Key eq 0b5e7d3c-1111-4222-8333-444455556666", `"jobs"."key" = ?`, ["0b5e7d3c-1111-4222-8333-444455556666"]],
    ["CreationTime ge 2026-01-02T03:04:05Z", `"jobs"."created_at" >= ?`, ["2026-01-02T03:04:05.000Z"]],
    ["CreationTime lt '2026-01-02T03:04:05.5+01:00'", `"jobs"."created_at" < ?`, ["2026-01-02T02:04:05.500Z"]],
    ["EndTime eq null", `"jobs"."ended_at" is null`, []],
    ["EndTime ne null", `"jobs"."ended_at" is not null`, []],
    ["contains(ReleaseName,'50%_x')", `"jobs"."process_name" like ? escape '\\'`, ["%50\\%\\_x%"]],
    ["startswith(ReleaseName,'Inv')", `"jobs"."process_name" like ? escape '\\'`, ["Inv%"]],
    ["endswith(ReleaseName,'ces') eq true", `"jobs"."process_name" like ? escape '\\'`, ["%ces"]],
    ["contains(ReleaseName,'x') eq false", `not "jobs"."process_name" like ? escape '\\'`, ["%x%"]],
    [
      "(State eq 'Faulted' or State eq 'Stopped') and OrganizationUnitId eq 4",
      `(("jobs"."state" = ? or "jobs"."state" = ?) and "jobs"."folder_id" = ?)`,
      ["faulted", "stopped", 4],
    ],
  ])("%s", (filter, sql, parameters) => {
    expect(sqlOf(filter)).toEqual({ sql, parameters });
  });

  it("never puts text of the filter into the SQL", () => {
    const { sql } = sqlOf("ReleaseName eq 'x\"; drop table jobs; --'");
    expect(sql).toBe(`"jobs"."process_name" = ?`);
  });

  it.each([
    ["Name eq 'unterminated", /no closing quote/],
    ["State eq", /Expected a value/],
    ["State zz 'x'", /Unknown operator/],
    ["frobnicate(Name,'x')", /Unknown function/],
    ["State eq 'Successful' and", /Expected a property name/],
    ["(State eq 'Successful'", /closing parenthesis/],
    ["State eq 'Successful')", /Unexpected text/],
    ["State eq 'x' # 1", /Unexpected character/],
    ["", /empty/],
    [`${"Id eq 1 and ".repeat(120)}Id eq 1`, /more than 100 expressions/],
    [`ReleaseName eq '${"x".repeat(10_000)}'`, /longer than 4000/],
    [`${"(".repeat(40)}Id eq 1${")".repeat(40)}`, /nested too deeply/],
  ])("refuses %s", (filter, message) => {
    expect(() => parseFilter(filter)).toThrow(message);
  });

  it.each([
    ["Nope eq 1", /Unknown property "Nope" of Jobs/],
    ["State eq 'Sleeping'", /State has no value "Sleeping"/],
    ["Id eq 'abc'", /Id compares with a whole number/],
    ["Id eq 99999999999", /Id compares with a whole number/],
    ["Key eq 'not-a-guid'", /Key compares with a GUID/],
    ["CreationTime gt 'yesterday'", /CreationTime compares with a date/],
    ["contains(Id,'1')", /text properties/],
    ["InputArguments eq 'x'", /cannot be filtered on/],
  ])("refuses %s against the whitelist", (filter, message) => {
    expect(() => parseQueryOptions(new URLSearchParams({ $filter: filter }), jobModel)).toThrow(message);
  });

  it("reads the other options case-insensitively and caps $top", () => {
    const query = parseQueryOptions(
      new URLSearchParams({
        $SELECT: "id,key",
        $orderby: "CreationTime desc, Id",
        $top: "50",
        $skip: "100",
        $count: "true",
        $expand: "Robot,Nope",
      }),
      jobModel,
    );
    expect(query).toMatchObject({
      select: ["Id", "Key"],
      orderBy: [
        { column: "jobs.created_at", direction: "desc" },
        { column: "jobs.id", direction: "asc" },
      ],
      top: 50,
      skip: 100,
      count: true,
    });
    expect([...query.expand]).toEqual(["Robot"]);
    expect(parseQueryOptions(new URLSearchParams(), jobModel).top).toBe(1000);
    expect(() => parseQueryOptions(new URLSearchParams({ $top: "1001" }), jobModel)).toThrow(ODataSyntaxError);
    expect(() => parseQueryOptions(new URLSearchParams({ $top: "-1" }), jobModel)).toThrow(ODataSyntaxError);
    expect(() => parseQueryOptions(new URLSearchParams({ $orderby: "Id; drop" }), jobModel)).toThrow(ODataSyntaxError);
    expect(() => parseQueryOptions(new URLSearchParams({ $select: "Secret" }), jobModel)).toThrow(/Unknown property/);
    expect(() => parseQueryOptions(new URLSearchParams({ $count: "yes" }), jobModel)).toThrow(ODataSyntaxError);
  });
});
