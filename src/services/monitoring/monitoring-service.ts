import { sql } from "kysely";
import type {
  HostDashboard,
  JobSeriesPoint,
  JobsDashboard,
  MachinesDashboard,
  ProcessHealth,
  QueuesDashboard,
  TenantDashboard,
} from "../../shared/api/monitoring.js";
import { activeJobStates, JobState } from "../../shared/jobs.js";
import {
  bucketStart,
  durationBucketCount,
  histogramPercentile,
  type MonitoringRange,
  type RangeBuckets,
  rangeBuckets,
} from "../../shared/monitoring.js";
import { QueueItemStatus } from "../../shared/queues.js";
import type { RobotState } from "../../shared/robot.js";
import { countAll } from "../../storage/dialect.js";
import type { TenantAccess } from "../access/access-service.js";
import type { ServiceContext } from "../context.js";
import type { MaintenanceService } from "../maintenance/maintenance-service.js";
import type { MachineService } from "../robots/machine-service.js";

const histogramColumns = Array.from({ length: durationBucketCount }, (_, i) => `d${i}` as const);
const num = (v: unknown) => Number(v ?? 0);

/**
 * The monitoring dashboards, read from the rollup tables (never by scanning `jobs` history): the
 * tenant view filtered to the folders the viewer may see, and the host view across organizations.
 * Only the "now" numbers read live rows, and only the few active ones (indexed by state).
 */
export class MonitoringService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly machines: MachineService,
    private readonly maintenance: MaintenanceService,
  ) {}

  async tenant(access: TenantAccess, range: MonitoringRange): Promise<TenantDashboard> {
    const now = this.ctx.clock.now();
    const b = rangeBuckets(range, now.getTime());
    const [tenant, jobs, machines, queues] = await Promise.all([
      this.ctx.db.selectFrom("tenants").select("time_zone").where("id", "=", access.tenantId).executeTakeFirst(),
      this.jobs(access, b),
      access.can("machines.view") ? this.machinesView(access, b) : Promise.resolve(null),
      this.queues(access, b),
    ]);
    return {
      range,
      unit: b.unit,
      from: bucketStart(b.unit, b.from),
      to: bucketStart(b.unit, b.to),
      timeZone: tenant?.time_zone ?? "UTC",
      generatedAt: now.toISOString(),
      jobs,
      machines,
      queues,
    };
  }

  /** The jobs panel: what the dashboards' benchmark measures (bench/monitoring.ts). */
  async jobs(access: TenantAccess, b: RangeBuckets): Promise<JobsDashboard> {
    const db = this.ctx.db;
    const folders = access.foldersWith("jobs.view");
    const none = Array.isArray(folders) && folders.length === 0;
    const table = b.unit === "minute" ? "job_rollups_minute" : "job_rollups_hour";
    const bucket = b.unit;
    const rollups = () =>
      db
        .selectFrom(table as "job_rollups_hour")
        .where("tenant_id", "=", access.tenantId)
        .where(bucket as "hour", ">=", b.from)
        .where(bucket as "hour", "<=", b.to)
        .$if(Array.isArray(folders), (q) => q.where("folder_id", "in", folders as number[]));
    const sum = (col: string) => sql<number>`sum(${sql.ref(col)})`.as(col);
    const nowMs = this.ctx.clock.now().getTime();

    const [active, series, perProcess, longest] = none
      ? [[], [], [], []]
      : await Promise.all([
          db
            .selectFrom("jobs")
            .select(["state", countAll().as("c")])
            .where("tenant_id", "=", access.tenantId)
            .where("state", "in", [JobState.pending, ...activeJobStates])
            .$if(Array.isArray(folders), (q) => q.where("folder_id", "in", folders as number[]))
            .groupBy("state")
            .execute(),
          rollups()
            .select([
              sql<number>`${sql.ref(bucket)}`.as("bucket"),
              sum("created"),
              sum("started"),
              sum("successful"),
              sum("faulted"),
              sum("stopped"),
            ])
            .groupBy(bucket as "hour")
            .execute(),
          rollups()
            .select([
              "process_id",
              sql<number>`max(folder_id)`.as("folder_id"),
              sum("created"),
              sum("started"),
              sum("successful"),
              sum("faulted"),
              sum("stopped"),
              sum("duration_ms_sum"),
              sum("duration_count"),
              ...histogramColumns.map(sum),
            ])
            .groupBy("process_id")
            .execute(),
          db
            .selectFrom("jobs as j")
            .leftJoin("machines as m", "m.id", "j.machine_id")
            .select(["j.id", "j.process_name", "j.folder_id", "j.started_at", "m.name as machine_name"])
            .where("j.tenant_id", "=", access.tenantId)
            .where("j.state", "in", activeJobStates)
            .where("j.started_at", "is not", null)
            .$if(Array.isArray(folders), (q) => q.where("j.folder_id", "in", folders as number[]))
            .orderBy("j.started_at")
            .limit(10)
            .execute(),
        ]);

    const processIds = perProcess.map((p) => p.process_id).filter((id) => id > 0);
    const names = processIds.length
      ? await db.selectFrom("processes").select(["id", "name"]).where("id", "in", processIds).execute()
      : [];
    const nameOf = (id: number) => names.find((n) => n.id === id)?.name ?? `#${id}`;

    const processes: ProcessHealth[] = perProcess.map((p) => {
      const histogram = histogramColumns.map((c) => num((p as Record<string, unknown>)[c]));
      const count = num(p.duration_count);
      return {
        processId: p.process_id,
        processName: nameOf(p.process_id),
        folderId: num(p.folder_id),
        successful: num(p.successful),
        faulted: num(p.faulted),
        stopped: num(p.stopped),
        averageSeconds: count ? Math.round(num(p.duration_ms_sum) / count) / 1000 : null,
        p95Seconds: round(histogramPercentile(histogram, 0.95)),
      };
    });
    processes.sort((a, b) => b.successful + b.faulted + b.stopped - (a.successful + a.faulted + a.stopped));

    const faultedTop = [...processes]
      .filter((p) => p.faulted > 0)
      .sort((a, b) => b.faulted - a.faulted)
      .slice(0, 5);
    const lastFaults = faultedTop.length
      ? await db
          .selectFrom("job_last_faults")
          .select(["process_id", "error", "ended_at"])
          .where("tenant_id", "=", access.tenantId)
          .where(
            "process_id",
            "in",
            faultedTop.map((p) => p.processId),
          )
          .execute()
      : [];
    const faultOf = (id: number) => lastFaults.find((f) => f.process_id === id);

    const totals = { created: 0, started: 0, successful: 0, faulted: 0, stopped: 0 };
    const byBucket = new Map(series.map((s) => [num(s.bucket), s]));
    const points: JobSeriesPoint[] = [];
    for (let i = b.from; i <= b.to; i++) {
      const s = byBucket.get(i);
      const point = {
        t: bucketStart(b.unit, i),
        created: num(s?.created),
        started: num(s?.started),
        successful: num(s?.successful),
        faulted: num(s?.faulted),
        stopped: num(s?.stopped),
      };
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += point[k];
      points.push(point);
    }
    const nowCounts = { pending: 0, running: 0, stopping: 0, terminating: 0 };
    for (const a of active) nowCounts[a.state as keyof typeof nowCounts] = num(a.c);
    const decided = totals.successful + totals.faulted;
    return {
      now: nowCounts,
      totals,
      successRate: decided ? totals.successful / decided : null,
      series: points,
      processes,
      longestRunning: longest.map((j) => ({
        id: j.id,
        processName: j.process_name,
        folderId: j.folder_id,
        machineName: j.machine_name,
        startedAt: j.started_at as string,
        runningSeconds: Math.max(0, Math.round((nowMs - Date.parse(j.started_at as string)) / 1000)),
      })),
      mostFaulted: faultedTop.map((p) => ({
        processId: p.processId,
        processName: p.processName,
        faulted: p.faulted,
        lastError: faultOf(p.processId)?.error ?? null,
        lastFaultedAt: faultOf(p.processId)?.ended_at ?? null,
      })),
    };
  }

  private async machinesView(access: TenantAccess, b: RangeBuckets): Promise<MachinesDashboard> {
    const db = this.ctx.db;
    const table = b.unit === "minute" ? "machine_rollups_minute" : "machine_rollups_hour";
    const [machines, busy, series] = await Promise.all([
      this.machines.list(access),
      db
        .selectFrom("jobs")
        .select(["machine_id", countAll().as("c")])
        .where("tenant_id", "=", access.tenantId)
        .where("state", "in", activeJobStates)
        .groupBy("machine_id")
        .execute(),
      db
        .selectFrom(table as "machine_rollups_hour")
        .select([
          sql<number>`${sql.ref(b.unit)}`.as("bucket"),
          sql<number>`sum(busy_slots)`.as("busy"),
          sql<number>`sum(total_slots)`.as("total"),
          sql<number>`max(samples)`.as("samples"),
        ])
        .where("tenant_id", "=", access.tenantId)
        .where(b.unit as "hour", ">=", b.from)
        .where(b.unit as "hour", "<=", b.to)
        .groupBy(b.unit as "hour")
        .execute(),
    ]);
    const now: Record<RobotState, number> = { available: 0, busy: 0, unresponsive: 0, disconnected: 0 };
    for (const m of machines) now[m.state] += 1;
    const byBucket = new Map(series.map((s) => [num(s.bucket), s]));
    const utilisation = [];
    for (let i = b.from; i <= b.to; i++) {
      const s = byBucket.get(i);
      // An hour row sums its minutes' samples: divide by the samples for slots "on average".
      const samples = Math.max(1, num(s?.samples));
      const busySlots = num(s?.busy) / samples;
      const totalSlots = num(s?.total) / samples;
      utilisation.push({
        t: bucketStart(b.unit, i),
        busySlots: round(busySlots) ?? 0,
        totalSlots: round(totalSlots) ?? 0,
        percent: totalSlots > 0 ? Math.round((busySlots / totalSlots) * 1000) / 10 : null,
      });
    }
    return {
      now,
      utilisation,
      machines: machines.map((m) => ({
        id: m.id,
        name: m.name,
        state: m.state,
        slots: m.slots,
        busySlots: num(busy.find((x) => x.machine_id === m.id)?.c),
        sessions: m.sessions,
      })),
    };
  }

  private async queues(access: TenantAccess, b: RangeBuckets): Promise<QueuesDashboard> {
    const db = this.ctx.db;
    const folders = access.foldersWith("queues.view");
    if (Array.isArray(folders) && folders.length === 0) return { queues: [], series: [] };
    const queues = await db
      .selectFrom("queues")
      .select(["id", "name", "folder_id", "sla_minutes"])
      .where("tenant_id", "=", access.tenantId)
      .$if(Array.isArray(folders), (q) => q.where("folder_id", "in", folders as number[]))
      .orderBy("name")
      .execute();
    if (queues.length === 0) return { queues: [], series: [] };
    const ids = queues.map((q) => q.id);
    const nowIso = this.ctx.clock.now().toISOString();
    const table = b.unit === "minute" ? "queue_rollups_minute" : "queue_rollups_hour";
    const [open, rows] = await Promise.all([
      // Open items only (the claim and in-progress indexes keep these few).
      db
        .selectFrom("queue_items")
        .select([
          "queue_id",
          "status",
          countAll().as("c"),
          sql<number>`sum(case when due_date < ${nowIso} then 1 else 0 end)`.as("overdue"),
          sql<number>`sum(case when risk_sla_date < ${nowIso} then 1 else 0 end)`.as("atRisk"),
        ])
        .where("queue_id", "in", ids)
        .where("status", "in", [QueueItemStatus.new, QueueItemStatus.inProgress])
        .groupBy(["queue_id", "status"])
        .execute(),
      db
        .selectFrom(table as "queue_rollups_hour")
        .select([
          "queue_id",
          sql<number>`${sql.ref(b.unit)}`.as("bucket"),
          "new_items",
          "in_progress",
          "successful",
          "failed",
          "abandoned",
          "processing_ms_sum",
          "processing_count",
        ])
        .where("tenant_id", "=", access.tenantId)
        .where("queue_id", "in", ids)
        .where(b.unit as "hour", ">=", b.from)
        .where(b.unit as "hour", "<=", b.to)
        .orderBy(b.unit as "hour")
        .execute(),
    ]);
    return {
      queues: queues.map((q) => {
        const mine = rows.filter((r) => r.queue_id === q.id);
        const openNew = open.find((o) => o.queue_id === q.id && o.status === QueueItemStatus.new);
        const openProgress = open.find((o) => o.queue_id === q.id && o.status === QueueItemStatus.inProgress);
        const overdue = num(openNew?.overdue) + num(openProgress?.overdue);
        const atRisk = num(openNew?.atRisk) + num(openProgress?.atRisk);
        const count = mine.reduce((a, r) => a + num(r.processing_count), 0);
        const ms = mine.reduce((a, r) => a + num(r.processing_ms_sum), 0);
        return {
          id: q.id,
          name: q.name,
          folderId: q.folder_id,
          newItems: num(openNew?.c),
          inProgress: num(openProgress?.c),
          successful: mine.reduce((a, r) => a + num(r.successful), 0),
          failed: mine.reduce((a, r) => a + num(r.failed), 0),
          abandoned: mine.reduce((a, r) => a + num(r.abandoned), 0),
          averageProcessingSeconds: count ? Math.round(ms / count) / 1000 : null,
          slaMinutes: q.sla_minutes,
          sla: q.sla_minutes === null ? "none" : overdue > 0 ? "overdue" : atRisk > 0 ? "atRisk" : "ok",
        };
      }),
      series: rows.map((r) => ({
        t: bucketStart(b.unit, num(r.bucket)),
        queueId: r.queue_id,
        newItems: num(r.new_items),
        inProgress: num(r.in_progress),
        successful: num(r.successful),
        failed: num(r.failed),
        abandoned: num(r.abandoned),
      })),
    };
  }

  /** The installation at a glance, for system administrators. */
  async host(range: MonitoringRange): Promise<HostDashboard> {
    const db = this.ctx.db;
    const now = this.ctx.clock.now();
    const b = rangeBuckets(range, now.getTime());
    // Jobs and mail per hour (the last day at least: a minute view of mail would be mostly empty).
    const hours = b.unit === "hour" ? b : rangeBuckets("24h", now.getTime());
    const [orgs, tenants, connected, jobs, email, maintenance] = await Promise.all([
      db.selectFrom("organizations").select(countAll().as("c")).executeTakeFirst(),
      db.selectFrom("tenants").select(countAll().as("c")).executeTakeFirst(),
      db
        .selectFrom("robot_sessions as s")
        .innerJoin("tenants as t", "t.id", "s.tenant_id")
        .innerJoin("organizations as o", "o.id", "t.org_id")
        .select([
          "o.id as org_id",
          "o.name as org_name",
          "t.id as tenant_id",
          "t.name as tenant_name",
          sql<number>`count(distinct s.machine_id)`.as("robots"),
        ])
        .where("s.disconnected_at", "is", null)
        .groupBy(["o.id", "o.name", "t.id", "t.name"])
        .orderBy("o.name")
        .orderBy("t.name")
        .execute(),
      db
        .selectFrom("job_rollups_hour")
        .select([
          "hour",
          sql<number>`sum(started)`.as("started"),
          sql<number>`sum(successful)`.as("successful"),
          sql<number>`sum(faulted)`.as("faulted"),
          sql<number>`sum(stopped)`.as("stopped"),
        ])
        .where("hour", ">=", hours.from)
        .where("hour", "<=", hours.to)
        .groupBy("hour")
        .execute(),
      db
        .selectFrom("email_rollups_hour")
        .selectAll()
        .where("hour", ">=", hours.from)
        .where("hour", "<=", hours.to)
        .execute(),
      this.maintenance.state(),
    ]);
    const jobSeries = [];
    const emailSeries = [];
    for (let h = hours.from; h <= hours.to; h++) {
      const j = jobs.find((x) => num(x.hour) === h);
      const e = email.find((x) => num(x.hour) === h);
      const t = bucketStart("hour", h);
      jobSeries.push({
        t,
        started: num(j?.started),
        successful: num(j?.successful),
        faulted: num(j?.faulted),
        stopped: num(j?.stopped),
      });
      emailSeries.push({ t, sent: num(e?.sent), failed: num(e?.failed), held: num(e?.held) });
    }
    return {
      range,
      unit: "hour" as const,
      generatedAt: now.toISOString(),
      organizations: num(orgs?.c),
      tenants: num(tenants?.c),
      robotsConnected: connected.reduce((a, c) => a + num(c.robots), 0),
      connectedTenants: connected.map((c) => ({
        orgId: c.org_id,
        orgName: c.org_name,
        tenantId: c.tenant_id,
        tenantName: c.tenant_name,
        robots: num(c.robots),
      })),
      jobs: jobSeries,
      email: emailSeries,
      maintenance: {
        phase: maintenance.phase,
        tenants: maintenance.tenants.map((t) => ({
          tenantId: t.tenantId,
          tenantName: t.tenantName,
          orgName: t.orgName,
          phase: t.phase,
        })),
      },
    };
  }
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 10) / 10;
}
