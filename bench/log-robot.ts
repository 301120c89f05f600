import { parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";
import { protocolVersion } from "../src/shared/protocol.js";
import type { LogEntry } from "../src/storage/sql/append-job-logs.js";

/**
 * The simulated robot of bench/logs.ts, in a worker thread of its own so that building,
 * serialising and masking its messages does not run on the server's thread (a real robot is
 * another machine). It says hello, tells the parent `welcomed`, waits for its job, makes its
 * messages, then sends them in batches with at most `window` unacknowledged and reports
 * `{ type: "done", seconds }` from the first send to the last acknowledgement.
 */
export interface LogRobotData {
  module: string;
  url: string;
  key: string;
  batches: number;
  batchLines: number;
  window: number;
}

export const logEntries = (from: number, count: number): LogEntry[] =>
  Array.from({ length: count }, (_, i) => ({
    timestamp: new Date().toISOString(),
    level: "info",
    message: `line ${from + i} of a log burst, about as long as a real automation's line`,
  }));

async function run({ url, key, batches, batchLines, window }: LogRobotData): Promise<void> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${key}` } });
  const inbox: { type: string; job?: { key: string }; seq?: number }[] = [];
  let notify = () => {};
  ws.on("message", (data) => {
    inbox.push(JSON.parse(data.toString()));
    notify();
  });
  const next = (type: string) =>
    new Promise<(typeof inbox)[number]>((resolve) => {
      const look = () => {
        const i = inbox.findIndex((m) => m.type === type);
        if (i < 0) return;
        notify = () => {};
        resolve(inbox.splice(i, 1)[0] as (typeof inbox)[number]);
      };
      notify = look;
      look();
    });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.send(
    JSON.stringify({
      type: "hello",
      protocolVersion,
      agentVersion: "bench",
      hostName: "sim",
      os: "linux",
      runningJobs: [],
    }),
  );
  await next("welcome");
  parentPort?.postMessage({ type: "welcomed" });
  const jobKey = (await next("assign")).job?.key as string;
  const messages = Array.from({ length: batches }, (_, b) =>
    JSON.stringify({ type: "logs", jobKey, seq: b + 1, entries: logEntries((b + 1) * batchLines, batchLines) }),
  );
  const started = performance.now();
  let sent = 0;
  let acked = 0;
  while (acked < batches) {
    while (sent < batches && sent - acked < window) {
      ws.send(messages[sent] as string);
      sent += 1;
    }
    const ack = await next("ack");
    acked = Math.max(acked, ack.seq ?? 0);
  }
  parentPort?.postMessage({ type: "done", seconds: (performance.now() - started) / 1000 });
  ws.terminate();
}

if (parentPort) await run(workerData as LogRobotData);
