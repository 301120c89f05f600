import type { ClusterBus } from "../../storage/cluster-bus.js";
import type { RobotCommands } from "../jobs/job-service.js";
import type { RobotHub } from "./robot-hub.js";

/**
 * How services reach robots: stop and kill go to the connection on this node, or through the
 * cluster bus to the node that holds it (robots also get them again with their next heartbeat),
 * and the dispatchers of all nodes are woken when work appears.
 */
export class RobotEvents implements RobotCommands {
  private waker: () => void = () => {};
  private bus: ClusterBus | null = null;
  private wakePublished: NodeJS.Timeout | null = null;

  constructor(private readonly hub: RobotHub) {}

  /** Set by the node that runs a dispatcher. */
  onWake(waker: () => void): void {
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

  wakeDispatcher(): void {
    this.waker();
    // Other nodes' robots may take the work: one notification for a burst of wake-ups.
    if (!this.bus || this.wakePublished) return;
    this.wakePublished = setTimeout(() => {
      this.wakePublished = null;
      this.bus?.publish({ type: "wake" });
    }, 20);
    this.wakePublished.unref();
  }

  stop(sessionId: number, jobKey: string, mode: "stop" | "kill"): void {
    const local = this.hub.get(sessionId);
    if (local) local.send({ type: "stop", jobKey, mode });
    else this.bus?.publish({ type: "stop", sessionId, jobKey, mode });
  }
}
