import { ConflictError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { alertMessage } from "../../shared/alerts.js";
import { type JobReason, jobReason, jobReasonText } from "../../shared/job-reasons.js";
import { canMoveJob, JobState } from "../../shared/jobs.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { JobRow } from "../../storage/schema.js";
import type { AlertService } from "../alerts/alert-service.js";
import type { ServiceContext } from "../context.js";
import type { DomainEvents } from "../events/domain-events.js";
import { ignoreConflict, type RobotCommands } from "./job-model.js";

/**
 * What every role of the job service shares: the one way a job changes state (a conditional
 * UPDATE plus its timeline row and domain event), the faulted-job alert, and the robot commands.
 */
export class JobCore {
  robots: RobotCommands = { stop: () => {}, wakeDispatcher: () => {} };

  constructor(
    readonly ctx: ServiceContext,
    private readonly alerts: AlertService,
    private readonly events: DomainEvents,
  ) {}

  /** One conditional state change; throws a 409 when someone else moved the job first. */
  async move(db: Db, job: JobRow, to: JobState, values: Partial<Omit<JobRow, "id" | "key">>): Promise<JobRow> {
    if (!canMoveJob(job.state, to)) {
      throw new ConflictError(`A job cannot move from ${job.state} to ${to}.`, ProblemType.invalidStateTransition, {
        from: job.state,
        to,
      });
    }
    const row = await db
      .updateTable("jobs")
      .set({ ...values, state: to, updated_at: isoNow(this.ctx.clock) })
      .where("id", "=", job.id)
      .where("state", "=", job.state)
      .$if(job.session_id !== null, (q) => q.where("session_id", "=", job.session_id))
      .returningAll()
      .executeTakeFirst();
    if (!row)
      throw new ConflictError("The job changed meanwhile; reload it.", ProblemType.invalidStateTransition, {
        from: job.state,
        to,
      });
    return row;
  }

  /**
   * Takes back a job whose robot never acknowledged it (issue #11 item 2): pending again, or
   * stopped if a stop was asked for meanwhile.
   */
  async unassign(job: JobRow, why: "never-received" | "lost-before-received"): Promise<JobRow | undefined> {
    const now = isoNow(this.ctx.clock);
    const target = job.state === JobState.running ? JobState.pending : JobState.stopped;
    return this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.move(
        tx,
        job,
        target,
        target === JobState.pending
          ? { session_id: null, machine_id: null, started_at: null, token_hash: null }
          : { ended_at: now, token_hash: null },
      ).catch(ignoreConflict);
      if (row)
        await this.event(
          tx,
          row,
          job.state,
          "system",
          jobReason(target === JobState.pending ? `${why}-requeued` : `${why}-stopped`),
        );
      return row;
    });
  }

  /** Writes the timeline entry of a job's new state and tells the listeners of domain events. */
  async event(db: Db, job: JobRow, from: JobState | null, actor: string, reason: JobReason | string | null) {
    await this.timeline(db, job.id, job.state, actor, reason);
    await this.events.emit(db, from === null ? { type: "job.created", job } : { type: "job.stateChanged", job, from });
  }

  /** `reason`: a coded reason (shown in each reader's language), or raw text such as a robot's error. */
  async timeline(db: Db, jobId: number, state: JobState, actor: string, reason: JobReason | string | null) {
    const coded = reason !== null && typeof reason === "object" ? reason : null;
    await db
      .insertInto("job_events")
      .values({
        job_id: jobId,
        state,
        actor,
        reason: coded ? jobReasonText(coded.code, coded.params, "en") : (reason as string | null),
        reason_code: coded?.code ?? null,
        reason_params: coded ? JSON.stringify(coded.params) : null,
        created_at: isoNow(this.ctx.clock),
      })
      .execute();
  }

  async alertFaulted(db: Db, job: JobRow): Promise<void> {
    const details = {
      jobId: job.id,
      processName: job.process_name,
      error: (job.error ?? "").split("\n")[0]?.slice(0, 300) ?? "",
    };
    await this.alerts.raise(db, {
      tenant_id: job.tenant_id,
      folder_id: job.folder_id,
      severity: "error",
      component: "jobs",
      kind: "job-faulted",
      message: alertMessage("job-faulted", details, "en") ?? "",
      link: `/jobs/${job.id}`,
      details,
    });
  }
}
