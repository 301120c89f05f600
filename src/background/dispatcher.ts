import type { ServiceContext } from "../services/context.js";
import { licenseAllowance, phaseStartsJobs } from "../services/jobs/dispatch-rules.js";
import type { JobService } from "../services/jobs/job-service.js";
import type { MaintenanceService } from "../services/maintenance/maintenance-service.js";
import type { RobotConnection, RobotHub } from "../services/robots/robot-hub.js";
import { FailureStreak } from "./failure-streak.js";

/**
 * Hands pending jobs to the robots connected to this node: for every free slot of every
 * connection, claim the best job that machine may run (JobService.claim is one conditional
 * statement, so nodes and robots never share a job) and send it. Woken when jobs are created or
 * finish and when robots connect; otherwise it polls, which also covers jobs created on other nodes.
 */
export class Dispatcher {
  private running = false;
  private done: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private kicked = false;

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

  wake(): void {
    this.kicked = true;
    this.wakeUp?.();
  }

  /** One pass over this node's robots; returns how many jobs were assigned. */
  async round(): Promise<number> {
    let assigned = 0;
    for (const connection of this.hub.all()) {
      assigned += await this.fill(connection);
    }
    return assigned;
  }

  private async fill(connection: RobotConnection): Promise<number> {
    if (connection.draining) return 0;
    // Draining or suspended: no job starts in the tenant.
    if (!phaseStartsJobs(await this.maintenance.phaseFor(connection.tenantId))) return 0;
    // The tenant's license caps its running jobs (dispatch-rules.ts, which a pending job's
    // "waiting for" reads too). Two nodes filling at the same instant may each start one more.
    const license = await licenseAllowance(this.ctx.db, this.ctx.clock, connection.tenantId);
    let free = Math.min(connection.slots - (await this.jobs.activeCount(connection.sessionId)), license.remaining);
    let assigned = 0;
    while (free > 0 && this.hub.get(connection.sessionId)) {
      const claimed = await this.jobs.claim({
        id: connection.sessionId,
        machineId: connection.machineId,
        tenantId: connection.tenantId,
      });
      if (!claimed) break;
      const { job, token } = claimed;
      const pkg = job.package_id
        ? await this.ctx.db
            .selectFrom("packages")
            .select(["id", "sha256", "format"])
            .where("id", "=", job.package_id)
            .executeTakeFirst()
        : undefined;
      if (!pkg) {
        await this.jobs.finish(connection.sessionId, job.key, {
          exitCode: null,
          outputArguments: null,
          error: "The job's package version was deleted.",
          stopped: false,
        });
        continue;
      }
      const compat = await this.ctx.db
        .selectFrom("tenants as t")
        .innerJoin("organizations as o", "o.id", "t.org_id")
        .innerJoin("folders as f", "f.tenant_id", "t.id")
        .innerJoin("machines as m", "m.tenant_id", "t.id")
        .select(["o.slug", "t.name", "f.key as folder_key", "m.key as machine_key"])
        .where("t.id", "=", job.tenant_id)
        .where("f.id", "=", job.folder_id)
        .where("m.id", "=", connection.machineId)
        .executeTakeFirst();
      connection.send({
        type: "assign",
        job: {
          key: job.key,
          id: job.id,
          processName: job.process_name,
          package: { id: pkg.id, sha256: pkg.sha256, format: pkg.format },
          command: this.jobs.manifestCommand(job),
          inputArguments: JSON.parse(job.input_json) as Record<string, unknown>,
          token,
          ...(compat && {
            compat: {
              org: compat.slug,
              tenant: compat.name,
              folderKey: compat.folder_key,
              robotKey: compat.machine_key,
            },
          }),
        },
      });
      free -= 1;
      assigned += 1;
    }
    return assigned;
  }

  private async loop(): Promise<void> {
    const streak = new FailureStreak("dispatcher", this.ctx.logger);
    while (this.running) {
      this.kicked = false;
      let pause = this.pollMs;
      try {
        await this.round();
        streak.succeeded();
      } catch (error) {
        pause = streak.failed(error, this.pollMs);
      }
      if (!this.running) break;
      if (!this.kicked) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, pause);
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
