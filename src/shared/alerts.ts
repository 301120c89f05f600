/** Alert severities, lowest first (orchestrator-spec §1.6; Success is not used yet). */
export const alertSeverities = ["info", "warn", "error", "fatal"] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

/** The components that raise alerts so far. */
export const alertComponents = ["jobs", "robots"] as const;
export type AlertComponent = (typeof alertComponents)[number];

/** Whether `severity` is at or above `minimum`. */
export function severityAtLeast(severity: AlertSeverity, minimum: AlertSeverity): boolean {
  return alertSeverities.indexOf(severity) >= alertSeverities.indexOf(minimum);
}

/** One alert e-mail opt-in of a user: alerts of `component` at or above `minSeverity`. */
export interface AlertEmailSubscription {
  component: AlertComponent;
  minSeverity: AlertSeverity;
}
