import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/domain/csv.js";
import { parseDate } from "../../src/services/queues/queue-item-ops.js";
import {
  canMoveQueueItem,
  finalQueueItemStatuses,
  isFinalQueueItemStatus,
  queueItemStatuses,
  queueItemTransitions,
} from "../../src/shared/queues.js";

describe("queue item states", () => {
  it("has seven statuses; final ones move only from failed/abandoned to retried", () => {
    expect(queueItemStatuses).toEqual(["new", "inProgress", "failed", "successful", "abandoned", "retried", "deleted"]);
    expect(finalQueueItemStatuses.filter(isFinalQueueItemStatus)).toHaveLength(5);
    expect(isFinalQueueItemStatus("new")).toBe(false);
    expect(isFinalQueueItemStatus("inProgress")).toBe(false);
    for (const s of finalQueueItemStatuses)
      expect(queueItemTransitions[s]).toEqual(s === "failed" || s === "abandoned" ? ["retried"] : []);
    expect(canMoveQueueItem("new", "inProgress")).toBe(true);
    expect(canMoveQueueItem("new", "successful")).toBe(false);
    expect(canMoveQueueItem("successful", "failed")).toBe(false);
  });
});

describe("queue dates", () => {
  it("reads ISO dates and date-times as UTC and refuses impossible ones", () => {
    expect(parseDate("2030-01-01")).toBe("2030-01-01T00:00:00.000Z");
    expect(parseDate("2030-01-01T10:00:00+01:00")).toBe("2030-01-01T09:00:00.000Z");
    expect(parseDate("2030-01-01 10:30")).toBe("2030-01-01T10:30:00.000Z");
    expect(parseDate("2030-01-01T10:00:00.123456Z")).toBe("2030-01-01T10:00:00.123Z");
    for (const bad of ["2026-02-30", "2026-13-01", "2026-01-01T24:00:00Z", "tomorrow", "", "2026-1-1", "12345-01-01"])
      expect(parseDate(bad), bad).toBeNull();
  });
});

describe("CSV parsing", () => {
  it("reads quoted fields, doubled quotes, CRLF and a byte-order mark, skipping blank lines", () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n\r\nlast,\n')).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"'],
      ["last", ""],
    ]);
  });
});
