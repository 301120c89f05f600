import type { JobState } from "../../shared/jobs.js";
import type { Db } from "../../storage/database.js";
import type { JobRow, QueueItemRow, QueueRow, TriggerRow } from "../../storage/schema.js";
import type { NewAlert } from "../alerts/alert-service.js";

/**
 * Something that happened in the domain, told inside the transaction that made it happen. Listeners
 * (the webhook outbox, the monitoring rollups) write their rows with the same `db`, so what they
 * record commits or rolls back with the change itself and a crash loses none of it.
 */
export type DomainEvent =
  /** A job was created (state pending). */
  | { type: "job.created"; job: JobRow }
  /** A job moved from `from` to `job.state` (running, stopping, a final state, …). */
  | { type: "job.stateChanged"; job: JobRow; from: JobState }
  /** A robot session opened (a robot connected) or closed. */
  | { type: "robot.connected" | "robot.disconnected"; session: RobotSessionEvent }
  /** Items were added to a queue. */
  | { type: "queueItem.added"; queue: QueueRow; items: QueueItemRow[] }
  /** An item's transaction ended (status successful or failed). */
  | { type: "queueItem.ended"; queue: QueueRow; item: QueueItemRow }
  /** A trigger's fire time failed to create its jobs. */
  | { type: "trigger.failed"; trigger: TriggerRow; fireTime: string; reason: string }
  /** An alert was raised. */
  | { type: "alert.raised"; alert: NewAlert; createdAt: string };

/** What robot events tell about the session. */
export interface RobotSessionEvent {
  id: number;
  tenant_id: number;
  machine_id: number;
  host_name: string;
  reason?: string | null;
}

export type DomainEventListener = (db: Db, event: DomainEvent) => Promise<void>;

/** The listeners of domain events; services emit, integrations listen. */
export class DomainEvents {
  private readonly listeners: DomainEventListener[] = [];

  on(listener: DomainEventListener): void {
    this.listeners.push(listener);
  }

  /** Runs every listener in turn inside the caller's transaction; a failing listener fails the change. */
  async emit(db: Db, event: DomainEvent): Promise<void> {
    for (const listener of this.listeners) await listener(db, event);
  }
}
