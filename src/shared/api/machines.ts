import { z } from "zod";
import { RobotState } from "../robot.js";

/** The API's shapes of machines and their robot sessions. */

const robotState = z.enum([RobotState.available, RobotState.busy, RobotState.unresponsive, RobotState.disconnected]);

export const robotSessionSchema = z.object({
  id: z.number(),
  state: robotState,
  hostName: z.string(),
  os: z.string(),
  agentVersion: z.string(),
  connectedAt: z.string(),
  lastHeartbeatAt: z.string(),
  disconnectedAt: z.string().nullable(),
  disconnectReason: z.string().nullable(),
});
export type RobotSession = z.infer<typeof robotSessionSchema>;

export const machineSchema = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  slots: z.number(),
  folderIds: z.array(z.number()),
  keyHint: z.string(),
  /** The machine's overall state: its best live session, else disconnected. */
  state: robotState,
  sessions: z.array(robotSessionSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Machine = z.infer<typeof machineSchema>;

/** A machine with its key (shown once) and the command that starts an agent with it. */
export const machineWithKeySchema = machineSchema.extend({ key: z.string(), connectCommand: z.string() });
export type MachineWithKey = z.infer<typeof machineWithKeySchema>;
