import { Cron, type CronOptions } from "croner";

/**
 * Cron expressions of time triggers, evaluated by croner in an IANA time zone.
 *
 * Two syntaxes are accepted, told apart by the number of fields:
 * - standard 5-field cron (`min hour dom month dow`, Sunday = 0 or 7, day-of-month and
 *   day-of-week ORed as in Vixie cron), and
 * - the original's Quartz syntax, 6 or 7 fields (`sec min hour dom month dow [year]`,
 *   day-of-week 1 = Sunday … 7 = Saturday, `?` in one of the day fields, `L`, `W`, `LW`, `#`,
 *   `L-n`, `a/b` steps).
 *
 * croner evaluates both; this file only translates what croner reads differently from Quartz:
 * `L` alone in day-of-week (= Saturday), `L-n` in day-of-month (croner's `L` shifted by a day
 * offset), the 1970–2099 year range, the "one day field must be ?" rule and the 1–7 weekday range.
 */

export type CronSyntax = "standard" | "quartz";

/** A cron expression croner cannot or must not evaluate; the message says why, for a 400 on `cron`. */
export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronSyntaxError";
  }
}

export interface TranslatedCron {
  syntax: CronSyntax;
  /** The pattern croner gets. */
  pattern: string;
  options: CronOptions;
}

/**
 * Fixed-time jobs (no `*` or step in second, minute and hour, lists included) fire once at the
 * first valid instant after a DST gap and once (the earlier) in a repeated hour; interval jobs
 * keep their real-time rhythm through both. That is the behaviour issue #9 asks for.
 */
const common: CronOptions = { fixedTimeRule: "no-wildcard", domAndDow: false };

export function cronFields(expression: string): string[] {
  return expression.trim().split(/\s+/).filter(Boolean);
}

/** Translates an expression into croner's pattern and options; throws CronSyntaxError. */
export function translateCron(expression: string): TranslatedCron {
  if (expression.length > 200) throw new CronSyntaxError("must be at most 200 characters");
  const fields = cronFields(expression);
  if (fields.length === 5) {
    return { syntax: "standard", pattern: fields.join(" "), options: { ...common, mode: "5-part" } };
  }
  if (fields.length !== 6 && fields.length !== 7) {
    throw new CronSyntaxError(
      `must have 5 fields (standard cron) or 6–7 fields (Quartz: seconds minutes hours day-of-month month day-of-week [year]); it has ${fields.length}`,
    );
  }
  const f = fields.map((x) => x.toUpperCase());
  let dom = f[3] as string;
  let dow = f[5] as string;
  const options: CronOptions = {
    ...common,
    mode: "6-or-7-parts",
    alternativeWeekdays: true,
    // Quartz writes steps as `0/15` (start/step); croner reads them only when "sloppy".
    sloppyRanges: true,
  };
  if (dom === "?" && dow === "?") throw new CronSyntaxError("day-of-month and day-of-week cannot both be ?");
  const specific = (x: string) => x !== "?" && x !== "*";
  if (specific(dom) && specific(dow)) {
    throw new CronSyntaxError(
      "one of day-of-month and day-of-week must be ? in Quartz syntax (e.g. `0 0 9 ? * MON-FRI` or `0 0 9 15 * ?`)",
    );
  }
  // `L-n`: n days before the last day of the month = croner's `L` moved back n days.
  const lastMinus = /^L-(\d{1,2})$/.exec(dom);
  if (lastMinus) {
    const n = Number(lastMinus[1]);
    if (n < 1 || n > 30) throw new CronSyntaxError("L-n in day-of-month needs n between 1 and 30");
    dom = "L";
    options.dayOffset = -n;
  } else if (/L-/.test(dom)) {
    throw new CronSyntaxError(`day-of-month "${f[3]}": only L-n alone is supported (e.g. L-3)`);
  }
  // `L` alone in day-of-week is the last day of the week, Saturday (7 in Quartz numbering).
  if (dow === "L") dow = "7";
  if (dow !== "?" && dow !== "*") {
    const numbers = dow.replace(/#\d+/g, "").replace(/\/\d+/g, "").match(/\d+/g);
    if (numbers?.some((n) => Number(n) < 1 || Number(n) > 7)) {
      throw new CronSyntaxError(`day-of-week "${f[5]}" must use 1–7 (1 = Sunday) or SUN–SAT in Quartz syntax`);
    }
  }
  const year = f[6];
  if (year !== undefined && year !== "*" && year !== "?") {
    const numbers = year.replace(/\/\d+/g, "").match(/\d+/g) ?? [];
    if (numbers.some((n) => Number(n) < 1970 || Number(n) > 2099)) {
      throw new CronSyntaxError(`year "${year}" must be between 1970 and 2099`);
    }
  }
  const out = [f[0], f[1], f[2], dom, f[4], dow, ...(year === undefined ? [] : [year === "?" ? "*" : year])];
  return { syntax: "quartz", pattern: out.join(" "), options };
}

/** Whether `zone` is an IANA time zone this runtime knows (or UTC). */
export function isValidTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A compiled schedule: the next fire times after an instant, in its zone. */
export class Schedule {
  private readonly cron: Cron;
  readonly syntax: CronSyntax;

  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    if (!isValidTimeZone(timeZone)) throw new TimeZoneError(timeZone);
    const t = translateCron(expression);
    this.syntax = t.syntax;
    try {
      this.cron = new Cron(t.pattern, { ...t.options, timezone: timeZone });
    } catch (error) {
      throw new CronSyntaxError((error as Error).message.replace(/^CronPattern:\s*/, ""));
    }
  }

  /** The first fire time strictly after `after`, or null when there is none (before the year 3000). */
  next(after: Date): Date | null {
    return this.cron.nextRun(after);
  }

  /** The last fire time strictly before `before`, or null. */
  previous(before: Date): Date | null {
    return this.cron.previousRuns(1, before)[0] ?? null;
  }

  /** Up to `count` fire times strictly after `after`, skipping those `skip` refuses (at most 2000 looked at). */
  nextTimes(after: Date, count: number, skip?: (at: Date) => boolean): Date[] {
    const out: Date[] = [];
    let cursor = after;
    for (let looked = 0; out.length < count && looked < 2000; looked++) {
      const at = this.cron.nextRun(cursor);
      if (!at) break;
      if (!skip?.(at)) out.push(at);
      cursor = at;
    }
    return out;
  }
}

export class TimeZoneError extends Error {
  constructor(zone: string) {
    super(`"${zone}" is not a known IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`);
    this.name = "TimeZoneError";
  }
}

/** The calendar date (YYYY-MM-DD) of an instant in a zone: what calendars' excluded dates are compared with. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}
