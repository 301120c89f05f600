import { randomUUID } from "node:crypto";
import type { ServerMessage } from "../../shared/protocol.js";

/** A live robot connection held by this node. */
export interface RobotConnection {
  sessionId: number;
  machineId: number;
  tenantId: number;
  slots: number;
  /** The agent asked for no new jobs (it shuts down after its running ones). */
  draining: boolean;
  send(message: ServerMessage): void;
  /** Closes the socket with an application close code and a reason the agent shows. */
  close(code: number, reason: string): void;
}

/**
 * The robot connections of this node, by session. Services use it to reach robots (disconnect
 * on a new key, later: assign, stop, kill); each node only knows its own connections.
 */
export class RobotHub {
  private readonly connections = new Map<number, RobotConnection>();
  /** This node's identity on its sessions, so sessions of a dead node can be told apart. */
  readonly nodeId = `node-${randomUUID().slice(0, 8)}`;

  add(connection: RobotConnection): void {
    this.connections.set(connection.sessionId, connection);
  }

  remove(sessionId: number): void {
    this.connections.delete(sessionId);
  }

  all(): RobotConnection[] {
    return [...this.connections.values()];
  }

  get(sessionId: number): RobotConnection | undefined {
    return this.connections.get(sessionId);
  }

  byMachine(machineId: number): RobotConnection[] {
    return [...this.connections.values()].filter((c) => c.machineId === machineId);
  }

  /** Says goodbye to and closes every connection of the machine on this node. */
  disconnectMachine(machineId: number, code: number, reason: string, reconnect: boolean): number {
    const connections = this.byMachine(machineId);
    for (const c of connections) {
      c.send({ type: "goodbye", reason, reconnect });
      c.close(code, reason);
    }
    return connections.length;
  }

  closeAll(code: number, reason: string): void {
    for (const c of this.connections.values()) c.close(code, reason);
    this.connections.clear();
  }

  get size(): number {
    return this.connections.size;
  }
}
