import type { RobotCommands } from "../jobs/job-service.js";
import type { RobotHub } from "./robot-hub.js";

/**
 * How services reach robots: stop and kill go to the connection on this node (other nodes'
 * robots get them with their next heartbeat), and the dispatcher is woken when work appears.
 */
export class RobotEvents implements RobotCommands {
  private waker: () => void = () => {};

  constructor(private readonly hub: RobotHub) {}

  /** Set by the node that runs a dispatcher. */
  onWake(waker: () => void): void {
    this.waker = waker;
  }

  wakeDispatcher(): void {
    this.waker();
  }

  stop(sessionId: number, jobKey: string, mode: "stop" | "kill"): void {
    this.hub.get(sessionId)?.send({ type: "stop", jobKey, mode });
  }
}
