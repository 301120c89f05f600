import type { Logger } from "../platform/logger.js";

/**
 * Runs `task` now and then every `intervalMs`, one run at a time; errors are logged, never
 * thrown, so one bad round does not stop the loop.
 */
export function startPeriodic(name: string, intervalMs: number, task: () => Promise<unknown>, logger: Logger) {
  let current: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const run = () => {
    current = task().catch((error: unknown) => logger.error({ err: error, task: name }, "background task failed"));
  };
  run();
  const timer = setInterval(() => {
    if (!stopped) void current.then(run);
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
