import type { Logger } from "../platform/logger.js";
import { FailureStreak } from "./failure-streak.js";

/**
 * Runs `task` now and then `intervalMs` after each run ends: one run at a time, never two
 * overlapping, and none after `stop()`. Failures are logged once per streak and back off (see
 * FailureStreak), so one bad round does not stop the loop and an outage does not flood the log.
 */
export function startPeriodic(name: string, intervalMs: number, task: () => Promise<unknown>, logger: Logger) {
  const streak = new FailureStreak(`background task ${name}`, logger);
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> = Promise.resolve();

  const run = async () => {
    timer = null;
    let delay = intervalMs;
    try {
      await task();
      streak.succeeded();
    } catch (error) {
      delay = streak.failed(error, intervalMs);
    }
    if (!stopped) {
      timer = setTimeout(() => {
        current = run();
      }, delay);
      timer.unref();
    }
  };
  current = run();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
