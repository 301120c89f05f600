import type { Logger } from "../platform/logger.js";

/** Longest pause between two tries of a failing loop. */
const maxBackoffMs = 30_000;

/**
 * A background loop's run of failures: the first failure of a streak is logged (with its
 * error), later ones only at debug level, and the first success after it says how long the
 * outage lasted. The pause before the next try doubles per failure up to 30 s, so a database
 * outage costs neither a log line per tick nor a busy loop.
 */
export class FailureStreak {
  private failures = 0;
  private since = 0;

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Records a failure; returns how long to wait before the next try (at least `normalMs`). */
  failed(error: unknown, normalMs: number): number {
    this.failures += 1;
    if (this.failures === 1) {
      this.since = Date.now();
      this.logger.error({ err: error, loop: this.name }, `${this.name} failed; retrying with backoff`);
    } else {
      this.logger.debug({ err: error, loop: this.name, failures: this.failures }, `${this.name} failed again`);
    }
    return Math.min(maxBackoffMs, Math.max(normalMs, 250 * 2 ** (this.failures - 1)));
  }

  succeeded(): void {
    if (this.failures === 0) return;
    this.logger.info(
      { loop: this.name, failures: this.failures, seconds: Math.round((Date.now() - this.since) / 1000) },
      `${this.name} recovered`,
    );
    this.failures = 0;
  }
}
