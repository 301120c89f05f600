import { Badge, Loader } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { JobState, LogLevel, RobotState } from "../../api/types";

export const jobStateColor: Record<JobState, string> = {
  pending: "gray",
  running: "blue",
  stopping: "orange",
  terminating: "orange",
  successful: "teal",
  faulted: "red",
  stopped: "dark",
};

/** States in which a job may still change on its own (auto-refresh while any is shown). */
export const activeJobStates: readonly JobState[] = ["pending", "running", "stopping", "terminating"];
export const isActiveJob = (state: JobState) => activeJobStates.includes(state);

export function JobStateBadge({ state, size = "md" }: { state: JobState; size?: "sm" | "md" | "lg" }) {
  const { t } = useTranslation();
  const active = state === "running" || state === "stopping" || state === "terminating";
  return (
    <Badge
      color={jobStateColor[state]}
      variant={state === "pending" || state === "stopped" ? "light" : "filled"}
      size={size}
      leftSection={active ? <Loader size={10} color="white" type="oval" /> : undefined}
      data-testid="job-state"
      data-state={state}
    >
      {t(`jobs.state.${state}`)}
    </Badge>
  );
}

export const robotStateColor: Record<RobotState, string> = {
  available: "teal",
  busy: "blue",
  unresponsive: "orange",
  disconnected: "gray",
};

export function RobotStateBadge({ state }: { state: RobotState }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={robotStateColor[state]}
      variant={state === "disconnected" ? "light" : "filled"}
      styles={{ root: { flex: "none" }, label: { overflow: "visible" } }}
      data-testid="machine-state"
      data-state={state}
    >
      {t(`machines.state.${state}`)}
    </Badge>
  );
}

export const logLevels: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal"];
export const logLevelColor: Record<LogLevel, string> = {
  trace: "gray",
  debug: "gray",
  info: "blue",
  warn: "yellow",
  error: "red",
  fatal: "grape",
};

export const severityColor: Record<"info" | "warn" | "error" | "fatal", string> = {
  info: "blue",
  warn: "yellow",
  error: "red",
  fatal: "grape",
};
