import { ping } from "../../storage/dialect.js";
import type { ServiceContext } from "../context.js";

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  /** Why the check failed, in one line (never credentials: driver messages name hosts and users, not passwords). */
  error?: string;
}

export interface Readiness {
  ready: boolean;
  checks: { database: CheckResult };
}

/** A readiness probe gives up on a check after this long: load balancers probe every few seconds. */
const checkTimeoutMs = 2000;

/** Whether this node can serve requests that need the database (for load balancers and orchestrators). */
export class ReadinessService {
  constructor(private readonly ctx: ServiceContext) {}

  async check(): Promise<Readiness> {
    const database = await timed(() => ping(this.ctx.db));
    return { ready: database.ok, checks: { database } };
  }
}

async function timed(check: () => Promise<void>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? error.message || error.name : String(error);
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: message.slice(0, 300) };
  } finally {
    clearTimeout(timer);
  }
}
