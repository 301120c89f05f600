import { Tooltip } from "@mantine/core";
import { useFormat } from "../lib/format";

/**
 * A point in time in the page's zone (the tenant's on its pages) with the zone named; on hover,
 * the same instant on the viewer's own clock. `fallback` shows when there is no time.
 */
export function Time({
  value,
  seconds = false,
  fallback = "—",
}: {
  value: string | null | undefined;
  seconds?: boolean;
  fallback?: string;
}) {
  const format = useFormat();
  if (!value) return <>{fallback}</>;
  const text = seconds ? format.dateTimeSeconds(value) : format.dateTime(value);
  return (
    <Tooltip label={format.viewerTime(value)} withinPortal openDelay={300}>
      <time dateTime={value} data-testid="time">
        {text}
      </time>
    </Tooltip>
  );
}
