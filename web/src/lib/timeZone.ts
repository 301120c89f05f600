import { createContext, useContext } from "react";

/**
 * The time zone times are shown in: the tenant's (its settings) on a tenant's pages, the
 * viewer's own (null) elsewhere. Every formatted time names its zone; `<Time>` shows the
 * viewer's own clock on hover.
 */
export const TimeZoneContext = createContext<string | null>(null);

export function useDisplayTimeZone(): string | null {
  return useContext(TimeZoneContext);
}

/** The viewer's own zone, as the browser reports it. */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
