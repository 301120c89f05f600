import type { ServiceContext } from "../services/context.js";
import { phaseStartsJobs } from "../services/jobs/dispatch-rules.js";
import type { DispatchHint } from "../services/jobs/job-model.js";
import type { JobService } from "../services/jobs/job-service.js";
import type { MaintenanceService } from "../services/maintenance/maintenance-service.js";
import type { RobotConnection, RobotHub } from "../services/robots/robot-hub.js";
import { FailureStreak } from "./failure-streak.js";

/**
 * Hands pending jobs to the robots connected to this node: for every free slot of every
 * connection, claim the best job that machine may run (JobService.claim is one conditional
 * statement, so nodes and robots never share a job) and send it. Woken when jobs are created or
 * finish and when robots connect; otherwise it polls, which also covers jobs created on other nodes.
 *
 * A wake-up by jobs created on this node names their tenant and count (DispatchHint): the next
 * round goes straight to that tenant's robots without counting its pending jobs first. Any other
 * wake-up, and every poll, makes the next round a full one over all tenants.
 */
export class Dispatcher {
  private running = false;
  private done: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private kicked = false;
  /** The next round looks at every tenant (set by the poll and by wake-ups without a hint). */
  private full = true;
  /** New jobs per tenant told since the last round began. */
  private hints = new Map<number, number>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly jobs: JobService,
    private readonly maintenance: MaintenanceService,
    private readonly hub: RobotHub,
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.done;
  }

  wake(created?: DispatchHint): void {
    if (created) this.hints.set(created.tenantId, (this.hints.get(created.tenantId) ?? 0) + created.count);
    else this.full = true;
    this.kicked = true;
    this.wakeUp?.();
  }

  /**
   * One pass over this node's robots; returns how many jobs were assigned. Its statements grow
   * with the tenants that have robots here, not with the robots: one count of pending work per
   * tenant, and only for tenants that have some, the license, one grouped count of the sessions'
   * running jobs, and a claim per job to hand out (a machine whose claim found nothing is not
   * asked again in the same pass, and no claim is tried once the tenant's pending jobs are out).
   * With `hints` (new jobs per tenant) only those tenants are filled, with their hinted counts in
   * place of the pending count.
   */
  async round(hints: ReadonlyMap<number, number> | null = null): Promise<number> {
    const byTenant = new Map<number, RobotConnection[]>();
    for (const connection of this.hub.all()) {
      if (connection.draining) continue;
      const list = byTenant.get(connection.tenantId);
      if (list) list.push(connection);
      else byTenant.set(connection.tenantId, [connection]);
    }
    if (byTenant.size === 0) return 0;
    const caps = new Map([...byTenant].map(([tenantId, list]) => [tenantId, list.reduce((n, c) => n + c.slots, 0)]));
    const pending = hints
      ? new Map(
          [...hints]
            .filter(([tenantId]) => caps.has(tenantId))
            .map(([tenantId, count]) => [tenantId, Math.min(count, caps.get(tenantId) as number)]),
        )
      : await this.jobs.pendingCounts(caps);
    let assigned = 0;
    for (const [tenantId, count] of pending) {
      assigned += await this.fillTenant(tenantId, byTenant.get(tenantId) as RobotConnection[], count);
    }
    return assigned;
  }

  /**
   * Hands out up to `pending` jobs of a tenant (its pending count at the start of the round: jobs
   * created meanwhile wake the dispatcher for another round).
   */
  private async fillTenant(tenantId: number, connections: RobotConnection[], pending: number): Promise<number> {
    // Draining or suspended: no job starts in the tenant.
    if (!phaseStartsJobs(await this.maintenance.phaseFor(tenantId))) return 0;
    // The tenant's license caps its running jobs (dispatch-rules.ts, which a pending job's
    // "waiting for" reads too). Two nodes filling at the same instant may each start one more.
    const license = await this.jobs.licenseAllowance(tenantId);
    let allowed = Math.min(license.remaining, pending);
    if (allowed <= 0) return 0;
    const active = await this.jobs.activeCounts(connections.map((c) => c.sessionId));
    const exhausted = new Set<number>();
    let assigned = 0;
    for (const connection of connections) {
      let free = connection.slots - (active.get(connection.sessionId) ?? 0);
      while (free > 0 && allowed > 0 && !exhausted.has(connection.machineId) && this.hub.get(connection.sessionId)) {
        const sent = await this.assignOne(connection);
        if (sent === "none") exhausted.add(connection.machineId);
        // A claimed job that could not run is handed out all the same: one fewer left to claim.
        if (sent === "skipped") allowed -= 1;
        if (sent !== "sent") continue;
        free -= 1;
        allowed -= 1;
        assigned += 1;
      }
    }
    return assigned;
  }

  /** Claims the best job for a connection and sends it; "skipped" when the claimed job could not run. */
  private async assignOne(connection: RobotConnection): Promise<"sent" | "skipped" | "none"> {
    const claimed = await this.jobs.claim({
      id: connection.sessionId,
      machineId: connection.machineId,
      tenantId: connection.tenantId,
    });
    if (!claimed) return "none";
    const { job, details, token } = claimed;
    if (details.sha256 === null || details.format === null || job.package_id === null) {
      await this.jobs.finish(connection.sessionId, job.key, {
        exitCode: null,
        outputArguments: null,
        error: "The job's package version was deleted.",
        stopped: false,
      });
      return "skipped";
    }
    connection.send({
      type: "assign",
      job: {
        key: job.key,
        id: job.id,
        processName: job.process_name,
        package: { id: job.package_id, sha256: details.sha256, format: details.format },
        command: this.jobs.manifestCommand(job),
        inputArguments: JSON.parse(job.input_json) as Record<string, unknown>,
        token,
        ...(details.folderKey !== null &&
          details.machineKey !== null && {
            compat: {
              org: details.orgSlug,
              tenant: details.tenantName,
              folderKey: details.folderKey,
              robotKey: details.machineKey,
            },
          }),
      },
    });
    return "sent";
  }

  private async loop(): Promise<void> {
    const streak = new FailureStreak("dispatcher", this.ctx.logger);
    while (this.running) {
      this.kicked = false;
      const hints = this.full ? null : this.hints;
      this.full = false;
      this.hints = new Map();
      let pause = this.pollMs;
      try {
        await this.round(hints);
        streak.succeeded();
      } catch (error) {
        pause = streak.failed(error, this.pollMs);
        // What the failed round was told is looked for again in full.
        this.full = true;
      }
      if (!this.running) break;
      if (!this.kicked) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.full = true;
            done();
          }, pause);
          function done() {
            clearTimeout(timer);
            resolve();
          }
          this.wakeUp = () => {
            this.wakeUp = null;
            done();
          };
        });
      }
    }
  }
}
