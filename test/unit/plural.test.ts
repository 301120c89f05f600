import { describe, expect, it } from "vitest";
import { alertMessage } from "../../src/shared/alerts.js";
import { jobReasonText } from "../../src/shared/job-reasons.js";
import { isSingular } from "../../src/shared/plural.js";

describe("plurals in server sentences", () => {
  it("picks the singular by the language's rules, and the plural for anything that is not a number", () => {
    expect([1, 0, 2, 1.5].map((n) => isSingular("en", n))).toEqual([true, false, false, false]);
    expect([1, 0, 2].map((n) => isSingular("de", n))).toEqual([true, false, false]);
    expect(isSingular("en", "1")).toBe(true);
    expect([null, undefined, "", "x"].map((v) => isSingular("en", v))).toEqual([false, false, false, false]);
  });

  it("writes alerts with counts without (s) or (e)", () => {
    const breached = (count: number, locale: "en" | "de") =>
      alertMessage("queue-sla-breached", { count, queueName: "Orders" }, locale);
    expect(breached(1, "en")).toBe("1 item of queue Orders missed its SLA deadline.");
    expect(breached(3, "en")).toBe("3 items of queue Orders missed their SLA deadline.");
    expect(breached(1, "de")).toBe("1 Element der Warteschlange Orders hat seine SLA-Frist verfehlt.");
    expect(breached(3, "de")).toBe("3 Elemente der Warteschlange Orders haben ihre SLA-Frist verfehlt.");
    const expiring = (days: number, locale: "en" | "de") =>
      alertMessage("license-expiring", { days, tenantName: "Default" }, locale);
    expect(expiring(1, "en")).toBe("The license of tenant Default expires in 1 day.");
    expect(expiring(7, "de")).toBe("Die Lizenz des Mandanten Default läuft in 7 Tagen ab.");
    for (const kind of ["queue-items-abandoned", "queue-sla-at-risk", "queue-sla-breached"]) {
      for (const locale of ["en", "de"] as const) {
        for (const count of [1, 2])
          expect(alertMessage(kind, { count, queueName: "Q" }, locale)).not.toMatch(/\(\w+\)/);
      }
    }
  });

  it("writes the queue trigger's start reason in the singular and the plural", () => {
    const reason = (waiting: number, open: number, locale: "en" | "de") =>
      jobReasonText("started-queue-trigger", { trigger: "Orders", waiting, open }, locale);
    expect(reason(1, 1, "en")).toBe('Started by queue trigger "Orders" (1 item waiting, 1 job open)');
    expect(reason(5, 0, "en")).toBe('Started by queue trigger "Orders" (5 items waiting, 0 jobs open)');
    expect(reason(1, 2, "de")).toBe("Vom Warteschlangen-Trigger „Orders“ gestartet (1 Element wartend, 2 Jobs offen)");
  });
});
