import { localDate, Schedule } from "../../domain/cron.js";
import { describeCron, type SummaryLocale } from "../../domain/cron-summary.js";
import type { Firing, Trigger } from "../../shared/api/triggers.js";
import type { TriggerKind } from "../../shared/triggers.js";
import type { CalendarRow, TriggerRow } from "../../storage/schema.js";

export type { Firing, Trigger };

/** Whether a calendar excludes the local date of an instant (in the calendar's zone). */
export function excludedBy(calendar: CalendarRow | undefined): ((at: Date) => boolean) | undefined {
  if (!calendar) return undefined;
  const dates = new Set(JSON.parse(calendar.excluded_dates_json) as string[]);
  return (at) => dates.has(localDate(at, calendar.time_zone));
}

export function presentTrigger(r: TriggerRow, locale: SummaryLocale, calendar?: CalendarRow): Trigger {
  let nextFireTime = r.next_fire_at;
  let summary: string | null = null;
  if (r.cron && r.time_zone) {
    try {
      summary = describeCron(r.cron, locale);
      const skip = excludedBy(calendar);
      if (nextFireTime && skip?.(new Date(nextFireTime))) {
        const [next] = new Schedule(r.cron, r.time_zone).nextTimes(new Date(nextFireTime), 1, skip);
        nextFireTime = next && (!r.end_at || next.toISOString() < r.end_at) ? next.toISOString() : null;
      }
    } catch {
      // A stored expression is valid when saved; a runtime without its zone shows no summary.
    }
  }
  const config = JSON.parse(r.config_json) as {
    method?: string;
    callMode?: string;
    queueId?: number;
    minItems?: number;
    maxJobs?: number;
    itemsPerJob?: number;
  };
  return {
    id: r.id,
    key: r.key,
    type: r.kind as TriggerKind,
    folderId: r.folder_id,
    name: r.name,
    description: r.description,
    slug: r.slug,
    method: config.method ?? null,
    callMode: config.callMode ?? null,
    queueId: config.queueId ?? null,
    minItems: config.minItems ?? null,
    maxConcurrentJobs: config.maxJobs ?? null,
    itemsPerJob: config.itemsPerJob ?? null,
    processId: r.process_id,
    inputArguments: JSON.parse(r.input_json) as Record<string, unknown>,
    priority: r.priority,
    machineId: r.machine_id,
    jobCount: r.job_count,
    cron: r.cron,
    timeZone: r.time_zone,
    calendarId: r.calendar_id,
    stopAfterSeconds: r.stop_after_seconds,
    killAfterSeconds: r.kill_after_seconds,
    alertPendingSeconds: r.alert_pending_seconds,
    alertRunningSeconds: r.alert_running_seconds,
    endDate: r.end_at,
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    disabledReasonCode: r.disabled_reason_code,
    disabledReasonParams: r.disabled_reason_params
      ? (JSON.parse(r.disabled_reason_params) as Record<string, string | number | null>)
      : null,
    nextFireTime,
    summary,
    lastFiredAt: r.last_fired_at,
    lastResult: r.last_result,
    createdBy: r.created_by,
    updatedBy: r.updated_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
