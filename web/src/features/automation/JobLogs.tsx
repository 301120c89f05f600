import { Badge, Box, Button, Group, Select, Switch, Text, TextInput } from "@mantine/core";
import { IconDownload, IconSearch } from "@tabler/icons-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { LogLevel, LogLine } from "../../api/types";
import { useFormat } from "../../lib/format";
import { logLevelColor, logLevels } from "./badges";
import { useTenant } from "./tenant";

/** Lines kept in memory (and rendered) per job; older ones are dropped from view (the CSV has them all). */
export const MAX_LINES = 5000;
/** Lines dropped at once when the view is full: trimming in blocks keeps appends cheap. */
const TRIM_BLOCK = 1000;

interface LogStream {
  /** The kept lines, oldest first: one array appended to in place (never copied per batch). */
  lines: readonly LogLine[];
  /** Bumped on every change, for React to render the same array again. */
  version: number;
  /** Lines received but no longer kept. */
  dropped: number;
  status: "connecting" | "live" | "ended";
}

/**
 * Live log lines of one job over server-sent events (`T/jobs/{id}/logs/stream`): `log` events
 * append, `end` closes the stream. A dropped connection is reopened after the last line seen.
 * Memory stays bounded: at most MAX_LINES + TRIM_BLOCK lines are kept, and the count of those
 * dropped is shown.
 */
function useLogStream(url: string, onEnd: () => void): LogStream {
  const store = useRef<{ lines: LogLine[]; dropped: number }>({ lines: [], dropped: 0 });
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<"connecting" | "live" | "ended">("connecting");
  const endRef = useRef(onEnd);
  endRef.current = onEnd;

  useEffect(() => {
    let lastId = 0;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    let buffer: LogLine[] = [];
    let flush: ReturnType<typeof setTimeout> | null = null;
    store.current = { lines: [], dropped: 0 };
    setVersion((v) => v + 1);
    setStatus("connecting");

    const flushNow = () => {
      flush = null;
      if (buffer.length === 0) return;
      const kept = store.current.lines;
      for (const line of buffer) kept.push(line);
      buffer = [];
      if (kept.length > MAX_LINES + TRIM_BLOCK) {
        const excess = kept.length - MAX_LINES;
        kept.splice(0, excess);
        store.current.dropped += excess;
      }
      setVersion((v) => v + 1);
    };
    const open = () => {
      source = new EventSource(lastId ? `${url}?after=${lastId}` : url, { withCredentials: true });
      source.onopen = () => setStatus("live");
      source.addEventListener("log", (event) => {
        try {
          const line = JSON.parse((event as MessageEvent<string>).data) as LogLine;
          if (line.id <= lastId) return;
          lastId = line.id;
          buffer.push(line);
          // Lines often arrive in bursts: render them together.
          flush ??= setTimeout(flushNow, 100);
        } catch {
          // a malformed event is skipped
        }
      });
      source.addEventListener("end", () => {
        stopped = true;
        source?.close();
        flushNow();
        setStatus("ended");
        endRef.current();
      });
      source.onerror = () => {
        source?.close();
        if (stopped) return;
        setStatus("connecting");
        retry = setTimeout(open, 2000);
      };
    };
    open();
    return () => {
      stopped = true;
      source?.close();
      if (retry) clearTimeout(retry);
      if (flush) clearTimeout(flush);
    };
  }, [url]);

  return { lines: store.current.lines, version, dropped: store.current.dropped, status };
}

export function JobLogs({ jobId, onEnd }: { jobId: number; onEnd: () => void }) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const { lines, version, dropped, status } = useLogStream(ctx.api.jobLogStreamUrl(jobId), onEnd);
  const format = useFormat();
  const { i18n } = useTranslation();
  const [level, setLevel] = useState<LogLevel>("trace");
  const [query, setQuery] = useState("");
  const [follow, setFollow] = useState(true);
  const viewport = useRef<HTMLDivElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` marks appends to the same array.
  const shown = useMemo(() => {
    const min = logLevels.indexOf(level);
    const q = query.trim().toLowerCase();
    return lines.filter((l) => logLevels.indexOf(l.level) >= min && (!q || l.message.toLowerCase().includes(q)));
  }, [lines, version, level, query]);
  const filtered = shown;
  // Times in the tenant's zone; with the date once the kept lines span more than one day there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` marks appends to the same array.
  const stamp = useMemo(() => {
    const zone = format.zone ?? undefined;
    const language = i18n.resolvedLanguage === "de" ? "de-DE" : "en-US";
    const day = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone });
    const first = lines[0];
    const last = lines.at(-1);
    const spansDays =
      !!first && !!last && day.format(new Date(first.timestamp)) !== day.format(new Date(last.timestamp));
    const clock = new Intl.DateTimeFormat(language, {
      ...(spansDays && { year: "numeric", month: "2-digit", day: "2-digit" }),
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      fractionalSecondDigits: 3,
      hourCycle: "h23",
      timeZone: zone,
    });
    return (iso: string) => clock.format(new Date(iso));
  }, [lines, version, format.zone, i18n.resolvedLanguage]);

  useEffect(() => {
    if (follow && viewport.current && shown.length >= 0) viewport.current.scrollTop = viewport.current.scrollHeight;
  }, [shown, follow]);

  const csvUrl = ctx.api.jobLogsCsvUrl(jobId, {
    level: level === "trace" ? undefined : level,
    q: query.trim() || undefined,
  });
  return (
    <Box data-testid="job-logs">
      <Group justify="space-between" mb="sm" gap="sm">
        <Group gap="sm">
          <Select
            aria-label={t("logs.minLevel")}
            data={logLevels.map((l) => ({ value: l, label: t("logs.atLeast", { level: t(`logs.level.${l}`) }) }))}
            value={level}
            onChange={(v) => v && setLevel(v as LogLevel)}
            allowDeselect={false}
            w={190}
            size="xs"
            data-testid="log-level"
          />
          <TextInput
            aria-label={t("logs.search")}
            placeholder={t("logs.search")}
            leftSection={<IconSearch size={14} />}
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
            w={240}
            size="xs"
            data-testid="log-search"
          />
          <Switch
            label={t("logs.autoScroll")}
            checked={follow}
            onChange={(e) => setFollow(e.currentTarget.checked)}
            size="xs"
            data-testid="log-follow"
          />
        </Group>
        <Group gap="sm">
          <Badge
            variant="dot"
            color={status === "live" ? "teal" : status === "ended" ? "gray" : "yellow"}
            data-testid="log-status"
            data-status={status}
          >
            {t(`logs.status.${status}`)}
          </Badge>
          <Text size="xs" c="dimmed" data-testid="log-count">
            {t("logs.count", { shown: filtered.length, count: lines.length })}
          </Text>
          <Text size="xs" c="dimmed" data-testid="log-zone">
            {t("logs.zone", { zone: format.zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone })}
          </Text>
          <Button
            component="a"
            href={csvUrl}
            download
            size="xs"
            variant="default"
            leftSection={<IconDownload size={14} />}
            data-testid="export-logs"
          >
            {t("logs.exportCsv")}
          </Button>
        </Group>
      </Group>
      <Box
        ref={viewport}
        onScroll={(e) => {
          const el = e.currentTarget;
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          if (!atBottom && follow) setFollow(false);
        }}
        style={{
          height: 420,
          overflow: "auto",
          background: "#1a1b1e",
          color: "#e9ecef",
          borderRadius: 8,
          padding: "8px 0",
          fontFamily: "var(--mantine-font-family-monospace)",
          fontSize: 12.5,
          lineHeight: 1.55,
        }}
        data-testid="log-lines"
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label={t("logs.title")}
      >
        {dropped > 0 ? (
          <Text size="xs" c="dimmed" ta="center" pb={4} data-testid="logs-dropped">
            {t("logs.dropped", { count: dropped, kept: MAX_LINES })}
          </Text>
        ) : null}
        {shown.length === 0 ? (
          <Text size="sm" c="dimmed" ta="center" py="xl" data-testid="logs-empty">
            {lines.length === 0 ? (status === "ended" ? t("logs.none") : t("logs.waiting")) : t("logs.noMatch")}
          </Text>
        ) : (
          shown.map((line) => (
            <div
              key={line.id}
              data-testid="log-line"
              data-level={line.level}
              style={{ display: "flex", gap: 12, padding: "0 12px", whiteSpace: "pre-wrap", wordBreak: "break-word" }}
            >
              <span style={{ color: "#868e96", flex: "none" }} data-testid="log-time">
                {stamp(line.timestamp)}
              </span>
              <span
                style={{
                  color: `var(--mantine-color-${logLevelColor[line.level]}-4)`,
                  flex: "none",
                  width: 44,
                  textTransform: "uppercase",
                  fontWeight: 600,
                }}
              >
                {line.level}
              </span>
              <span style={{ flex: 1 }}>{line.message}</span>
            </div>
          ))
        )}
      </Box>
    </Box>
  );
}
