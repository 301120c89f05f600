import { expect } from "vitest";
import type { Api } from "./api.js";

export interface JobView {
  id: number;
  key: string;
  state: string;
  folderId: number;
  processId: number | null;
  processName: string;
  entryPoint: string;
  priority: number;
  targetMachineId: number | null;
  machineId: number | null;
  inputArguments: Record<string, unknown>;
  outputArguments: Record<string, unknown> | null;
  error?: string;
  source: string;
  createdBy: string;
  stopAfterSeconds: number | null;
  killAfterSeconds: number | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  timeline: { state: string; actor: string; reason: string | null; at: string }[];
}

export interface LogLine {
  id: number;
  timestamp: string;
  level: string;
  message: string;
}

export const finalStates = ["successful", "faulted", "stopped"];

/** `POST T/folders/{folder}/jobs`, expecting 201; returns the created jobs. */
export async function startJobs(api: Api, t: string, folderId: number, body: Record<string, unknown>) {
  const res = await api.post(`${t}/folders/${folderId}/jobs`, body);
  expect(res.status, res.text).toBe(201);
  return res.body.items as JobView[];
}

export async function getJob(api: Api, t: string, id: number | string): Promise<JobView> {
  const res = await api.get(`${t}/jobs/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.body as JobView;
}

/**
 * Polls a job until `done(job)` holds (by default: it reached a final state); fails with the
 * job's last state after `timeoutMs`.
 */
export async function waitForJob(
  api: Api,
  t: string,
  id: number,
  done: (job: JobView) => boolean = (j) => finalStates.includes(j.state),
  timeoutMs = 30_000,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  let job = await getJob(api, t, id);
  while (!done(job)) {
    if (Date.now() > deadline)
      throw new Error(`job ${id} did not reach the expected state in ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
    job = await getJob(api, t, id);
  }
  return job;
}

/** Waits for a job to be in one of `states`. */
export function waitForState(api: Api, t: string, id: number, states: string | string[], timeoutMs = 30_000) {
  const wanted = Array.isArray(states) ? states : [states];
  return waitForJob(api, t, id, (j) => wanted.includes(j.state), timeoutMs);
}

export async function logsOf(api: Api, t: string, id: number, query = ""): Promise<LogLine[]> {
  const res = await api.get(`${t}/jobs/${id}/logs${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as LogLine[];
}

/** Waits until the job's logs contain a line matching `pattern`. */
export async function waitForLog(api: Api, t: string, id: number, pattern: RegExp, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await logsOf(api, t, id);
    const found = lines.find((l) => pattern.test(l.message));
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(`job ${id} never logged ${pattern}: ${JSON.stringify(lines.map((l) => l.message))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
  /** When the event arrived (Date.now()). */
  receivedAt: number;
}

/**
 * Opens a server-sent-events stream and collects its events as they arrive. `closed` resolves
 * when the server ends the stream; `close()` aborts it.
 */
export async function openEventStream(url: string, token: string | undefined) {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...(token && { authorization: `Bearer ${token}` }) },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  let ended = false;
  const closed = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEvent = { event: "message", data: "", receivedAt: Date.now() };
          let isComment = true;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) {
              comments.push(line);
              continue;
            }
            isComment = false;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (field === "event") event.event = value;
            else if (field === "data") event.data = event.data ? `${event.data}\n${value}` : value;
            else if (field === "id") event.id = value;
          }
          if (!isComment) events.push(event);
          cut = buffer.indexOf("\n\n");
        }
        notify();
      }
    } catch (error) {
      if ((error as Error).name !== "AbortError") throw error;
    } finally {
      ended = true;
      notify();
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    closed,
    get ended() {
      return ended;
    },
    close: () => controller.abort(),
    /** Waits until `count` events matching `filter` arrived; returns them. */
    waitFor(filter: (e: SseEvent) => boolean, count = 1, timeoutMs = 20_000): Promise<SseEvent[]> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.filter(filter);
          if (found.length >= count) return finish(() => resolve(found));
          if (ended) finish(() => reject(new Error(`stream ended with ${JSON.stringify(events)}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no such event in ${timeoutMs} ms: ${JSON.stringify(events)}`))),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** The largest number of jobs running at the same moment, from their startedAt/endedAt. */
export function maxConcurrency(jobs: { startedAt: string | null; endedAt: string | null }[]): number {
  const points = jobs.flatMap((j) => [
    { at: Date.parse(j.startedAt ?? ""), delta: 1 },
    { at: Date.parse(j.endedAt ?? ""), delta: -1 },
  ]);
  // Ends before starts at the same instant: a slot freed and reused in the same millisecond is not overlap.
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let max = 0;
  for (const p of points) {
    current += p.delta;
    max = Math.max(max, current);
  }
  return max;
}
