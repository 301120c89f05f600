import { describe, expect, it } from "vitest";
import {
  canMoveMaintenance,
  isUnderMaintenance,
  MaintenancePhase,
  maintenanceTransitions,
} from "../../src/shared/maintenance.js";

const phases = Object.values(MaintenancePhase);
const allowed = new Set(["none>draining", "draining>suspended", "draining>none", "suspended>none"]);

describe("maintenance transitions", () => {
  it.each(phases.flatMap((from) => phases.map((to) => [from, to] as const)))("%s → %s", (from, to) => {
    expect(canMoveMaintenance(from, to)).toBe(allowed.has(`${from}>${to}`));
  });

  it("has an entry for every phase", () => {
    expect(Object.keys(maintenanceTransitions).sort()).toEqual([...phases].sort());
  });

  it("counts draining and suspended as under maintenance", () => {
    expect(isUnderMaintenance(MaintenancePhase.none)).toBe(false);
    expect(isUnderMaintenance(MaintenancePhase.draining)).toBe(true);
    expect(isUnderMaintenance(MaintenancePhase.suspended)).toBe(true);
  });
});
