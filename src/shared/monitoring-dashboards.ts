import type { MonitoringRange } from "./monitoring.js";
import type { RobotState } from "./robot.js";

/** The dashboards' shapes (API and web UI): see src/services/monitoring/monitoring-service.ts. */

export interface MonitoredSession {
  id: number;
  state: RobotState;
  hostName: string;
  os: string;
  agentVersion: string;
  connectedAt: string;
  lastHeartbeatAt: string;
  disconnectedAt: string | null;
  disconnectReason: string | null;
}

export interface JobSeriesPoint {
  t: string;
  created: number;
  started: number;
  successful: number;
  faulted: number;
  stopped: number;
}

export interface ProcessHealth {
  processId: number;
  processName: string;
  folderId: number;
  successful: number;
  faulted: number;
  stopped: number;
  averageSeconds: number | null;
  p95Seconds: number | null;
}

export interface JobsDashboard {
  now: Record<"pending" | "running" | "stopping" | "terminating", number>;
  totals: { created: number; started: number; successful: number; faulted: number; stopped: number };
  /** Successful among successful and faulted jobs of the range (null before the first). */
  successRate: number | null;
  series: JobSeriesPoint[];
  processes: ProcessHealth[];
  longestRunning: {
    id: number;
    processName: string;
    folderId: number;
    machineName: string | null;
    startedAt: string;
    runningSeconds: number;
  }[];
  mostFaulted: {
    processId: number;
    processName: string;
    faulted: number;
    lastError: string | null;
    lastFaultedAt: string | null;
  }[];
}

export interface MachinesDashboard {
  now: Record<RobotState, number>;
  utilisation: { t: string; busySlots: number; totalSlots: number; percent: number | null }[];
  machines: {
    id: number;
    name: string;
    state: RobotState;
    slots: number;
    busySlots: number;
    sessions: MonitoredSession[];
  }[];
}

export interface QueuesDashboard {
  queues: {
    id: number;
    name: string;
    folderId: number;
    newItems: number;
    inProgress: number;
    successful: number;
    failed: number;
    abandoned: number;
    averageProcessingSeconds: number | null;
    slaMinutes: number | null;
    sla: "none" | "ok" | "atRisk" | "overdue";
  }[];
  series: {
    t: string;
    queueId: number;
    newItems: number;
    inProgress: number;
    successful: number;
    failed: number;
    abandoned: number;
  }[];
}

export interface TenantDashboard {
  range: MonitoringRange;
  unit: "minute" | "hour";
  from: string;
  to: string;
  timeZone: string;
  generatedAt: string;
  jobs: JobsDashboard;
  /** Null without the machines.view permission. */
  machines: MachinesDashboard | null;
  queues: QueuesDashboard;
}

export interface HostDashboard {
  range: MonitoringRange;
  unit: "hour";
  generatedAt: string;
  organizations: number;
  tenants: number;
  robotsConnected: number;
  connectedTenants: { orgId: number; orgName: string; tenantId: number; tenantName: string; robots: number }[];
  jobs: { t: string; started: number; successful: number; faulted: number; stopped: number }[];
  email: { t: string; sent: number; failed: number; held: number }[];
  maintenance: { phase: string; tenants: { tenantId: number; tenantName: string; orgName: string; phase: string }[] };
}
