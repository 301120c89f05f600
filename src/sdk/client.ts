/**
 * The SDK's HTTP client: calls Dirigent with the running job's token (`DIRIGENT_URL`,
 * `DIRIGENT_JOB_TOKEN`) and retries transient failures — network errors and 502/503/504 (a
 * restarting server, maintenance) — with exponential backoff. Shared by every SDK area
 * (queues, assets, buckets). Imports nothing outside node's globals, so it bundles anywhere.
 */

export interface ClientOptions {
  /** Server base URL (default: DIRIGENT_URL). */
  url?: string | undefined;
  /** The job token (default: DIRIGENT_JOB_TOKEN). */
  token?: string | undefined;
  /** Attempts for a transient failure, the first included (default 6). */
  attempts?: number | undefined;
  /** First backoff delay in ms, doubled per attempt up to 5 s (default 200). */
  backoffMs?: number | undefined;
}

/** An answer of the API that was not a success: its status and problem+json body. */
export class DirigentApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { type?: string; title?: string; detail?: string; errors?: { path: string; message: string }[] },
  ) {
    super(`${status} ${problem.type ?? "error"}: ${problem.detail ?? problem.title ?? "request failed"}`);
    this.name = "DirigentApiError";
  }
}

const transientStatuses = new Set([502, 503, 504]);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class DirigentClient {
  private readonly url: string;
  private readonly token: string;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(options: ClientOptions = {}) {
    const url = options.url ?? process.env.DIRIGENT_URL;
    const token = options.token ?? process.env.DIRIGENT_JOB_TOKEN;
    if (!url || !token)
      throw new Error("dirigent/sdk needs DIRIGENT_URL and DIRIGENT_JOB_TOKEN (set by the robot for a running job).");
    this.url = url.replace(/\/+$/, "");
    this.token = token;
    this.attempts = Math.max(1, options.attempts ?? 6);
    this.backoffMs = options.backoffMs ?? 200;
  }

  /**
   * Sends a request under /api/v1 and returns the parsed JSON body (null for 204). Throws
   * DirigentApiError for 4xx and for 5xx after the last attempt.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T | null }> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.url}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(body !== undefined && { "content-type": "application/json" }),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
      } catch (error) {
        // A network error (refused, reset, DNS): the request may not have arrived; try again.
        if (attempt >= this.attempts) throw error;
        await this.backoff(attempt);
        continue;
      }
      if (transientStatuses.has(res.status) && attempt < this.attempts) {
        await res.body?.cancel();
        const retryAfter = Number(res.headers.get("retry-after"));
        await (retryAfter > 0 ? sleep(Math.min(retryAfter, 30) * 1000) : this.backoff(attempt));
        continue;
      }
      const text = await res.text();
      const parsed = text ? (JSON.parse(text) as unknown) : null;
      if (!res.ok) throw new DirigentApiError(res.status, (parsed ?? {}) as DirigentApiError["problem"]);
      return { status: res.status, body: parsed as T | null };
    }
  }

  private backoff(attempt: number): Promise<void> {
    const delay = Math.min(5000, this.backoffMs * 2 ** (attempt - 1));
    // Jitter, so many robots retrying after one outage do not come back in step.
    return sleep(delay / 2 + Math.random() * (delay / 2));
  }
}

let shared: DirigentClient | null = null;

/** The client of the running job (created on first use from the environment). */
export function jobClient(): DirigentClient {
  shared ??= new DirigentClient();
  return shared;
}
