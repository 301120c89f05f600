import type { RequestCache } from "../access/request-cache.js";
import type { AlertService } from "../alerts/alert-service.js";
import type { AuditService } from "../audit/audit-service.js";
import type { ServiceContext } from "../context.js";
import type { DomainEvents } from "../events/domain-events.js";
import type { ProcessService } from "../processes/process-service.js";
import { JobCommands } from "./job-commands.js";
import { JobCore } from "./job-core.js";
import { JobGateway } from "./job-gateway.js";
import { JobLogs } from "./job-logs.js";
import type { RobotCommands } from "./job-model.js";
import { JobSweeper } from "./job-sweeper.js";

export type {
  Job,
  JobFilter,
  JobOutcome,
  PreparedJobs,
  RobotCommands,
  StartJobs,
  TimelineEntry,
} from "./job-model.js";
export { present } from "./job-model.js";

type Args<F> = F extends (...args: infer A) => unknown ? A : never;

/**
 * Jobs: created pending, claimed by one robot, finished by its report; every transition is one
 * conditional UPDATE (zero rows = someone else moved it first) plus a row in job_events and a
 * domain event (JobCore). The work is split by role — user commands (JobCommands), the robot
 * gateway (JobGateway), log ingestion and retention (JobLogs), the sweeper (JobSweeper) — and
 * this class is the one surface the rest of the code calls.
 */
export class JobService {
  private readonly core: JobCore;
  readonly commands: JobCommands;
  readonly gateway: JobGateway;
  readonly logLines: JobLogs;
  readonly sweeper: JobSweeper;

  constructor(
    ctx: ServiceContext,
    audit: AuditService,
    processes: ProcessService,
    alerts: AlertService,
    events: DomainEvents,
    cache?: RequestCache,
  ) {
    this.core = new JobCore(ctx, alerts, events);
    this.commands = new JobCommands(this.core, audit, processes);
    this.gateway = new JobGateway(this.core, cache);
    this.logLines = new JobLogs(ctx);
    this.sweeper = new JobSweeper(this.core);
  }

  /** Connects the robot gateway (set once at start-up; services do not import the HTTP layer). */
  connectRobots(commands: RobotCommands): void {
    this.core.robots = commands;
  }

  // User commands (and triggers).
  start(...a: Args<JobCommands["start"]>) {
    return this.commands.start(...a);
  }
  prepare(...a: Args<JobCommands["prepare"]>) {
    return this.commands.prepare(...a);
  }
  insertJobs(...a: Args<JobCommands["insertJobs"]>) {
    return this.commands.insertJobs(...a);
  }
  jobsCreated(...a: Args<JobCommands["jobsCreated"]>) {
    this.commands.jobsCreated(...a);
  }
  presentAll(...a: Args<JobCommands["presentAll"]>) {
    return this.commands.presentAll(...a);
  }
  get(...a: Args<JobCommands["get"]>) {
    return this.commands.get(...a);
  }
  list(...a: Args<JobCommands["list"]>) {
    return this.commands.list(...a);
  }
  stop(...a: Args<JobCommands["stop"]>) {
    return this.commands.stop(...a);
  }
  restart(...a: Args<JobCommands["restart"]>) {
    return this.commands.restart(...a);
  }
  logs(...a: Args<JobCommands["logs"]>) {
    return this.commands.logs(...a);
  }
  stopAllActive(...a: Args<JobCommands["stopAllActive"]>) {
    return this.commands.stopAllActive(...a);
  }

  // The robot gateway and the dispatcher.
  claim(...a: Args<JobGateway["claim"]>) {
    return this.gateway.claim(...a);
  }
  finish(...a: Args<JobGateway["finish"]>) {
    return this.gateway.finish(...a);
  }
  resume(...a: Args<JobGateway["resume"]>) {
    return this.gateway.resume(...a);
  }
  acknowledge(...a: Args<JobGateway["acknowledge"]>) {
    return this.gateway.acknowledge(...a);
  }
  requeueUnacknowledged(...a: Args<JobGateway["requeueUnacknowledged"]>) {
    return this.gateway.requeueUnacknowledged(...a);
  }
  pendingStops(...a: Args<JobGateway["pendingStops"]>) {
    return this.gateway.pendingStops(...a);
  }
  activeCounts(...a: Args<JobGateway["activeCounts"]>) {
    return this.gateway.activeCounts(...a);
  }
  licenseAllowance(...a: Args<JobGateway["licenseAllowance"]>) {
    return this.gateway.licenseAllowance(...a);
  }
  pendingCounts(...a: Args<JobGateway["pendingCounts"]>) {
    return this.gateway.pendingCounts(...a);
  }
  jobForToken(...a: Args<JobGateway["jobForToken"]>) {
    return this.gateway.jobForToken(...a);
  }
  manifestCommand(...a: Args<JobGateway["manifestCommand"]>) {
    return this.gateway.manifestCommand(...a);
  }

  // Log lines and their retention; the sweeper.
  appendLogs(...a: Args<JobLogs["appendLogs"]>) {
    return this.logLines.appendLogs(...a);
  }
  purgeLogs() {
    return this.logLines.purgeLogs();
  }
  sweep(...a: Args<JobSweeper["sweep"]>) {
    return this.sweeper.sweep(...a);
  }
}
