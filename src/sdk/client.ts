/**
 * How the SDK calls Dirigent from inside a running job: `DIRIGENT_URL` + `/api/v1` and
 * `Authorization: Bearer $DIRIGENT_JOB_TOKEN` (the job token: a robot's rights in the job's
 * folder, while the job runs). Transient failures — the connection refused or reset, a timeout,
 * 502/503/504 — are retried with exponential backoff; other answers are final.
 */

export interface ClientOptions {
  /** Server base URL; default `DIRIGENT_URL`. */
  url?: string | undefined;
  /** Job token; default `DIRIGENT_JOB_TOKEN`. */
  token?: string | undefined;
  /** Attempts in all, the first included (default 5). */
  attempts?: number | undefined;
  /** Delay before the first retry in ms, doubled each time (default 250). */
  backoffMs?: number | undefined;
}

/** An error answer of Dirigent (problem+json): its HTTP status and stable `type`. */
export class DirigentError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly problem: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = "DirigentError";
  }
}

/** What fetch accepts as a request body. */
export type Body = NonNullable<NonNullable<Parameters<typeof fetch>[1]>["body"]>;

export interface RequestInit {
  method?: string;
  /** A body that can be sent again on a retry (a function is called once per attempt). */
  body?: string | Uint8Array | (() => Body) | undefined;
  headers?: Record<string, string>;
  /** Statuses returned to the caller instead of thrown (e.g. 404 for "none"). */
  accept?: number[];
}

const transientStatuses = new Set([502, 503, 504]);
const transientCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "UND_ERR_SOCKET"]);

/** Whether an error thrown by fetch is worth another attempt (the network, not the request). */
function isTransient(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  return error instanceof TypeError && (cause?.code === undefined || transientCodes.has(cause.code));
}

/**
 * Calls `path` (below `/api/v1`) with the job token; returns the response of the first attempt
 * that is not transient. Error answers become a DirigentError unless listed in `accept`.
 */
export async function jobRequest(path: string, init: RequestInit = {}, options: ClientOptions = {}): Promise<Response> {
  const base = options.url ?? process.env.DIRIGENT_URL;
  const token = options.token ?? process.env.DIRIGENT_JOB_TOKEN;
  if (!base || !token) {
    throw new DirigentError(
      0,
      "not-in-a-job",
      "DIRIGENT_URL and DIRIGENT_JOB_TOKEN are not set: is this running as a Dirigent job?",
    );
  }
  const attempts = Math.max(1, options.attempts ?? 5);
  const backoff = options.backoffMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    let response: Response | null = null;
    try {
      const body = typeof init.body === "function" ? init.body() : init.body;
      response = await fetch(`${base.replace(/\/+$/, "")}/api/v1${path}`, {
        method: init.method ?? "GET",
        headers: { authorization: `Bearer ${token}`, ...init.headers },
        ...(body !== undefined && { body, duplex: "half" }),
      } as globalThis.RequestInit);
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
    }
    if (response) {
      if (!transientStatuses.has(response.status) || attempt >= attempts) {
        if (response.ok || init.accept?.includes(response.status)) return response;
        throw await toError(response);
      }
      await response.body?.cancel();
    }
    // Exponential backoff with jitter, so many robots do not retry in step.
    const delay = backoff * 2 ** (attempt - 1);
    await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * (delay / 2)));
  }
}

/** Calls `path` and parses its JSON answer. */
export async function jobJson<T>(path: string, init: RequestInit = {}, options: ClientOptions = {}): Promise<T> {
  const response = await jobRequest(path, init, options);
  return (await response.json()) as T;
}

async function toError(response: Response): Promise<DirigentError> {
  const text = await response.text().catch(() => "");
  let problem: Record<string, unknown> | null = null;
  try {
    problem = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    problem = null;
  }
  const type = typeof problem?.type === "string" ? problem.type : "http-error";
  const detail = typeof problem?.detail === "string" ? problem.detail : text || response.statusText;
  return new DirigentError(response.status, type, `${response.status} ${type}: ${detail}`, problem);
}
