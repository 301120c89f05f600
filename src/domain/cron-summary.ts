import { cronFields, translateCron } from "./cron.js";

export type SummaryLocale = "en" | "de";

/**
 * A human-readable sentence for the shapes the UI's presets write (every N seconds/minutes,
 * hourly at, daily at, weekly on days at, monthly on day at, last day of month); other
 * expressions are described field by field. English and German.
 */
export function describeCron(expression: string, locale: SummaryLocale = "en"): string {
  const t = translateCron(expression);
  const f = cronFields(t.pattern).map((x) => x.toUpperCase());
  const [sec, min, hour, dom, month, dow] =
    t.syntax === "standard" ? ["0", f[0], f[1], f[2], f[3], f[4]] : [f[0], f[1], f[2], f[3], f[4], f[5]];
  const w = words[locale];
  const anyDay = (x: string | undefined) => x === "*" || x === "?";
  const step = (x: string | undefined) => /^(?:\*|0)\/(\d+)$/.exec(x ?? "")?.[1];
  const num = (x: string | undefined) => (x !== undefined && /^\d+$/.test(x) ? Number(x) : null);
  const lastDom = dom === "L" && t.options.dayOffset === undefined;
  const daysOk = anyDay(dom) && anyDay(dow) && month === "*" && f[6] === undefined;

  if (daysOk && hour === "*" && min === "*" && sec === "*") return w.everySecond;
  if (daysOk && hour === "*" && min === "*" && step(sec)) return w.everyNSeconds(Number(step(sec)));
  if (sec === "0" && daysOk && hour === "*" && min === "*") return w.everyMinute;
  if (sec === "0" && daysOk && hour === "*" && step(min)) return w.everyNMinutes(Number(step(min)));
  if (sec === "0" && daysOk && hour === "*" && num(min) !== null) return w.hourlyAt(num(min) as number);

  const h = num(hour);
  const m = num(min);
  if (sec === "0" && h !== null && m !== null && month === "*" && f[6] === undefined) {
    const time = `${pad(h)}:${pad(m)}`;
    if (anyDay(dom) && anyDay(dow)) return w.dailyAt(time);
    if (anyDay(dom) && dow) {
      const days = weekdays(dow, t.syntax, locale);
      if (days) return w.weeklyAt(days, time);
    }
    if (anyDay(dow) && num(dom) !== null) return w.monthlyAt(num(dom) as number, time);
    if (anyDay(dow) && lastDom) return w.lastDayAt(time);
  }
  return w.fields(expression.trim());
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

const dayNames = {
  en: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
  de: ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
};
const nameIndex: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

/** "Monday, Wednesday" or "Monday–Friday" for a plain list or range of days; null for L, #, steps. */
function weekdays(dow: string, syntax: "standard" | "quartz", locale: SummaryLocale): string | null {
  const index = (x: string): number | null => {
    if (x in nameIndex) return nameIndex[x] as number;
    if (!/^\d$/.test(x)) return null;
    const n = Number(x);
    // Quartz: 1 = Sunday … 7 = Saturday; standard: 0 (or 7) = Sunday … 6 = Saturday.
    return syntax === "quartz" ? (n >= 1 && n <= 7 ? n - 1 : null) : n % 7;
  };
  const names = dayNames[locale];
  const parts: string[] = [];
  for (const item of dow.split(",")) {
    const range = item.split("-");
    if (range.length === 2) {
      const a = index(range[0] as string);
      const b = index(range[1] as string);
      if (a === null || b === null) return null;
      parts.push(`${names[a]}–${names[b]}`);
    } else {
      const a = index(item);
      if (a === null) return null;
      parts.push(names[a] as string);
    }
  }
  // Plain lists of three or more consecutive days read as a range (MON,TUE,WED,THU,FRI → Monday–Friday).
  const singles = dow.split(",").map(index);
  if (singles.length >= 3 && singles.every((x) => x !== null)) {
    const order = (singles as number[]).map((d) => (d === 0 ? 7 : d)).sort((a, b) => a - b);
    if (order.every((d, i) => i === 0 || d === (order[i - 1] as number) + 1)) {
      return `${names[(order[0] as number) % 7]}–${names[(order.at(-1) as number) % 7]}`;
    }
  }
  return parts.join(", ");
}

const words = {
  en: {
    everySecond: "Every second",
    everyNSeconds: (n: number) => (n === 1 ? "Every second" : `Every ${n} seconds`),
    everyMinute: "Every minute",
    everyNMinutes: (n: number) => (n === 1 ? "Every minute" : `Every ${n} minutes`),
    hourlyAt: (m: number) => `Every hour at minute ${m}`,
    dailyAt: (time: string) => `Every day at ${time}`,
    weeklyAt: (days: string, time: string) => `Every ${days} at ${time}`,
    monthlyAt: (d: number, time: string) => `On day ${d} of every month at ${time}`,
    lastDayAt: (time: string) => `On the last day of every month at ${time}`,
    fields: (e: string) => `Cron schedule ${e}`,
  },
  de: {
    everySecond: "Jede Sekunde",
    everyNSeconds: (n: number) => (n === 1 ? "Jede Sekunde" : `Alle ${n} Sekunden`),
    everyMinute: "Jede Minute",
    everyNMinutes: (n: number) => (n === 1 ? "Jede Minute" : `Alle ${n} Minuten`),
    hourlyAt: (m: number) => `Stündlich zur Minute ${m}`,
    dailyAt: (time: string) => `Täglich um ${time}`,
    weeklyAt: (days: string, time: string) => `Jeden ${days} um ${time}`,
    monthlyAt: (d: number, time: string) => `Am ${d}. jedes Monats um ${time}`,
    lastDayAt: (time: string) => `Am letzten Tag jedes Monats um ${time}`,
    fields: (e: string) => `Cron-Zeitplan ${e}`,
  },
} as const;
