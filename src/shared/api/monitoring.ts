import { z } from "zod";
import { monitoringRanges } from "../monitoring.js";
import { robotSessionSchema } from "./machines.js";

/** The API's shapes of the tenant and host dashboards (src/services/monitoring/monitoring-service.ts). */

/** `?range=1h|24h|7d` (default 24h). */
export const rangeQuery = z.object({ range: z.enum(monitoringRanges).default("24h") }).strict();

const robotState = z.enum(["available", "busy", "unresponsive", "disconnected"]);

export const jobsDashboard = z.object({
  now: z.object({ pending: z.number(), running: z.number(), stopping: z.number(), terminating: z.number() }),
  totals: z.object({
    created: z.number(),
    started: z.number(),
    successful: z.number(),
    faulted: z.number(),
    stopped: z.number(),
  }),
  successRate: z.number().nullable(),
  series: z.array(
    z.object({
      t: z.string(),
      created: z.number(),
      started: z.number(),
      successful: z.number(),
      faulted: z.number(),
      stopped: z.number(),
    }),
  ),
  processes: z.array(
    z.object({
      processId: z.number(),
      processName: z.string(),
      folderId: z.number(),
      successful: z.number(),
      faulted: z.number(),
      stopped: z.number(),
      averageSeconds: z.number().nullable(),
      p95Seconds: z.number().nullable(),
    }),
  ),
  longestRunning: z.array(
    z.object({
      id: z.number(),
      processName: z.string(),
      folderId: z.number(),
      machineName: z.string().nullable(),
      startedAt: z.string(),
      runningSeconds: z.number(),
    }),
  ),
  mostFaulted: z.array(
    z.object({
      processId: z.number(),
      processName: z.string(),
      faulted: z.number(),
      lastError: z.string().nullable(),
      lastFaultedAt: z.string().nullable(),
    }),
  ),
});

export const machinesDashboard = z.object({
  now: z.object({ available: z.number(), busy: z.number(), unresponsive: z.number(), disconnected: z.number() }),
  utilisation: z.array(
    z.object({ t: z.string(), busySlots: z.number(), totalSlots: z.number(), percent: z.number().nullable() }),
  ),
  machines: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      state: robotState,
      slots: z.number(),
      busySlots: z.number(),
      sessions: z.array(robotSessionSchema),
    }),
  ),
});

export const queuesDashboard = z.object({
  queues: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      folderId: z.number(),
      newItems: z.number(),
      inProgress: z.number(),
      successful: z.number(),
      failed: z.number(),
      abandoned: z.number(),
      averageProcessingSeconds: z.number().nullable(),
      slaMinutes: z.number().nullable(),
      sla: z.enum(["none", "ok", "atRisk", "overdue"]),
    }),
  ),
  series: z.array(
    z.object({
      t: z.string(),
      queueId: z.number(),
      newItems: z.number(),
      inProgress: z.number(),
      successful: z.number(),
      failed: z.number(),
      abandoned: z.number(),
    }),
  ),
});

/** The tenant dashboard (also each `snapshot` event of its stream). */
export const tenantDashboardSchema = z.object({
  range: z.enum(monitoringRanges),
  unit: z.enum(["minute", "hour"]),
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  generatedAt: z.string(),
  jobs: jobsDashboard,
  machines: machinesDashboard.nullable(),
  queues: queuesDashboard,
});

/** The host dashboard (also each `snapshot` event of its stream). */
export const hostDashboardSchema = z.object({
  range: z.enum(monitoringRanges),
  unit: z.literal("hour"),
  generatedAt: z.string(),
  organizations: z.number(),
  tenants: z.number(),
  robotsConnected: z.number(),
  connectedTenants: z.array(
    z.object({
      orgId: z.number(),
      orgName: z.string(),
      tenantId: z.number(),
      tenantName: z.string(),
      robots: z.number(),
    }),
  ),
  jobs: z.array(
    z.object({ t: z.string(), started: z.number(), successful: z.number(), faulted: z.number(), stopped: z.number() }),
  ),
  email: z.array(z.object({ t: z.string(), sent: z.number(), failed: z.number(), held: z.number() })),
  maintenance: z.object({
    phase: z.string(),
    tenants: z.array(
      z.object({ tenantId: z.number(), tenantName: z.string(), orgName: z.string(), phase: z.string() }),
    ),
  }),
});

export type JobsDashboard = z.infer<typeof jobsDashboard>;
export type JobSeriesPoint = JobsDashboard["series"][number];
export type ProcessHealth = JobsDashboard["processes"][number];
export type MachinesDashboard = z.infer<typeof machinesDashboard>;
export type MonitoredSession = MachinesDashboard["machines"][number]["sessions"][number];
export type QueuesDashboard = z.infer<typeof queuesDashboard>;
export type TenantDashboard = z.infer<typeof tenantDashboardSchema>;
export type HostDashboard = z.infer<typeof hostDashboardSchema>;
