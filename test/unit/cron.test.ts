import { describe, expect, it } from "vitest";
import { CronSyntaxError, isValidTimeZone, localDate, Schedule, translateCron } from "../../src/domain/cron.js";
import { describeCron } from "../../src/domain/cron-summary.js";

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const next = (cron: string, zone: string, after: string, count = 3) =>
  iso(new Schedule(cron, zone).nextTimes(new Date(after), count));

describe("Quartz translation table (each special character against expected fire times)", () => {
  const from = "2026-01-01T00:00:00Z";
  it.each([
    // [expression, expected first fire times in UTC]
    ["0 0 12 * * ?", ["2026-01-01T12:00:00.000Z", "2026-01-02T12:00:00.000Z"]],
    ["*/20 * * * * ?", ["2026-01-01T00:00:20.000Z", "2026-01-01T00:00:40.000Z"]],
    ["10/20 * * * * ?", ["2026-01-01T00:00:10.000Z", "2026-01-01T00:00:30.000Z"]],
    ["0 0/15 9 * * ?", ["2026-01-01T09:00:00.000Z", "2026-01-01T09:15:00.000Z"]],
    ["0 0 9-10 ? * 2-6", ["2026-01-01T09:00:00.000Z", "2026-01-01T10:00:00.000Z"]], // Thu 1 Jan is 5 = Thursday
    ["0 0 12 ? * 1", ["2026-01-04T12:00:00.000Z", "2026-01-11T12:00:00.000Z"]], // 1 = Sunday
    ["0 0 12 ? * 7", ["2026-01-03T12:00:00.000Z", "2026-01-10T12:00:00.000Z"]], // 7 = Saturday
    ["0 0 12 ? * SUN", ["2026-01-04T12:00:00.000Z", "2026-01-11T12:00:00.000Z"]],
    ["0 0 12 ? * MON,FRI", ["2026-01-02T12:00:00.000Z", "2026-01-05T12:00:00.000Z"]],
    ["0 0 12 ? * L", ["2026-01-03T12:00:00.000Z", "2026-01-10T12:00:00.000Z"]], // L alone = Saturday
    ["0 0 12 ? * 6L", ["2026-01-30T12:00:00.000Z", "2026-02-27T12:00:00.000Z"]], // last Friday
    ["0 0 12 ? * 6#3", ["2026-01-16T12:00:00.000Z", "2026-02-20T12:00:00.000Z"]], // third Friday
    ["0 0 12 ? * 2#1", ["2026-01-05T12:00:00.000Z", "2026-02-02T12:00:00.000Z"]], // first Monday
    ["0 0 12 L * ?", ["2026-01-31T12:00:00.000Z", "2026-02-28T12:00:00.000Z"]],
    ["0 0 12 L-3 * ?", ["2026-01-28T12:00:00.000Z", "2026-02-25T12:00:00.000Z"]],
    ["0 0 12 LW * ?", ["2026-01-30T12:00:00.000Z", "2026-02-27T12:00:00.000Z"]], // 31 Jan is a Saturday
    ["0 0 12 15W * ?", ["2026-01-15T12:00:00.000Z", "2026-02-16T12:00:00.000Z"]], // 15 Feb is a Sunday
    ["0 0 12 1W * ?", ["2026-01-01T12:00:00.000Z", "2026-02-02T12:00:00.000Z"]], // 1 Feb Sunday → Monday 2nd
    ["0 0 0 15 * ? *", ["2026-01-15T00:00:00.000Z", "2026-02-15T00:00:00.000Z"]],
    ["0 0 0 1 JAN ? 2027-2028", ["2027-01-01T00:00:00.000Z", "2028-01-01T00:00:00.000Z"]],
    ["0 0 12 * * 2", ["2026-01-05T12:00:00.000Z", "2026-01-12T12:00:00.000Z"]], // * with a weekday: the weekday
  ])("%s", (cron, expected) => {
    expect(next(cron, "UTC", from, expected.length)).toEqual(expected);
  });

  it("a first-of-month W that falls on a Saturday moves forward to Monday, never into the month before", () => {
    expect(next("0 0 12 1W * ?", "UTC", "2026-08-01T00:00:00Z", 1)).toEqual(["2026-08-03T12:00:00.000Z"]);
  });

  it.each([
    ["0 0 12 1 * MON", "one of day-of-month and day-of-week must be ?"],
    ["0 0 12 ? * ?", "cannot both be ?"],
    ["0 0 12 ? * 0", "1–7 (1 = Sunday)"],
    ["0 0 12 ? * 8", "1–7"],
    ["0 0 12 1 * ? 1969", "between 1970 and 2099"],
    ["0 0 12 L-40 * ?", "between 1 and 30"],
    ["0 12 * *", "5 fields"],
    ["0 0 0 0 12 * * *", "5 fields"],
    ["0 0 25 * * ?", "hour"],
    ["x 0 12 * * ?", "illegal"],
  ])("%s is refused: %s", (cron, message) => {
    expect(() => new Schedule(cron, "UTC")).toThrow(CronSyntaxError);
    expect(() => new Schedule(cron, "UTC")).toThrow(message);
  });

  it("a schedule that can never fire has no next time", () => {
    expect(new Schedule("0 0 0 30 2 ?", "UTC").next(new Date(from))).toBeNull();
  });

  it("translates only what croner reads differently", () => {
    expect(translateCron("0 0 12 ? * L").pattern).toBe("0 0 12 ? * 7");
    expect(translateCron("0 0 12 L-2 * ?")).toMatchObject({ pattern: "0 0 12 L * ?", options: { dayOffset: -2 } });
    expect(translateCron("*/5 * * * *")).toMatchObject({ syntax: "standard", pattern: "*/5 * * * *" });
  });
});

describe("standard 5-field cron", () => {
  it("uses Sunday = 0 (and 7) and minute precision", () => {
    expect(next("30 8 * * 0", "UTC", "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-04T08:30:00.000Z",
      "2026-01-11T08:30:00.000Z",
    ]);
    expect(next("30 8 * * 7", "UTC", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-04T08:30:00.000Z"]);
  });

  it("ORs day-of-month and day-of-week as Vixie cron does", () => {
    expect(next("0 0 13 * 5", "UTC", "2026-02-01T00:00:00Z", 3)).toEqual([
      "2026-02-06T00:00:00.000Z",
      "2026-02-13T00:00:00.000Z",
      "2026-02-20T00:00:00.000Z",
    ]);
  });
});

describe("time zones and daylight saving time", () => {
  it("evaluates in the trigger's zone", () => {
    expect(next("0 0 9 ? * MON-FRI", "Europe/Berlin", "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-01T08:00:00.000Z",
      "2026-01-02T08:00:00.000Z",
    ]);
    expect(next("0 9 * * *", "America/New_York", "2026-07-01T00:00:00Z", 1)).toEqual(["2026-07-01T13:00:00.000Z"]);
  });

  it("Europe/Berlin spring forward: 02:30 does not exist on 29 March and fires once at 03:00", () => {
    expect(next("0 30 2 * * ?", "Europe/Berlin", "2026-03-28T00:00:00Z")).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z", // 03:00 CEST, the first valid instant after the gap
      "2026-03-30T00:30:00.000Z",
    ]);
  });

  it("Europe/Berlin fall back: 02:30 happens twice on 25 October and fires once", () => {
    expect(next("0 30 2 * * ?", "Europe/Berlin", "2026-10-24T00:00:00Z")).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z", // the first 02:30 (CEST); the second (01:30Z) does not fire
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("America/New_York spring forward: 02:30 on 8 March fires once at 03:00 EDT", () => {
    expect(next("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z")).toEqual([
      "2026-03-07T07:30:00.000Z",
      "2026-03-08T07:00:00.000Z",
      "2026-03-09T06:30:00.000Z",
    ]);
  });

  it("America/New_York fall back: 01:30 on 1 November fires once", () => {
    expect(next("0 30 1 * * ?", "America/New_York", "2026-10-31T12:00:00Z")).toEqual([
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
      "2026-11-03T06:30:00.000Z",
    ]);
  });

  it("an interval schedule keeps real time through the repeated hour (each instant once)", () => {
    const times = next("0 0/30 * * * ?", "Europe/Berlin", "2026-10-25T00:00:00Z", 5);
    expect(times).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
      "2026-10-25T02:00:00.000Z",
      "2026-10-25T02:30:00.000Z",
    ]);
  });

  it("knows IANA zones and refuses others", () => {
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(() => new Schedule("* * * * *", "Mars/Olympus")).toThrow("not a known IANA time zone");
  });

  it("tells the local date of an instant for calendars", () => {
    expect(localDate(new Date("2026-12-24T23:30:00Z"), "Europe/Berlin")).toBe("2026-12-25");
    expect(localDate(new Date("2026-12-25T03:00:00Z"), "America/New_York")).toBe("2026-12-24");
  });

  it("skips the fire times a calendar excludes", () => {
    const s = new Schedule("0 0 9 ? * MON-FRI", "Europe/Berlin");
    const times = s.nextTimes(
      new Date("2026-12-23T12:00:00Z"),
      2,
      (at) => localDate(at, "Europe/Berlin") === "2026-12-24" || localDate(at, "Europe/Berlin") === "2026-12-25",
    );
    expect(iso(times)).toEqual(["2026-12-28T08:00:00.000Z", "2026-12-29T08:00:00.000Z"]);
  });
});

describe("summaries", () => {
  it.each([
    ["* * * * * ?", "Every second", "Jede Sekunde"],
    ["*/5 * * * * ?", "Every 5 seconds", "Alle 5 Sekunden"],
    ["0 */15 * * * ?", "Every 15 minutes", "Alle 15 Minuten"],
    ["*/10 * * * *", "Every 10 minutes", "Alle 10 Minuten"],
    ["0 5 * * * ?", "Every hour at minute 5", "Stündlich zur Minute 5"],
    ["0 30 9 * * ?", "Every day at 09:30", "Täglich um 09:30"],
    ["0 0 9 ? * MON-FRI", "Every Monday–Friday at 09:00", "Jeden Montag–Freitag um 09:00"],
    ["0 0 9 ? * 2,4", "Every Monday, Wednesday at 09:00", "Jeden Montag, Mittwoch um 09:00"],
    ["0 0 9 ? * MON,TUE,WED,THU,FRI", "Every Monday–Friday at 09:00", "Jeden Montag–Freitag um 09:00"],
    ["0 0 9 ? * FRI,SAT,SUN", "Every Friday–Sunday at 09:00", "Jeden Freitag–Sonntag um 09:00"],
    ["0 9 * * 1,3", "Every Monday, Wednesday at 09:00", "Jeden Montag, Mittwoch um 09:00"],
    ["0 0 6 15 * ?", "On day 15 of every month at 06:00", "Am 15. jedes Monats um 06:00"],
    ["0 0 6 L * ?", "On the last day of every month at 06:00", "Am letzten Tag jedes Monats um 06:00"],
    ["0 0 12 ? * 6#3", "Cron schedule 0 0 12 ? * 6#3", "Cron-Zeitplan 0 0 12 ? * 6#3"],
  ])("%s", (cron, en, de) => {
    expect(describeCron(cron, "en")).toBe(en);
    expect(describeCron(cron, "de")).toBe(de);
  });
});
