import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../src/background/mailer.js";
import { retryWindowSeconds } from "../../src/services/email/notification-service.js";
import { dueNotice } from "../../src/services/licenses/license-service.js";

describe("retryDelaySeconds", () => {
  it("starts at one minute and doubles", () => {
    expect([1, 2, 3, 4, 5, 6].map(retryDelaySeconds)).toEqual([60, 120, 240, 480, 960, 1920]);
  });

  it("never waits more than an hour, nor less than a minute", () => {
    expect(retryDelaySeconds(7)).toBe(3600);
    expect(retryDelaySeconds(50)).toBe(3600);
    expect(retryDelaySeconds(10_000)).toBe(3600);
    expect(retryDelaySeconds(0)).toBe(60);
  });

  it("keeps retrying for the 48-hour window: about 50 attempts, none after it", () => {
    let elapsed = 0;
    let attempts = 0;
    while (elapsed + retryDelaySeconds(attempts + 1) <= retryWindowSeconds) {
      attempts += 1;
      elapsed += retryDelaySeconds(attempts);
    }
    expect(retryWindowSeconds).toBe(48 * 3600);
    expect(attempts).toBeGreaterThan(45);
    expect(attempts).toBeLessThan(60);
  });
});

describe("dueNotice", () => {
  const now = new Date("2025-06-01T12:00:00.000Z");
  const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000).toISOString();

  it("is silent more than 30 days ahead", () => {
    expect(dueNotice(inDays(45), now)).toBeNull();
    expect(dueNotice(inDays(30.01), now)).toBeNull();
  });

  it("names the nearest stage reached: 30, 7 or 1 days", () => {
    expect(dueNotice(inDays(30), now)).toBe("30");
    expect(dueNotice(inDays(12), now)).toBe("30");
    expect(dueNotice(inDays(7.01), now)).toBe("30");
    expect(dueNotice(inDays(7), now)).toBe("7");
    expect(dueNotice(inDays(5), now)).toBe("7");
    expect(dueNotice(inDays(1.5), now)).toBe("7");
    expect(dueNotice(inDays(1), now)).toBe("1");
    expect(dueNotice(inDays(0.01), now)).toBe("1");
  });

  it("says expired at and after the expiry", () => {
    expect(dueNotice(now.toISOString(), now)).toBe("expired");
    expect(dueNotice(inDays(-3), now)).toBe("expired");
  });
});
