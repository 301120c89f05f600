import { JobState } from "../../shared/jobs.js";
import type { ServiceContext } from "../context.js";
import type { MaintenanceService } from "../maintenance/maintenance-service.js";
import { type WaitingReason, waitingReason } from "./dispatch-rules.js";
import type { Job } from "./job-service.js";

/** What a reader of the API sees for each waiting reason (the UI words the code itself, in en and de). */
export function describeWaiting(reason: WaitingReason): string {
  switch (reason.code) {
    case "maintenance":
      return `The tenant is in maintenance (${reason.params.phase}); no job starts until it ends.`;
    case "licenseExpired":
      return "The tenant's license has expired; no job starts until it is renewed.";
    case "licenseSlots":
      return `All licensed robot slots of the tenant are running jobs (${reason.params.slots} ${reason.params.slots === 1 ? "slot" : "slots"}).`;
    case "noMachine":
      return "No machine serves this folder: add the folder to a machine.";
    case "targetMachineNotServing":
      return `The job's machine ${reason.params.machine} does not serve this folder.`;
    case "disconnected":
      return reason.params.count === 1
        ? `Machine ${reason.params.machines} is not connected.`
        : `None of the machines serving this folder is connected (${reason.params.machines}).`;
    case "slotsBusy":
      return `All slots of the connected machines are busy (${reason.params.slots} ${reason.params.slots === 1 ? "slot" : "slots"}).`;
    case "queued":
      return `${reason.params.ahead} ${reason.params.ahead === 1 ? "job comes" : "jobs come"} first (higher priority or older).`;
  }
}

/** A pending job's "waiting for": the dispatcher's rules (dispatch-rules.ts) applied to one job. */
export class JobWaiting {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly maintenance: MaintenanceService,
  ) {}

  async reasonFor(tenantId: number, job: Job): Promise<(WaitingReason & { message: string }) | null> {
    if (job.state !== JobState.pending) return null;
    const reason = await waitingReason(
      this.ctx.db,
      this.ctx.clock,
      {
        id: job.id,
        tenant_id: tenantId,
        folder_id: job.folderId,
        priority: job.priority,
        target_machine_id: job.targetMachineId,
      },
      await this.maintenance.phaseFor(tenantId),
    );
    return reason ? { ...reason, message: describeWaiting(reason) } : null;
  }
}
