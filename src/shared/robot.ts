/**
 * Robot session states (orchestrator-spec §3.5): a connected agent is `available` or `busy`; it
 * is `unresponsive` when no heartbeat arrived for 120 s while the connection still counts as
 * open, and `disconnected` once its connection is gone.
 */
export const RobotState = {
  available: "available",
  busy: "busy",
  unresponsive: "unresponsive",
  disconnected: "disconnected",
} as const;
export type RobotState = (typeof RobotState)[keyof typeof RobotState];

/** States stored on a session row; `unresponsive` is derived from the last heartbeat. */
export type StoredRobotState = Exclude<RobotState, "unresponsive">;

export const unresponsiveAfterSeconds = 120;
export const defaultHeartbeatSeconds = 30;

export const robotTransitions: Readonly<Record<StoredRobotState, readonly StoredRobotState[]>> = {
  available: ["busy", "disconnected"],
  busy: ["available", "disconnected"],
  disconnected: [],
};

/** The state to show for a session: its stored state, or `unresponsive` when heartbeats stopped. */
export function sessionState(stored: StoredRobotState, lastHeartbeatAt: string, now: Date): RobotState {
  if (stored === RobotState.disconnected) return stored;
  const silentMs = now.getTime() - Date.parse(lastHeartbeatAt);
  return silentMs > unresponsiveAfterSeconds * 1000 ? RobotState.unresponsive : stored;
}
