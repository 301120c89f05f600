import { EventEmitter } from "node:events";

/**
 * In-process notice that a job has new log lines, so live log views (server-sent events) fetch
 * them at once instead of at their next poll. Views on other nodes still find them by polling.
 */
export class LogStream {
  private readonly events = new EventEmitter();

  constructor() {
    // Every open log view listens; there may be many.
    this.events.setMaxListeners(0);
  }

  publish(jobId: number): void {
    this.events.emit(String(jobId));
  }

  subscribe(jobId: number, listener: () => void): () => void {
    this.events.on(String(jobId), listener);
    return () => this.events.off(String(jobId), listener);
  }
}
