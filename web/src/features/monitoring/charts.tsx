import { Badge, Group, Paper, SegmentedControl, SimpleGrid, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { MonitoringRange } from "../../../../src/shared/monitoring";
import type { StreamStatus } from "./useDashboardStream";

/** Formats bucket starts in the tenant's time zone and the UI language. */
export function useTimeFormat(timeZone: string, unit: "minute" | "hour", range: MonitoringRange) {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage === "de" ? "de-DE" : "en-US";
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat(language, { timeZone });
  } catch {
    zone = "UTC";
  }
  const tick = new Intl.DateTimeFormat(language, {
    timeZone: zone,
    ...(range === "7d" ? { weekday: "short", hour: "2-digit" } : { hour: "2-digit", minute: "2-digit" }),
  });
  const full = new Intl.DateTimeFormat(language, { timeZone: zone, dateStyle: "medium", timeStyle: "short" });
  const until = new Intl.DateTimeFormat(language, { timeZone: zone, timeStyle: "short" });
  const step = unit === "minute" ? 60_000 : 3_600_000;
  return {
    tick: (t: string) => tick.format(new Date(t)),
    /** "5 Dec 2026, 14:00 – 15:00" for a tooltip. */
    bucket: (t: string) => `${full.format(new Date(t))} – ${until.format(new Date(Date.parse(t) + step))}`,
  };
}

export interface SeriesSpec {
  key: string;
  label: string;
  color: string;
}

/** A stacked bar chart over time buckets, with a tooltip naming the bucket in the tenant's zone. */
export function TimeBars({
  data,
  series,
  format,
  testId,
  height = 240,
}: {
  data: { t: string }[];
  series: SeriesSpec[];
  format: ReturnType<typeof useTimeFormat>;
  testId: string;
  height?: number;
}) {
  return (
    <div data-testid={testId} style={{ width: "100%", height }}>
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="t" tickFormatter={format.tick} minTickGap={24} fontSize={12} />
          <YAxis allowDecimals={false} fontSize={12} />
          <Tooltip labelFormatter={(t) => format.bucket(String(t))} />
          <Legend />
          {series.map((s) => (
            <Bar key={s.key} dataKey={s.key} name={s.label} stackId="a" fill={s.color} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** An area chart over time buckets (utilisation, open items). */
export function TimeAreas({
  data,
  series,
  format,
  testId,
  unit,
  yMax,
  height = 240,
}: {
  data: { t: string }[];
  series: SeriesSpec[];
  format: ReturnType<typeof useTimeFormat>;
  testId: string;
  unit?: string;
  /** A fixed top of the scale (100 for percentages). */
  yMax?: number;
  height?: number;
}) {
  return (
    <div data-testid={testId} style={{ width: "100%", height }}>
      <ResponsiveContainer>
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="t" tickFormatter={format.tick} minTickGap={24} fontSize={12} />
          <YAxis fontSize={12} unit={unit} {...(yMax !== undefined && { domain: [0, yMax] })} />
          <Tooltip labelFormatter={(t) => format.bucket(String(t))} />
          <Legend />
          {series.map((s) => (
            <Area
              key={s.key}
              dataKey={s.key}
              name={s.label}
              stroke={s.color}
              fill={s.color}
              fillOpacity={0.25}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}

/** A small number tile. */
export function Stat({
  label,
  value,
  testId,
  color,
}: {
  label: string;
  value: ReactNode;
  testId: string;
  color?: string;
}) {
  return (
    <Paper withBorder radius="md" p="md" data-testid={testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} style={{ letterSpacing: "0.05em" }}>
        {label}
      </Text>
      <Text fz={28} fw={700} lh={1.2} mt={4} c={color} data-testid={`${testId}-value`}>
        {value}
      </Text>
    </Paper>
  );
}

export function StatGrid({ children }: { children: ReactNode }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md">
      {children}
    </SimpleGrid>
  );
}

/** The range switch (last hour per minute, last day or week per hour) and the live indicator. */
export function RangeBar({
  range,
  onRange,
  status,
  timeZone,
  ranges = ["1h", "24h", "7d"],
}: {
  range: MonitoringRange;
  onRange: (r: MonitoringRange) => void;
  status: StreamStatus;
  timeZone: string | null;
  ranges?: MonitoringRange[];
}) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" mb="md">
      <SegmentedControl
        value={range}
        onChange={(v) => onRange(v as MonitoringRange)}
        data={ranges.map((r) => ({ value: r, label: t(`monitoring.range.${r}`) }))}
        aria-label={t("monitoring.range.label")}
        data-testid="monitoring-range"
      />
      <Group gap="xs">
        {timeZone ? (
          <Text size="sm" c="dimmed">
            {t("monitoring.timeZone", { zone: timeZone })}
          </Text>
        ) : null}
        <Badge
          color={status === "live" ? "green" : "orange"}
          variant="light"
          data-testid="monitoring-status"
          data-status={status}
        >
          {t(`monitoring.status.${status}`)}
        </Badge>
      </Group>
    </Group>
  );
}

/** Seconds as "4.2 s", "3 min 5 s" or "1 h 2 min". */
export function useDuration() {
  const { t } = useTranslation();
  return (seconds: number | null | undefined) => {
    if (seconds == null) return "—";
    if (seconds < 60) return t("monitoring.duration.seconds", { s: Math.round(seconds * 10) / 10 });
    if (seconds < 3600)
      return t("monitoring.duration.minutes", { m: Math.floor(seconds / 60), s: Math.round(seconds % 60) });
    return t("monitoring.duration.hours", { h: Math.floor(seconds / 3600), m: Math.floor((seconds % 3600) / 60) });
  };
}

/** Every bucket start from `from` to `to` (inclusive), for series that carry only non-empty buckets. */
export function bucketTimes(from: string, to: string, unit: "minute" | "hour"): string[] {
  const step = unit === "minute" ? 60_000 : 3_600_000;
  const out: string[] = [];
  for (let ms = Date.parse(from); ms <= Date.parse(to); ms += step) out.push(new Date(ms).toISOString());
  return out;
}
