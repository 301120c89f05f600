import { describe, expect, it } from "vitest";
import { alertMessage } from "../../src/shared/alerts.js";
import { triggerReasonCodes, triggerReasonText } from "../../src/shared/trigger-reasons.js";

describe("a trigger's disabled reason", () => {
  it("has an English and a German sentence for every code", () => {
    for (const code of triggerReasonCodes) {
      const en = triggerReasonText(code, { count: 2, days: 3 }, "en");
      const de = triggerReasonText(code, { count: 2, days: 3 }, "de");
      expect(en, code).toBeTruthy();
      expect(de, code).toBeTruthy();
      expect(de).not.toBe(en);
    }
  });

  it("counts jobs and days in the reader's language", () => {
    expect(triggerReasonText("jobs-failed", { count: 2, days: 1 }, "en")).toBe("Its last 2 jobs failed within 1 day.");
    expect(triggerReasonText("jobs-failed", { count: 1, days: 7 }, "de")).toBe(
      "Sein letzter Job ist innerhalb von 7 Tagen fehlgeschlagen.",
    );
    expect(triggerReasonText("unknown-code", null, "de")).toBeNull();
  });

  it("words the trigger-disabled alert from the code, and older alerts from their English text", () => {
    const details = {
      triggerName: "Nightly",
      reason: "Its last 2 jobs failed within 1 day.",
      reasonCode: "jobs-failed",
      count: 2,
      days: 1,
    };
    expect(alertMessage("trigger-disabled", details, "de")).toBe(
      "Trigger Nightly wurde deaktiviert: Seine letzten 2 Jobs sind innerhalb eines Tages fehlgeschlagen.",
    );
    expect(alertMessage("trigger-disabled", { triggerName: "Old", reason: "Its end date has passed." }, "de")).toBe(
      "Trigger Old wurde deaktiviert: Its end date has passed.",
    );
  });
});
