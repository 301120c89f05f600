import { CronSyntaxError, isValidTimeZone, Schedule, TimeZoneError } from "../../domain/cron.js";
import { ValidationError } from "../../domain/errors.js";
import type { CalendarRow } from "../../storage/schema.js";

/**
 * The original's rule (orchestrator-spec §4.3): a trigger with a non-working-days calendar cannot
 * have a time zone of its own. Here a calendar carries its zone, so the trigger's must be the
 * calendar's: otherwise "the excluded day" would be a different 24 hours for the calendar and the
 * schedule (a 00:30 Berlin fire time is still the previous day in New York).
 */
export function assertCalendarZone(calendar: CalendarRow | undefined, timeZone: string): void {
  if (calendar && calendar.time_zone !== timeZone) {
    throw ValidationError.field(
      "timeZone",
      `must be the time zone of the calendar "${calendar.name}" (${calendar.time_zone}) when that calendar is used`,
    );
  }
}

/** A Schedule, or a 400 naming `cron` or `timeZone`. */
export function compile(cron: string, timeZone: string): Schedule {
  if (!isValidTimeZone(timeZone)) throw ValidationError.field("timeZone", "is not a known IANA time zone");
  try {
    return new Schedule(cron, timeZone);
  } catch (error) {
    if (error instanceof CronSyntaxError) throw ValidationError.field("cron", error.message);
    if (error instanceof TimeZoneError) throw ValidationError.field("timeZone", error.message);
    throw error;
  }
}
