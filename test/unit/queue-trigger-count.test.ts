import { describe, expect, it } from "vitest";
import { jobsToStart } from "../../src/services/triggers/queue-triggers.js";

const config = (minItems: number, maxJobs: number, itemsPerJob: number) => ({
  queueId: 1,
  minItems,
  maxJobs,
  itemsPerJob,
});

describe("jobsToStart (queue triggers)", () => {
  it("starts nothing below minItems", () => {
    expect(jobsToStart(config(3, 5, 1), 2, 0)).toBe(0);
    expect(jobsToStart(config(3, 5, 1), 3, 0)).toBe(3);
  });
  it("starts one job per itemsPerJob items, rounded up, at most the maximum", () => {
    expect(jobsToStart(config(1, 10, 2), 5, 0)).toBe(3);
    expect(jobsToStart(config(1, 2, 2), 50, 0)).toBe(2);
    expect(jobsToStart(config(1, 1, 1), 1, 0)).toBe(1);
  });
  it("subtracts the open jobs and never goes below 0", () => {
    expect(jobsToStart(config(1, 3, 1), 1, 1)).toBe(0); // a re-check does not start a second job for one item
    expect(jobsToStart(config(1, 3, 1), 5, 2)).toBe(1);
    expect(jobsToStart(config(1, 3, 1), 5, 3)).toBe(0);
    expect(jobsToStart(config(1, 3, 1), 5, 7)).toBe(0); // more open than the maximum (it was lowered)
  });
});
