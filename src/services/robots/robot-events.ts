import type { ClusterBus } from "../../storage/cluster-bus.js";
import type { DispatchHint, RobotCommands } from "../jobs/job-model.js";
import type { RobotHub } from "./robot-hub.js";

/**
 * How services reach robots: stop and kill go to the connection on this node, or through the
 * cluster bus to the node that holds it (robots also get them again with their next heartbeat),
 * and the dispatchers of all nodes are woken when work appears.
 */
export class RobotEvents implements RobotCommands {
  private waker: (created?: DispatchHint) => void = () => {};
  private bus: ClusterBus | null = null;
  private wakeWindow: NodeJS.Timeout | null = null;
  private wakeAgain = false;

  constructor(private readonly hub: RobotHub) {}

  /** Set by the node that runs a dispatcher. */
  onWake(waker: (created?: DispatchHint) => void): void {
    this.waker = waker;
  }

  /** Joins the other nodes of the database: their wake-ups and stops reach this node's robots. */
  connectBus(bus: ClusterBus): void {
    this.bus = bus;
    bus.subscribe((message) => {
      if (message.type === "wake") this.waker();
      else if (message.type === "stop")
        this.hub.get(message.sessionId)?.send({ type: "stop", jobKey: message.jobKey, mode: message.mode });
    });
  }

  wakeDispatcher(created?: DispatchHint): void {
    this.waker(created);
    if (!this.bus) return;
    // Other nodes' robots may take the work. The first wake-up is published at once (a job
    // created on one node starts without delay on another's robot); a burst after it costs one
    // more notification at the end of a 20 ms window, not one per job.
    if (this.wakeWindow) {
      this.wakeAgain = true;
      return;
    }
    this.bus.publish({ type: "wake" });
    this.wakeWindow = setTimeout(() => this.closeWakeWindow(), 20);
    this.wakeWindow.unref();
  }

  private closeWakeWindow(): void {
    this.wakeWindow = null;
    if (!this.wakeAgain) return;
    this.wakeAgain = false;
    this.bus?.publish({ type: "wake" });
    this.wakeWindow = setTimeout(() => this.closeWakeWindow(), 20);
    this.wakeWindow.unref();
  }

  stop(sessionId: number, jobKey: string, mode: "stop" | "kill"): void {
    const local = this.hub.get(sessionId);
    if (local) local.send({ type: "stop", jobKey, mode });
    else this.bus?.publish({ type: "stop", sessionId, jobKey, mode });
  }
}
