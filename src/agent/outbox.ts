import type { LogLevel } from "../shared/jobs.js";

export type LogEntry = { timestamp: string; level: LogLevel; message: string };

/** Sends to the server; false when not connected (the outbox keeps the message for later). */
export type Send = (message: object) => boolean;

/** What a job-finished report says, without its sequence number (given when it is first sent). */
export interface JobReport {
  type: "job-finished";
  jobKey: string;
  exitCode: number | null;
  outputArguments: Record<string, unknown> | null;
  error: string | null;
  stopped: boolean;
  started: boolean;
}

interface Batch {
  jobKey: string;
  seq: number;
  entries: LogEntry[];
  /** Sent on the current connection (and not yet acknowledged). */
  sent: boolean;
}

interface Result {
  jobKey: string;
  report: JobReport;
  seq: number | null;
  sent: boolean;
}

/** Lines per batch, and a bound on a batch's size well under the server's 1 MiB message limit. */
const batchLines = 500;
const batchChars = 256_000;

/**
 * What the agent owes the server: log lines and job results, kept until the server acknowledges
 * them. Lines are cut into batches, each with a sequence number per job (1, 2, …, for as long as
 * the agent process runs); a job's result takes the number after its last batch. The server
 * acknowledges a number once everything of the job up to it is committed; after a reconnect
 * everything unacknowledged goes out again, unchanged and in order, before anything newer, and
 * the server recognises what it had already stored by the number.
 *
 * At most `maxLines` lines are held (waiting or unacknowledged) while the agent cannot reach the
 * server; beyond that new lines are dropped and counted, and a note saying how many takes their
 * place once there is room again (or when the job ends). While connected nothing is dropped: the
 * executor stops reading the automations' output when the outbox is `full` (their pipes fill and
 * their writes wait) and reads on once it `hasRoom` again.
 */
export class Outbox {
  private readonly lines: { jobKey: string; entry: LogEntry }[] = [];
  private batches: Batch[] = [];
  private results: Result[] = [];
  private readonly nextSeq = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  /** Lines waiting plus lines in unacknowledged batches. */
  private held = 0;

  constructor(private readonly maxLines: number) {}

  /** Holds a line; beyond `maxLines` only a line that must be `kept` (the agent is connected). */
  addLine(jobKey: string, entry: LogEntry, keep = false): void {
    if (this.held >= this.maxLines && !keep) {
      this.dropped.set(jobKey, (this.dropped.get(jobKey) ?? 0) + 1);
      return;
    }
    this.noteDropped(jobKey);
    this.lines.push({ jobKey, entry });
    this.held += 1;
  }

  /** The job ended: its result goes out after its last lines. */
  addResult(report: JobReport): void {
    this.noteDropped(report.jobKey);
    this.results.push({ jobKey: report.jobKey, report, seq: null, sent: false });
  }

  /** A new connection: everything unacknowledged must be sent again. */
  resendAll(): void {
    for (const b of this.batches) b.sent = false;
    for (const r of this.results) r.sent = false;
  }

  /** The server could not store some of the job's messages: its unacknowledged ones go out again. */
  resendJob(jobKey: string): void {
    for (const b of this.batches) if (b.jobKey === jobKey) b.sent = false;
    for (const r of this.results) if (r.jobKey === jobKey) r.sent = false;
  }

  /**
   * Sends what this connection has not had yet, in order: unacknowledged batches, the waiting
   * lines as new batches, then results. Stops at the first message that cannot be sent.
   */
  flush(send: Send): void {
    for (const b of this.batches) {
      if (b.sent) continue;
      if (!send({ type: "logs", jobKey: b.jobKey, seq: b.seq, entries: b.entries })) return;
      b.sent = true;
    }
    while (this.lines.length > 0) {
      const jobKey = (this.lines[0] as { jobKey: string }).jobKey;
      const entries: LogEntry[] = [];
      let chars = 0;
      for (const item of this.lines) {
        if (item.jobKey !== jobKey || entries.length >= batchLines) break;
        if (entries.length > 0 && chars + item.entry.message.length > batchChars) break;
        entries.push(item.entry);
        chars += item.entry.message.length;
      }
      this.lines.splice(0, entries.length);
      const batch: Batch = { jobKey, seq: this.take(jobKey), entries, sent: false };
      this.batches.push(batch);
      if (!send({ type: "logs", jobKey, seq: batch.seq, entries })) return;
      batch.sent = true;
    }
    for (const r of this.results) {
      if (r.sent) continue;
      // Numbered when first sent: after every batch of the job (no line comes after its result).
      r.seq ??= this.take(r.jobKey);
      if (!send({ ...r.report, seq: r.seq })) return;
      r.sent = true;
    }
  }

  /** The server committed everything of the job up to `seq`. */
  ack(jobKey: string, seq: number): void {
    this.batches = this.batches.filter((b) => {
      const done = b.jobKey === jobKey && b.seq <= seq;
      if (done) this.held -= b.entries.length;
      return !done;
    });
    const before = this.results.length;
    this.results = this.results.filter((r) => !(r.jobKey === jobKey && r.seq !== null && r.seq <= seq));
    if (this.results.length < before) {
      // The job is over for the server too: nothing of it will come again.
      this.nextSeq.delete(jobKey);
      this.dropped.delete(jobKey);
    }
  }

  /** Jobs with lines or a result the server has not acknowledged yet. */
  jobKeys(): Set<string> {
    const keys = new Set<string>();
    for (const l of this.lines) keys.add(l.jobKey);
    for (const b of this.batches) keys.add(b.jobKey);
    for (const r of this.results) keys.add(r.jobKey);
    return keys;
  }

  /** As many lines held as the bound allows: time to stop reading output. */
  get full(): boolean {
    return this.held >= this.maxLines;
  }

  /** Acknowledgements brought the held lines down to half the bound: read output again. */
  get hasRoom(): boolean {
    return this.held <= this.maxLines / 2;
  }

  /** Lines not yet cut into a batch: a whole batch's worth goes out without waiting for the timer. */
  get batchWaiting(): boolean {
    return this.lines.length >= batchLines;
  }

  get empty(): boolean {
    return this.lines.length === 0 && this.batches.length === 0 && this.results.length === 0;
  }

  private take(jobKey: string): number {
    const seq = this.nextSeq.get(jobKey) ?? 1;
    this.nextSeq.set(jobKey, seq + 1);
    return seq;
  }

  private noteDropped(jobKey: string): void {
    const count = this.dropped.get(jobKey);
    if (!count) return;
    this.dropped.delete(jobKey);
    this.lines.push({
      jobKey,
      entry: {
        timestamp: new Date().toISOString(),
        level: "warn",
        message: `${count} log lines were dropped while the server could not be reached.`,
      },
    });
    this.held += 1;
  }
}
