/**
 * Monitoring rollups (docs/monitoring-and-webhooks.md): time buckets, dashboard ranges, and the
 * run-time histogram from which averages and the 95th percentile come without reading `jobs`.
 */

/** Upper bounds (seconds, exclusive) of the run-time histogram's buckets d0…d10; d11 is everything longer. */
export const durationBounds = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;
export const durationBucketCount = durationBounds.length + 1;

/** The histogram bucket of a run time. */
export function durationBucket(ms: number): number {
  const seconds = ms / 1000;
  const i = durationBounds.findIndex((bound) => seconds < bound);
  return i === -1 ? durationBounds.length : i;
}

/**
 * The p-th percentile (0–1) of a histogram, interpolated linearly inside the bucket it falls in;
 * the open last bucket is taken as one to two hours. Null for an empty histogram. Exact to the
 * bucket bounds — good enough for a dashboard, and the price of never reading the jobs.
 */
export function histogramPercentile(counts: readonly number[], p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : (durationBounds[i - 1] ?? 0);
      const upper = durationBounds[i] ?? lower * 2;
      return lower + ((rank - seen) / n) * (upper - lower);
    }
    seen += n;
  }
  return durationBounds[durationBounds.length - 1] ?? null;
}

export const unixMinute = (ms: number) => Math.floor(ms / 60_000);
export const unixHour = (ms: number) => Math.floor(ms / 3_600_000);

/** Dashboard ranges: the last hour per minute, the last day or week per hour. */
export const monitoringRanges = ["1h", "24h", "7d"] as const;
export type MonitoringRange = (typeof monitoringRanges)[number];

export interface RangeBuckets {
  unit: "minute" | "hour";
  /** First and last bucket (inclusive). */
  from: number;
  to: number;
}

export function rangeBuckets(range: MonitoringRange, nowMs: number): RangeBuckets {
  if (range === "1h") {
    const to = unixMinute(nowMs);
    return { unit: "minute", from: to - 59, to };
  }
  const to = unixHour(nowMs);
  return { unit: "hour", from: to - (range === "24h" ? 23 : 167), to };
}

/** A bucket's start as ISO-8601 UTC. */
export function bucketStart(unit: "minute" | "hour", bucket: number): string {
  return new Date(bucket * (unit === "minute" ? 60_000 : 3_600_000)).toISOString();
}

/** Minute rows are kept 2 days, hour rows 90 days. */
export const minuteRetentionMs = 2 * 24 * 3_600_000;
export const hourRetentionMs = 90 * 24 * 3_600_000;
