import { EventEmitter } from "node:events";

/**
 * In-process notice that monitoring numbers of a tenant changed (a job was created or moved), so
 * live dashboards (server-sent events) recompute at once instead of at their next round. The
 * notice is delayed a little: listeners hear of a change inside its transaction, and the numbers
 * are readable only once it committed. Dashboards on other nodes find changes at their next round.
 */
export class MonitoringHub {
  private readonly events = new EventEmitter();
  private readonly pending = new Set<number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly delayMs = 200) {
    this.events.setMaxListeners(0);
  }

  /** Tells the dashboards of `tenantId` (and the host dashboard) soon. */
  changed(tenantId: number): void {
    this.pending.add(tenantId);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const tenants = [...this.pending];
      this.pending.clear();
      for (const id of tenants) this.events.emit(String(id));
      this.events.emit("host");
    }, this.delayMs);
    this.timer.unref();
  }

  /** Listens to one tenant's changes, or to every change with `"host"`. */
  subscribe(scope: number | "host", listener: () => void): () => void {
    this.events.on(String(scope), listener);
    return () => this.events.off(String(scope), listener);
  }
}
