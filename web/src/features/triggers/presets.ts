/** The simple schedules of the trigger editor; each writes a Quartz expression for the user. */
export type Preset =
  | { kind: "minutes"; every: number }
  | { kind: "hourly"; minute: number }
  | { kind: "daily"; time: string }
  | { kind: "weekly"; days: string[]; time: string }
  | { kind: "monthly"; day: number; time: string };

export type PresetKind = Preset["kind"];
export const presetKinds: PresetKind[] = ["minutes", "hourly", "daily", "weekly", "monthly"];
export const weekDays = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;

const hm = (time: string): [number, number] => {
  const [h, m] = time.split(":").map((x) => Number(x));
  return [Number.isFinite(h) ? (h as number) : 0, Number.isFinite(m) ? (m as number) : 0];
};

export function presetToCron(p: Preset): string {
  switch (p.kind) {
    case "minutes":
      return `0 */${Math.max(1, Math.min(59, p.every))} * * * ?`;
    case "hourly":
      return `0 ${p.minute} * * * ?`;
    case "daily": {
      const [h, m] = hm(p.time);
      return `0 ${m} ${h} * * ?`;
    }
    case "weekly": {
      const [h, m] = hm(p.time);
      const days = weekDays.filter((d) => p.days.includes(d));
      return `0 ${m} ${h} ? * ${days.length ? days.join(",") : "MON"}`;
    }
    case "monthly": {
      const [h, m] = hm(p.time);
      return `0 ${m} ${h} ${p.day} * ?`;
    }
  }
}

const pad = (n: string) => n.padStart(2, "0");

/** The preset that wrote `cron`, or null for anything else (the editor then opens in advanced mode). */
export function cronToPreset(cron: string): Preset | null {
  const f = cron.trim().toUpperCase().split(/\s+/);
  if (f.length !== 6) return null;
  const [s, m, h, dom, mon, dow] = f as [string, string, string, string, string, string];
  if (s !== "0" || mon !== "*") return null;
  const num = (x: string) => /^\d{1,2}$/.test(x);
  const step = /^\*\/(\d{1,2})$/.exec(m);
  if (step && h === "*" && dom === "*" && dow === "?") return { kind: "minutes", every: Number(step[1]) };
  if (num(m) && h === "*" && dom === "*" && dow === "?") return { kind: "hourly", minute: Number(m) };
  if (!num(m) || !num(h)) return null;
  const time = `${pad(h)}:${pad(m)}`;
  if (dom === "*" && dow === "?") return { kind: "daily", time };
  if (dom === "?" && dow.split(",").every((d) => (weekDays as readonly string[]).includes(d)))
    return { kind: "weekly", days: dow.split(","), time };
  if (num(dom) && dow === "?") return { kind: "monthly", day: Number(dom), time };
  return null;
}

export function defaultPreset(kind: PresetKind): Preset {
  switch (kind) {
    case "minutes":
      return { kind, every: 15 };
    case "hourly":
      return { kind, minute: 0 };
    case "daily":
      return { kind, time: "09:00" };
    case "weekly":
      return { kind, days: ["MON", "TUE", "WED", "THU", "FRI"], time: "09:00" };
    case "monthly":
      return { kind, day: 1, time: "09:00" };
  }
}
