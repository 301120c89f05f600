/** Time source injected into services so rules that depend on time (lock-out, expiry) can be tested. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** ISO-8601 UTC with milliseconds: the one timestamp format stored in both databases (it sorts as text). */
export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

export function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}
