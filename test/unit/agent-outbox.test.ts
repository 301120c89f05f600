import { describe, expect, it } from "vitest";
import { type JobReport, Outbox } from "../../src/agent/outbox.js";

// biome-ignore lint/suspicious/noExplicitAny: the messages are plain JSON.
type Sent = any;

const entry = (message: string) => ({ timestamp: "2026-01-01T00:00:00.000Z", level: "info" as const, message });
const report = (jobKey: string): JobReport => ({
  type: "job-finished",
  jobKey,
  exitCode: 0,
  outputArguments: null,
  error: null,
  stopped: false,
  started: true,
});

/** A connection that takes every message, or refuses from the `failAfter`-th on. */
function wire(failAfter = Number.POSITIVE_INFINITY) {
  const sent: Sent[] = [];
  return {
    sent,
    send: (message: object) => {
      if (sent.length >= failAfter) return false;
      sent.push(message);
      return true;
    },
  };
}

const summary = (sent: Sent[]) =>
  sent.map((m) =>
    m.type === "logs"
      ? `${m.jobKey}#${m.seq}:${m.entries.map((e: Sent) => e.message).join(",")}`
      : `${m.jobKey}#${m.seq}:end`,
  );

describe("the agent's outbox", () => {
  it("numbers batches per job and the result after the job's last batch", () => {
    const outbox = new Outbox(100);
    const a = wire();
    outbox.addLine("A", entry("a1"));
    outbox.addLine("B", entry("b1"));
    outbox.addLine("A", entry("a2"));
    outbox.flush(a.send);
    outbox.addLine("A", entry("a3"));
    outbox.addResult(report("A"));
    outbox.flush(a.send);
    expect(summary(a.sent)).toEqual(["A#1:a1", "B#1:b1", "A#2:a2", "A#3:a3", "A#4:end"]);
  });

  it("sends everything unacknowledged again after a reconnect, unchanged and before newer lines", () => {
    const outbox = new Outbox(100);
    const first = wire();
    outbox.addLine("A", entry("a1"));
    outbox.flush(first.send);
    outbox.addLine("A", entry("a2"));
    outbox.flush(first.send);
    outbox.ack("A", 1);
    outbox.addLine("A", entry("a3"));
    outbox.addResult(report("A"));
    // The connection is gone: nothing goes out, nothing is lost.
    outbox.flush(wire(0).send);
    outbox.resendAll();
    const second = wire();
    outbox.flush(second.send);
    expect(summary(second.sent)).toEqual(["A#2:a2", "A#3:a3", "A#4:end"]);
    expect(outbox.jobKeys()).toEqual(new Set(["A"]));
    // Acknowledging the result settles everything of the job up to it.
    outbox.ack("A", 4);
    expect(outbox.empty).toBe(true);
  });

  it("does not send a batch twice on one connection, and stops at the first message that cannot be sent", () => {
    const outbox = new Outbox(100);
    outbox.addLine("A", entry("a1"));
    outbox.addLine("B", entry("b1"));
    const flaky = wire(1);
    outbox.flush(flaky.send);
    expect(summary(flaky.sent)).toEqual(["A#1:a1"]);
    const next = wire();
    outbox.flush(next.send);
    expect(summary(next.sent)).toEqual(["B#1:b1"]);
  });

  it("drops lines beyond its bound, counts them, and puts a note where they were lost", () => {
    const outbox = new Outbox(2);
    outbox.addLine("A", entry("a1"));
    outbox.addLine("A", entry("a2"));
    outbox.addLine("A", entry("a3"));
    outbox.addLine("A", entry("a4"));
    const a = wire();
    outbox.flush(a.send);
    // Sent but not acknowledged still counts: the bound is on what the agent holds.
    outbox.addLine("A", entry("a5"));
    outbox.ack("A", 1);
    outbox.addLine("A", entry("a6"));
    outbox.addResult(report("A"));
    outbox.flush(a.send);
    expect(summary(a.sent)).toEqual([
      "A#1:a1,a2",
      "A#2:3 log lines were dropped while the server could not be reached.,a6",
      "A#3:end",
    ]);
  });

  it("keeps batches under the size a server accepts", () => {
    const outbox = new Outbox(10_000);
    for (let i = 0; i < 20; i++) outbox.addLine("A", entry("x".repeat(30_000)));
    const a = wire();
    outbox.flush(a.send);
    expect(a.sent.length).toBeGreaterThan(1);
    for (const m of a.sent) expect(JSON.stringify(m).length).toBeLessThan(1024 * 1024);
    expect(a.sent.flatMap((m: Sent) => m.entries)).toHaveLength(20);
  });

  it("sends one job's unacknowledged batches and result again, in order, when the server asks for a retry", () => {
    const outbox = new Outbox(100);
    outbox.addLine("a", entry("a1"));
    outbox.addLine("b", entry("b1"));
    outbox.addLine("a", entry("a2"));
    outbox.addResult(report("a"));
    const first = wire();
    outbox.flush(first.send);
    expect(summary(first.sent)).toEqual(["a#1:a1", "b#1:b1", "a#2:a2", "a#3:end"]);
    outbox.ack("a", 1);
    outbox.resendJob("a");
    const second = wire();
    outbox.flush(second.send);
    // Only job a, from its first unacknowledged batch; job b's batch is in flight and stays so.
    expect(summary(second.sent)).toEqual(["a#2:a2", "a#3:end"]);
  });
});
