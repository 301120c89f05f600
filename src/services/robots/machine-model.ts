import type { Machine, RobotSession } from "../../shared/api/machines.js";
import { type RobotState, sessionState } from "../../shared/robot.js";
import type { MachineRow, RobotSessionRow } from "../../storage/schema.js";

export type { Machine, RobotSession };

export interface MachineInput {
  name: string;
  description?: string | null | undefined;
  slots: number;
  folderIds: number[];
}

/** What a robot connection is bound to once its key checked out. */
export interface AuthenticatedMachine {
  machine: MachineRow;
  orgId: number;
}

/** Which of a machine's sessions shows its overall state. */
export const statePriority: Record<RobotState, number> = { busy: 4, available: 3, unresponsive: 2, disconnected: 1 };

export function presentSession(s: RobotSessionRow, now: Date): RobotSession {
  return {
    id: s.id,
    state: sessionState(s.state, s.last_heartbeat_at, now),
    hostName: s.host_name,
    os: s.os,
    agentVersion: s.agent_version,
    connectedAt: s.connected_at,
    lastHeartbeatAt: s.last_heartbeat_at,
    disconnectedAt: s.disconnected_at,
    disconnectReason: s.disconnect_reason,
  };
}
