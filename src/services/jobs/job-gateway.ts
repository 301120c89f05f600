import { sql } from "kysely";
import { isoNow } from "../../platform/clock.js";
import { jobReason, jobReasonText } from "../../shared/job-reasons.js";
import { activeJobStates, isFinalJobState, JobState } from "../../shared/jobs.js";
import type { JobRow } from "../../storage/schema.js";
import { type AssignmentDetails, claimJob } from "../../storage/sql/claim-job.js";
import type { RequestCache } from "../access/request-cache.js";
import type { ServiceContext } from "../context.js";
import { hashToken, newToken } from "../identity/secrets.js";
import { type LicenseAllowance, licenseAllowance } from "./dispatch-rules.js";
import type { JobCore } from "./job-core.js";
import { exitReason, ignoreConflict, type JobOutcome } from "./job-model.js";

/**
 * The robot gateway's side of jobs (the dispatcher and robot sessions): claim a job for a
 * session, record its end, bind running jobs to a reconnected session, and what a session runs.
 */
export class JobGateway {
  private readonly ctx: ServiceContext;

  constructor(
    private readonly core: JobCore,
    private readonly cache?: RequestCache,
  ) {
    this.ctx = core.ctx;
  }

  /** How many more jobs a tenant's license lets start now (dispatch-rules.ts; the allocation cached). */
  licenseAllowance(tenantId: number): Promise<LicenseAllowance> {
    return licenseAllowance(this.ctx.db, this.ctx.clock, tenantId, this.cache);
  }

  /**
   * Claims the best pending job a machine may run on a session (storage/sql/claim-job.ts: one
   * conditional statement, so two nodes or two robots never get the same job) with its event,
   * and what the robot needs to run it.
   */
  async claim(session: {
    id: number;
    machineId: number;
    tenantId: number;
  }): Promise<{ job: JobRow; details: AssignmentDetails; token: string } | undefined> {
    const now = isoNow(this.ctx.clock);
    const token = newToken("job");
    const claimed = await this.ctx.db.transaction().execute(async (tx) => {
      const found = await claimJob(tx, this.ctx.dialect.name, {
        sessionId: session.id,
        machineId: session.machineId,
        tenantId: session.tenantId,
        now,
        tokenHash: hashToken(token),
      });
      if (found)
        await this.core.event(
          tx,
          found.job,
          JobState.pending,
          `machine ${session.machineId}`,
          jobReason("assigned-to-session", { session: session.id }),
        );
      return found;
    });
    // The token goes to the robot once; only its hash is stored.
    return claimed && { ...claimed, token };
  }

  /** Records a robot's report that the job's process ended. */
  async finish(sessionId: number, jobKey: string, outcome: JobOutcome): Promise<JobRow | undefined> {
    const job = await this.ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("key", "=", jobKey)
      .where("session_id", "=", sessionId)
      .executeTakeFirst();
    if (!job || isFinalJobState(job.state)) return undefined;
    const ranToEnd = outcome.exitCode === 0 ? JobState.successful : JobState.faulted;
    // A kill always ends as stopped; a graceful stop as stopped when the automation obeyed it.
    const target =
      job.state === JobState.terminating || (job.state === JobState.stopping && outcome.stopped)
        ? JobState.stopped
        : ranToEnd;
    const now = isoNow(this.ctx.clock);
    return this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.core
        .move(tx, job, target, {
          ended_at: now,
          output_json: outcome.outputArguments ? JSON.stringify(outcome.outputArguments) : null,
          error:
            target === JobState.faulted
              ? (outcome.error ?? jobReasonText("exited-unknown", { code: outcome.exitCode ?? "unknown" }, "en"))
              : null,
          token_hash: null,
        })
        .catch(ignoreConflict);
      if (row) {
        await this.core.event(
          tx,
          row,
          job.state,
          `machine ${job.machine_id ?? "?"}`,
          target === JobState.faulted
            ? outcome.error === undefined || outcome.error === null
              ? jobReason("exited-unknown", { code: outcome.exitCode ?? "unknown" })
              : outcome.error
            : outcome.started === false
              ? jobReason(job.state === JobState.terminating ? "killed-before-start" : "stopped-before-start")
              : exitReason(outcome.exitCode),
        );
        if (target === JobState.faulted) await this.core.alertFaulted(tx, row);
      }
      this.core.robots.wakeDispatcher();
      return row;
    });
  }

  /** Binds the jobs a reconnected robot still runs to its new session. */
  async resume(session: { id: number; machineId: number }, jobKeys: string[]): Promise<JobRow[]> {
    if (jobKeys.length === 0) return [];
    const rows = await this.ctx.db
      .updateTable("jobs")
      .set({ session_id: session.id, updated_at: isoNow(this.ctx.clock), acknowledged_at: isoNow(this.ctx.clock) })
      .where("key", "in", jobKeys)
      .where("machine_id", "=", session.machineId)
      .where("state", "in", [...activeJobStates])
      .returningAll()
      .execute();
    for (const row of rows)
      await this.core.timeline(
        this.ctx.db,
        row.id,
        row.state,
        `machine ${session.machineId}`,
        jobReason("resumed-on-session", { session: session.id }),
      );
    return rows;
  }

  /** Records that the robot of a session has these jobs (it listed them in a heartbeat). */
  async acknowledge(sessionId: number, jobKeys: string[]): Promise<void> {
    if (jobKeys.length === 0) return;
    await this.ctx.db
      .updateTable("jobs")
      .set({ acknowledged_at: isoNow(this.ctx.clock) })
      .where("session_id", "=", sessionId)
      .where("key", "in", jobKeys)
      .where("acknowledged_at", "is", null)
      .execute();
  }

  /**
   * A robot said hello on a new session without some jobs an earlier session of the same machine
   * and host was assigned but never acknowledged: the assignment never reached it (the server or
   * the connection died in between). Those jobs wait for a robot again. Returns how many moved.
   */
  async requeueUnacknowledged(session: { id: number; machineId: number; hostName: string }): Promise<number> {
    const lost = await this.ctx.db
      .selectFrom("jobs as j")
      .innerJoin("robot_sessions as s", "s.id", "j.session_id")
      .selectAll("j")
      .where("j.machine_id", "=", session.machineId)
      .where("j.session_id", "!=", session.id)
      .where("j.acknowledged_at", "is", null)
      .where("j.state", "in", [...activeJobStates])
      .where("s.host_name", "=", session.hostName)
      .execute();
    let moved = 0;
    for (const job of lost) if (await this.core.unassign(job, "never-received")) moved += 1;
    if (moved > 0) this.core.robots.wakeDispatcher();
    return moved;
  }

  /** Active jobs of a session whose state asks the robot to stop (re-sent with each heartbeat). */
  async pendingStops(sessionId: number): Promise<{ key: string; mode: "stop" | "kill" }[]> {
    const rows = await this.ctx.db
      .selectFrom("jobs")
      .select(["key", "state"])
      .where("session_id", "=", sessionId)
      .where("state", "in", [JobState.stopping, JobState.terminating])
      .execute();
    return rows.map((r) => ({ key: r.key, mode: r.state === JobState.terminating ? "kill" : "stop" }));
  }

  /** How many jobs each of these sessions is running (for free slots): one grouped statement. */
  async activeCounts(sessionIds: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(sessionIds.map((id) => [id, 0]));
    if (sessionIds.length === 0) return counts;
    const rows = await this.ctx.db
      .selectFrom("jobs")
      .select(["session_id", sql<number>`cast(count(*) as integer)`.as("c")])
      .where("session_id", "in", sessionIds)
      .where("state", "in", [...activeJobStates])
      .groupBy("session_id")
      .execute();
    for (const row of rows) if (row.session_id !== null) counts.set(row.session_id, row.c);
    return counts;
  }

  /**
   * How many pending jobs each of these tenants has, counted up to `cap` per tenant (the slots its
   * robots on this node have: more could not start in one round); tenants with none are left out.
   * One short statement per tenant with robots here, over the `jobs_dispatch` index (tenant,
   * state), however many robots that is. The dispatcher stops claiming for a tenant once it has
   * handed out that many, instead of asking every machine once more and finding nothing.
   */
  async pendingCounts(caps: Map<number, number>): Promise<Map<number, number>> {
    const found = new Map<number, number>();
    for (const [tenantId, cap] of caps) {
      const row = await this.ctx.db
        .selectFrom((eb) =>
          eb
            .selectFrom("jobs")
            .select("id")
            .where("tenant_id", "=", tenantId)
            .where("state", "=", JobState.pending)
            .limit(cap)
            .as("p"),
        )
        .select(sql<number>`cast(count(*) as integer)`.as("c"))
        .executeTakeFirstOrThrow();
      if (row.c > 0) found.set(tenantId, row.c);
    }
    return found;
  }

  /** Tells whether a job token belongs to a running job (for calls from automations). */
  async jobForToken(token: string): Promise<JobRow | undefined> {
    return this.ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("token_hash", "=", hashToken(token))
      .where("state", "in", [...activeJobStates])
      .executeTakeFirst();
  }

  /** The package a job runs, as its robot needs it. */
  manifestCommand(job: JobRow): string[] {
    return JSON.parse(job.command_json) as string[];
  }
}
