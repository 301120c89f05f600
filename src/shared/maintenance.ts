/**
 * Maintenance mode of the whole installation or of one tenant (orchestrator-spec §2.5):
 * none → draining → suspended → none. `draining` may also end directly.
 */
export const MaintenancePhase = {
  none: "none",
  draining: "draining",
  suspended: "suspended",
} as const;

export type MaintenancePhase = (typeof MaintenancePhase)[keyof typeof MaintenancePhase];

/** Which phase may follow which. Ending maintenance is the move to `none`. */
export const maintenanceTransitions: Readonly<Record<MaintenancePhase, readonly MaintenancePhase[]>> = {
  none: ["draining"],
  draining: ["suspended", "none"],
  suspended: ["none"],
};

export function canMoveMaintenance(from: MaintenancePhase, to: MaintenancePhase): boolean {
  return maintenanceTransitions[from].includes(to);
}

export function isUnderMaintenance(phase: MaintenancePhase): boolean {
  return phase !== MaintenancePhase.none;
}
