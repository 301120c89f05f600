import type { ServiceContext } from "../context.js";
import type { DomainEvents } from "../events/domain-events.js";
import type { MaintenanceService } from "../maintenance/maintenance-service.js";
import type { MachineService } from "../robots/machine-service.js";
import { recordJobEvent } from "./job-rollups.js";
import { MonitoringHub } from "./monitoring-hub.js";
import { MonitoringSampler } from "./monitoring-sampler.js";
import { MonitoringService } from "./monitoring-service.js";

/** Monitoring: job rollups written as jobs change, the minute sampler, the dashboards and their live notices. */
export function createMonitoring(
  ctx: ServiceContext,
  events: DomainEvents,
  machines: MachineService,
  maintenance: MaintenanceService,
) {
  const monitoringHub = new MonitoringHub();
  events.on(async (db, event) => {
    if ((await recordJobEvent(db, event, ctx.dialect.name)) && "job" in event)
      monitoringHub.changed(event.job.tenant_id);
  });
  return {
    monitoringHub,
    monitoring: new MonitoringService(ctx, machines, maintenance),
    monitoringSampler: new MonitoringSampler(ctx, (tenantId) => monitoringHub.changed(tenantId)),
  };
}
