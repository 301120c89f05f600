import type { Clock } from "../platform/clock.js";
import type { Logger } from "../platform/logger.js";
import type { QueueTriggers } from "../services/triggers/queue-triggers.js";
import type { TriggerAlerts } from "../services/triggers/trigger-alerts.js";
import type { TriggerFiring } from "../services/triggers/trigger-firing.js";

/** How often overdue trigger jobs (pending or running too long) are looked for. */
const alertSweepMs = 10_000;
/** How often every enabled queue trigger is re-checked (deferred items that became due, jobs that ended). */
export const queueCheckMs = 5_000;

/**
 * Fires time triggers: each round fires everything due (TriggerFiring.fireDue, exactly once
 * across nodes), then sleeps until the earliest next fire time, at most `pollMs` — so a fire
 * time is met within milliseconds on an idle node, and a trigger created or changed on another
 * node is seen within `pollMs`. Any number of nodes may run it at once.
 *
 * Queue triggers are re-checked every `queueCheckMs` (and when woken): the guarantee behind the
 * prompt evaluation on item adds (QueueTriggers.evaluate, at most the maximum across nodes).
 */
export class Scheduler {
  private running = false;
  private done: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private kicked = false;
  private lastAlertSweep = 0;
  private lastQueueCheck = 0;

  constructor(
    private readonly firing: TriggerFiring,
    private readonly alerts: TriggerAlerts,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly pollMs = 1000,
    private readonly queueTriggers: QueueTriggers | null = null,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.done;
  }

  /** Re-plans at once (a trigger of this node was created or changed). */
  wake(): void {
    this.kicked = true;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const woken = this.kicked;
      this.kicked = false;
      let sleepMs = this.pollMs;
      try {
        await this.firing.fireDue(this.clock.now());
        if (this.queueTriggers && (woken || Date.now() - this.lastQueueCheck >= queueCheckMs)) {
          this.lastQueueCheck = Date.now();
          await this.queueTriggers.evaluateAll();
        }
        if (Date.now() - this.lastAlertSweep >= alertSweepMs) {
          this.lastAlertSweep = Date.now();
          await this.alerts.sweep(this.clock.now());
        }
        const next = await this.firing.nextDueAt();
        if (next) sleepMs = Math.max(5, Math.min(this.pollMs, next.getTime() - this.clock.now().getTime()));
      } catch (error) {
        this.logger.error({ err: error }, "scheduler round failed");
      }
      if (!this.running) break;
      if (!this.kicked) await this.sleep(sleepMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wakeUp = null;
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
