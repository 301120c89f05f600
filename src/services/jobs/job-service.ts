import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { alertMessage } from "../../shared/alerts.js";
import { type JobReason, type JobReasonParams, jobReason, jobReasonText } from "../../shared/job-reasons.js";
import { activeJobStates, canMoveJob, isFinalJobState, JobState, type LogLevel } from "../../shared/jobs.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { JobRow, ProcessRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { AlertService } from "../alerts/alert-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, Page, ServiceContext } from "../context.js";
import type { DomainEvents } from "../events/domain-events.js";
import { hashToken, newToken } from "../identity/secrets.js";
import type { ProcessService } from "../processes/process-service.js";

export interface Job {
  id: number;
  key: string;
  state: JobState;
  folderId: number;
  processId: number | null;
  processName: string;
  entryPoint: string;
  priority: number;
  targetMachineId: number | null;
  machineId: number | null;
  inputArguments: Record<string, unknown>;
  outputArguments: Record<string, unknown> | null;
  error?: string;
  source: string;
  createdBy: string;
  stopAfterSeconds: number | null;
  killAfterSeconds: number | null;
  /** The trigger that started the job (source `trigger`), if any. */
  triggerId: number | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface StartJobs {
  processId: number;
  inputArguments?: Record<string, unknown> | undefined;
  count?: number | undefined;
  machineId?: number | undefined;
  priority?: number | undefined;
  stopAfterSeconds?: number | undefined;
  killAfterSeconds?: number | undefined;
}

/** What `prepare` checked and `insertJobs` creates. */
export interface PreparedJobs {
  tenantId: number;
  folderId: number;
  process: ProcessRow;
  pkg: { id: number };
  entryPoint: { name: string; command: string[] };
  inputArguments: Record<string, unknown>;
  input: StartJobs;
}

export interface JobFilter {
  state?: JobState | undefined;
  processId?: number | undefined;
  machineId?: number | undefined;
  folderId?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** What a job-finished report from a robot says. */
export interface JobOutcome {
  exitCode: number | null;
  outputArguments: Record<string, unknown> | null;
  error: string | null;
  stopped: boolean;
  /** False when the robot never spawned the process (absent from older agents: true). */
  started?: boolean;
}

/** Commands to robots that a service cannot send itself (the robot gateway delivers them). */
export interface RobotCommands {
  stop(sessionId: number, jobKey: string, mode: "stop" | "kill"): void;
  wakeDispatcher(): void;
}

/**
 * Jobs: created pending, claimed by one robot, finished by its report; every transition is one
 * conditional UPDATE (zero rows = someone else moved it first) plus a row in job_events.
 */
export class JobService {
  private robots: RobotCommands = { stop: () => {}, wakeDispatcher: () => {} };

  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly processes: ProcessService,
    private readonly alerts: AlertService,
    private readonly events: DomainEvents,
  ) {}

  /** Connects the robot gateway (set once at start-up; services do not import the HTTP layer). */
  connectRobots(commands: RobotCommands): void {
    this.robots = commands;
  }

  async start(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    folderId: number,
    input: StartJobs,
    source: "manual" | "api",
  ) {
    access.assertFolder(folderId, "jobs.create");
    const folder = await this.ctx.db
      .selectFrom("folders")
      .select("id")
      .where("id", "=", folderId)
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    if (!folder) throw new NotFoundError("The folder");
    const prepared = await this.prepare(this.ctx.db, access.tenantId, folderId, input);
    const rows = await this.ctx.db.transaction().execute(async (tx) => {
      const created = await this.insertJobs(tx, prepared, {
        actor: actor.name,
        source,
        reason: jobReason(source === "api" ? "started-api" : "started-manually"),
      });
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.jobs,
        action: AuditAction.startJob,
        target: { type: "process", id: prepared.process.id, name: prepared.process.name },
        after: { count: created.length, jobIds: created.map((r) => r.id), machineId: input.machineId ?? null },
      });
      return created;
    });
    this.robots.wakeDispatcher();
    return rows.map(present);
  }

  /**
   * Checks what jobs of a process in a folder need (the process, its package version and entry
   * point, the arguments against the entry point's schema, the machine) without creating any;
   * `db` may be a transaction. Throws ValidationError naming the field.
   */
  async prepare(db: Db, tenantId: number, folderId: number, input: StartJobs): Promise<PreparedJobs> {
    const process = await db
      .selectFrom("processes")
      .selectAll()
      .where("id", "=", input.processId)
      .where("tenant_id", "=", tenantId)
      .where("folder_id", "=", folderId)
      .executeTakeFirst();
    if (!process) throw ValidationError.field("processId", "is not a process of this folder");
    const inputArguments = {
      ...(JSON.parse(process.input_json) as Record<string, unknown>),
      ...(input.inputArguments ?? {}),
    };
    const { pkg, entryPoint } = await this.processes.resolveEntryPoint(db, tenantId, {
      name: process.name,
      packageName: process.package_name,
      packageVersion: process.package_version,
      entryPoint: process.entry_point,
      inputArguments,
    });
    if (input.machineId !== undefined) {
      const machine = await db
        .selectFrom("machines as m")
        .innerJoin("machine_folders as mf", "mf.machine_id", "m.id")
        .select("m.id")
        .where("m.id", "=", input.machineId)
        .where("m.tenant_id", "=", tenantId)
        .where("mf.folder_id", "=", folderId)
        .executeTakeFirst();
      if (!machine) throw ValidationError.field("machineId", "is not a machine assigned to this folder");
    }
    return { tenantId, folderId, process, pkg, entryPoint, inputArguments, input };
  }

  /**
   * Creates the prepared jobs inside the caller's transaction (the one job-creation path: manual
   * and API starts, and trigger firings, which advance their fire time in the same transaction).
   * The caller wakes the dispatcher after commit (`jobsCreated`).
   */
  async insertJobs(
    tx: Db,
    prepared: PreparedJobs,
    origin: { actor: string; source: "manual" | "api" | "trigger"; reason: JobReason; triggerId?: number },
  ): Promise<JobRow[]> {
    const { process, pkg, entryPoint, inputArguments, input } = prepared;
    const now = isoNow(this.ctx.clock);
    const created: JobRow[] = [];
    for (let i = 0; i < (input.count ?? 1); i++) {
      const row = await tx
        .insertInto("jobs")
        .values({
          key: randomUUID(),
          tenant_id: prepared.tenantId,
          folder_id: prepared.folderId,
          process_id: process.id,
          process_name: process.name,
          package_id: pkg.id,
          entry_point: entryPoint.name,
          command_json: JSON.stringify(entryPoint.command),
          state: JobState.pending,
          priority: input.priority ?? process.priority,
          target_machine_id: input.machineId ?? null,
          input_json: JSON.stringify(inputArguments),
          source: origin.source,
          created_by: origin.actor,
          stop_after_seconds: input.stopAfterSeconds ?? null,
          kill_after_seconds: input.killAfterSeconds ?? null,
          ...(origin.triggerId !== undefined && { trigger_id: origin.triggerId }),
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.event(tx, row, null, origin.actor, origin.reason);
      created.push(row);
    }
    return created;
  }

  /** Wakes the dispatchers after jobs were created in a committed transaction. */
  jobsCreated(): void {
    this.robots.wakeDispatcher();
  }

  /** Presents job rows as the API shows them. */
  presentAll(rows: JobRow[]): Job[] {
    return rows.map(present);
  }

  async get(access: TenantAccess, ref: string): Promise<Job & { timeline: TimelineEntry[] }> {
    const row = await this.find(this.ctx.db, access, ref);
    const events = await this.ctx.db
      .selectFrom("job_events")
      .selectAll()
      .where("job_id", "=", row.id)
      .orderBy("id")
      .execute();
    // The stored actor of a robot's transition is "machine <id>" (stable across renames); readers
    // see the machine's current name, resolved here.
    const machineIds = [...new Set(events.map((e) => machineActorId(e.actor)).filter((id) => id !== null))];
    const names = new Map<number, string>();
    if (machineIds.length > 0) {
      const machines = await this.ctx.db
        .selectFrom("machines")
        .select(["id", "name"])
        .where("tenant_id", "=", row.tenant_id)
        .where("id", "in", machineIds)
        .execute();
      for (const m of machines) names.set(m.id, m.name);
    }
    return {
      ...present(row),
      timeline: events.map((e) => {
        const machineId = machineActorId(e.actor);
        const actorName = (machineId !== null ? names.get(machineId) : undefined) ?? e.actor;
        return {
          state: e.state,
          actor: e.actor,
          actorName,
          reason: e.reason,
          reasonCode: e.reason_code,
          reasonParams: e.reason_params === null ? null : (JSON.parse(e.reason_params) as JobReasonParams),
          at: e.created_at,
        };
      }),
    };
  }

  async list(access: TenantAccess, filter: JobFilter, limit: number, cursor?: string): Promise<Page<Job>> {
    // The folders filter runs in SQL, so a user who sees few folders still gets full pages.
    const folders = access.foldersWith("jobs.view");
    if (folders !== "all" && folders.length === 0) return { items: [], nextCursor: null };
    let q = this.ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .$if(folders !== "all", (qb) => qb.where("folder_id", "in", folders as number[]))
      .orderBy("id", "desc")
      .limit(limit + 1);
    if (filter.state) q = q.where("state", "=", filter.state);
    if (filter.processId) q = q.where("process_id", "=", filter.processId);
    if (filter.machineId) q = q.where("machine_id", "=", filter.machineId);
    if (filter.folderId) q = q.where("folder_id", "=", filter.folderId);
    if (filter.from) q = q.where("created_at", ">=", filter.from);
    if (filter.to) q = q.where("created_at", "<=", filter.to);
    if (cursor !== undefined) {
      const before = Number(cursor);
      if (!Number.isInteger(before)) throw ValidationError.field("cursor", "is not a valid cursor");
      q = q.where("id", "<", before);
    }
    const rows = await q.execute();
    const items = rows.slice(0, limit);
    return { items: items.map(present), nextCursor: rows.length > limit ? String(items.at(-1)?.id) : null };
  }

  /** Stop (graceful) or kill a running job; a pending job is cancelled at once. */
  async stop(actor: Actor, orgId: number, access: TenantAccess, ref: string, mode: "stop" | "kill"): Promise<Job> {
    const job = await this.find(this.ctx.db, access, ref);
    access.assertFolder(job.folder_id, "jobs.edit");
    const now = isoNow(this.ctx.clock);
    let target: JobState;
    if (job.state === JobState.pending) target = JobState.stopped;
    else if (mode === "kill" && (job.state === JobState.running || job.state === JobState.stopping))
      target = JobState.terminating;
    else if (mode === "stop" && job.state === JobState.running) target = JobState.stopping;
    else
      throw new ConflictError(
        `A ${job.state} job cannot be ${mode === "kill" ? "killed" : "stopped"}.`,
        ProblemType.invalidStateTransition,
        { from: job.state },
      );
    const updated = await this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.move(tx, job, target, {
        stop_requested_at: now,
        ...(target === JobState.stopped && { ended_at: now, error: null }),
      });
      await this.event(
        tx,
        row,
        job.state,
        actor.name,
        jobReason(
          target === JobState.stopped
            ? "cancelled-before-start"
            : mode === "kill"
              ? "kill-requested"
              : "stop-requested",
        ),
      );
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.jobs,
        action: mode === "kill" ? AuditAction.killJob : AuditAction.stopJob,
        target: { type: "job", id: job.id, name: job.process_name },
        before: { state: job.state },
        after: { state: target },
      });
      return row;
    });
    if (updated.session_id !== null && target !== JobState.stopped)
      this.robots.stop(updated.session_id, updated.key, mode);
    return present(updated);
  }

  /** Starts a finished job again as a new job with the same process and arguments. */
  async restart(actor: Actor, orgId: number, access: TenantAccess, ref: string) {
    const job = await this.find(this.ctx.db, access, ref);
    if (!isFinalJobState(job.state))
      throw new ConflictError("Only a finished job can be restarted.", ProblemType.invalidStateTransition, {
        from: job.state,
      });
    if (job.process_id === null) throw new ConflictError("The job's process was deleted.");
    const [created] = await this.start(
      actor,
      orgId,
      access,
      job.folder_id,
      {
        processId: job.process_id,
        inputArguments: JSON.parse(job.input_json) as Record<string, unknown>,
        priority: job.priority,
        ...(job.target_machine_id !== null && { machineId: job.target_machine_id }),
        ...(job.stop_after_seconds !== null && { stopAfterSeconds: job.stop_after_seconds }),
        ...(job.kill_after_seconds !== null && { killAfterSeconds: job.kill_after_seconds }),
      },
      "manual",
    );
    return created as Job;
  }

  async logs(
    access: TenantAccess,
    ref: string,
    filter: { level?: LogLevel | undefined; q?: string | undefined; after?: number | undefined },
    limit: number,
  ) {
    const job = await this.find(this.ctx.db, access, ref);
    access.assertFolder(job.folder_id, "logs.view");
    let q = this.ctx.db.selectFrom("job_logs").selectAll().where("job_id", "=", job.id).orderBy("id").limit(limit);
    if (filter.after !== undefined) q = q.where("id", ">", filter.after);
    if (filter.level) q = q.where("level", "in", levelsAtLeast(filter.level));
    if (filter.q) q = q.where(this.ctx.dialect.contains("message", filter.q));
    const rows = await q.execute();
    return rows.map((r) => ({ id: r.id, timestamp: r.timestamp, level: r.level, message: r.message }));
  }

  // ---- used by the dispatcher and the robot gateway ----

  /**
   * Claims the best pending job a machine may run on a session: its tenant, one of its folders,
   * not targeted at another machine; highest priority, then oldest. One conditional statement,
   * so two nodes (or two robots) never get the same job.
   */
  async claim(session: {
    id: number;
    machineId: number;
    tenantId: number;
  }): Promise<{ job: JobRow; token: string } | undefined> {
    const now = isoNow(this.ctx.clock);
    const token = newToken("job");
    const row = await this.ctx.db.transaction().execute(async (tx) => {
      const claimed = await tx
        .updateTable("jobs")
        .set({
          state: JobState.running,
          machine_id: session.machineId,
          session_id: session.id,
          started_at: now,
          updated_at: now,
          token_hash: hashToken(token),
        })
        .where("id", "=", (eb) =>
          eb
            .selectFrom("jobs as j")
            .select("j.id")
            .where("j.tenant_id", "=", session.tenantId)
            .where("j.state", "=", JobState.pending)
            .where((w) =>
              w.or([w("j.target_machine_id", "is", null), w("j.target_machine_id", "=", session.machineId)]),
            )
            .where("j.folder_id", "in", (f) =>
              f.selectFrom("machine_folders").select("folder_id").where("machine_id", "=", session.machineId),
            )
            .orderBy("j.priority", "desc")
            .orderBy("j.id")
            .limit(1)
            .$if(this.ctx.dialect.name === "postgres", (q) => q.forUpdate().skipLocked()),
        )
        .where("state", "=", JobState.pending)
        .returningAll()
        .executeTakeFirst();
      if (claimed)
        await this.event(
          tx,
          claimed,
          JobState.pending,
          `machine ${session.machineId}`,
          jobReason("assigned-to-session", { session: session.id }),
        );
      return claimed;
    });
    // The token goes to the robot once; only its hash is stored.
    return row ? { job: row, token } : undefined;
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
      const row = await this.move(tx, job, target, {
        ended_at: now,
        output_json: outcome.outputArguments ? JSON.stringify(outcome.outputArguments) : null,
        error:
          target === JobState.faulted
            ? (outcome.error ?? jobReasonText("exited-unknown", { code: outcome.exitCode ?? "unknown" }, "en"))
            : null,
        token_hash: null,
      }).catch(ignoreConflict);
      if (row) {
        await this.event(
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
        if (target === JobState.faulted) await this.alertFaulted(tx, row);
      }
      this.robots.wakeDispatcher();
      return row;
    });
  }

  /** Binds the jobs a reconnected robot still runs to its new session. */
  async resume(session: { id: number; machineId: number }, jobKeys: string[]): Promise<JobRow[]> {
    if (jobKeys.length === 0) return [];
    const rows = await this.ctx.db
      .updateTable("jobs")
      .set({ session_id: session.id, updated_at: isoNow(this.ctx.clock) })
      .where("key", "in", jobKeys)
      .where("machine_id", "=", session.machineId)
      .where("state", "in", [...activeJobStates])
      .returningAll()
      .execute();
    for (const row of rows)
      await this.timeline(
        this.ctx.db,
        row.id,
        row.state,
        `machine ${session.machineId}`,
        jobReason("resumed-on-session", { session: session.id }),
      );
    return rows;
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

  /** How many jobs a session is running (for free slots). */
  async activeCount(sessionId: number): Promise<number> {
    const row = await this.ctx.db
      .selectFrom("jobs")
      .select(sql<number>`cast(count(*) as integer)`.as("c"))
      .where("session_id", "=", sessionId)
      .where("state", "in", [...activeJobStates])
      .executeTakeFirstOrThrow();
    return row.c;
  }

  /**
   * Stores a robot's batch of log lines; returns the job's id when lines were stored. A batch
   * with a `seq` at or below the job's last stored one was stored before (the robot sends
   * unacknowledged batches again after a reconnect) and is skipped.
   */
  async appendLogs(
    session: { id: number; machineId: number },
    jobKey: string,
    entries: { timestamp: string; level: LogLevel; message: string }[],
    seq?: number,
  ): Promise<number | null> {
    if (entries.length === 0) return null;
    const job = await this.ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("key", "=", jobKey)
      .where("machine_id", "=", session.machineId)
      .executeTakeFirst();
    // An active job takes lines from the session it is bound to; a finished one also takes its
    // late lines from a later session of its machine (sent again after a reconnect).
    if (!job || (job.session_id !== session.id && !isFinalJobState(job.state))) return null;
    return this.ctx.db.transaction().execute(async (tx) => {
      if (seq !== undefined) {
        // One conditional statement decides, so two sessions of a robot (an old connection not yet
        // closed, a new one sending again) never store a batch twice: the row lock serialises them.
        const fresh = await tx
          .updateTable("jobs")
          .set({ log_seq: seq })
          .where("id", "=", job.id)
          .where("log_seq", "<", seq)
          .executeTakeFirst();
        if (Number(fresh.numUpdatedRows) === 0) return null;
      }
      await tx
        .insertInto("job_logs")
        .values(
          entries.map((e) => ({
            job_id: job.id,
            tenant_id: job.tenant_id,
            folder_id: job.folder_id,
            process_id: job.process_id,
            machine_id: job.machine_id,
            timestamp: e.timestamp,
            level: e.level,
            message: e.message,
          })),
        )
        .execute();
      return job.id;
    });
  }

  /**
   * Faults the active jobs of robots that disconnected and did not come back within the grace
   * period, and asks robots to stop or kill jobs past their stop-after / kill-after limits.
   */
  async sweep(graceSeconds: number): Promise<{ faulted: number; stopped: number }> {
    const now = this.ctx.clock.now();
    const cutoff = new Date(now.getTime() - graceSeconds * 1000).toISOString();
    const lost = await this.ctx.db
      .selectFrom("jobs as j")
      .innerJoin("robot_sessions as s", "s.id", "j.session_id")
      .selectAll("j")
      .where("j.state", "in", [...activeJobStates])
      .where("s.disconnected_at", "is not", null)
      .where("s.disconnected_at", "<", cutoff)
      .execute();
    let faulted = 0;
    for (const job of lost) {
      // Unless a newer session of the same machine resumed it (then session_id changed).
      const moved = await this.ctx.db.transaction().execute(async (tx) => {
        const row = await this.move(tx, job, JobState.faulted, {
          ended_at: now.toISOString(),
          error: jobReasonText("robot-lost", {}, "en"),
          token_hash: null,
        }).catch(ignoreConflict);
        if (row) {
          await this.event(tx, row, job.state, "system", jobReason("robot-lost"));
          await this.alertFaulted(tx, row);
        }
        return row;
      });
      if (moved) faulted += 1;
    }
    let stopped = 0;
    const timed = await this.ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("state", "in", [JobState.running, JobState.stopping])
      .where((eb) => eb.or([eb("stop_after_seconds", "is not", null), eb("kill_after_seconds", "is not", null)]))
      .execute();
    for (const job of timed) {
      // A trigger's limits count from the job's creation (time spent pending counts, orchestrator-spec §4.3).
      const since = job.source === "trigger" ? job.created_at : (job.started_at ?? job.created_at);
      const ran = (now.getTime() - Date.parse(since)) / 1000;
      const kill = job.kill_after_seconds !== null && ran >= job.kill_after_seconds;
      const stop =
        !kill && job.state === JobState.running && job.stop_after_seconds !== null && ran >= job.stop_after_seconds;
      if (!kill && !stop) continue;
      const target = kill ? JobState.terminating : JobState.stopping;
      const row = await this.ctx.db.transaction().execute(async (tx) => {
        const r = await this.move(tx, job, target, { stop_requested_at: now.toISOString() }).catch(ignoreConflict);
        if (r)
          await this.event(
            tx,
            r,
            job.state,
            "system",
            kill
              ? jobReason("killed-after", { seconds: job.kill_after_seconds })
              : jobReason("stopped-after", { seconds: job.stop_after_seconds }),
          );
        return r;
      });
      if (row?.session_id) {
        this.robots.stop(row.session_id, row.key, kill ? "kill" : "stop");
        stopped += 1;
      }
    }
    return { faulted, stopped };
  }

  /**
   * Maintenance: asks every running job of a tenant (or of every tenant) to stop, or kills them.
   * Returns how many jobs were asked.
   */
  async stopAllActive(tenantId: number | null, mode: "stop" | "kill", reason: JobReason): Promise<number> {
    const states = mode === "kill" ? [JobState.running, JobState.stopping] : [JobState.running];
    const jobs = await this.ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("state", "in", states)
      .$if(tenantId !== null, (q) => q.where("tenant_id", "=", tenantId ?? 0))
      .execute();
    let asked = 0;
    const target = mode === "kill" ? JobState.terminating : JobState.stopping;
    for (const job of jobs) {
      const row = await this.ctx.db.transaction().execute(async (tx) => {
        const r = await this.move(tx, job, target, { stop_requested_at: isoNow(this.ctx.clock) }).catch(
          () => undefined,
        );
        if (r) await this.event(tx, r, job.state, "maintenance", reason);
        return r;
      });
      if (row?.session_id) this.robots.stop(row.session_id, row.key, mode);
      if (row) asked += 1;
    }
    return asked;
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

  private async alertFaulted(db: Db, job: JobRow): Promise<void> {
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

  /** Deletes log lines older than each tenant's retention (default 30 days). Returns how many. */
  async purgeLogs(): Promise<number> {
    const tenants = await this.ctx.db.selectFrom("tenants").select(["id", "log_retention_days"]).execute();
    let deleted = 0;
    for (const t of tenants) {
      const cutoff = new Date(this.ctx.clock.now().getTime() - t.log_retention_days * 86_400_000).toISOString();
      // In batches: one statement over millions of lines would hold the write lock (SQLite) or a
      // long transaction (PostgreSQL) for minutes, and time out under the statement timeout.
      for (;;) {
        const result = await this.ctx.db
          .deleteFrom("job_logs")
          .where("id", "in", (eb) =>
            eb
              .selectFrom("job_logs")
              .select("id")
              .where("tenant_id", "=", t.id)
              .where("timestamp", "<", cutoff)
              .limit(logPurgeBatch),
          )
          .executeTakeFirst();
        const n = Number(result.numDeletedRows);
        deleted += n;
        if (n < logPurgeBatch) break;
      }
    }
    return deleted;
  }

  /** One conditional state change; throws a 409 when someone else moved the job first. */
  private async move(db: Db, job: JobRow, to: JobState, values: Partial<Omit<JobRow, "id" | "key">>): Promise<JobRow> {
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

  /** Writes the timeline entry of a job's new state and tells the listeners of domain events. */
  private async event(db: Db, job: JobRow, from: JobState | null, actor: string, reason: JobReason | string | null) {
    await this.timeline(db, job.id, job.state, actor, reason);
    await this.events.emit(db, from === null ? { type: "job.created", job } : { type: "job.stateChanged", job, from });
  }

  /** `reason`: a coded reason (shown in each reader's language), or raw text such as a robot's error. */
  private async timeline(db: Db, jobId: number, state: JobState, actor: string, reason: JobReason | string | null) {
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

  private async find(db: Db, access: TenantAccess, ref: string): Promise<JobRow> {
    const byId = /^\d+$/.test(ref);
    const row = await db
      .selectFrom("jobs")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .$if(byId, (q) => q.where("id", "=", Number(ref)))
      .$if(!byId, (q) => q.where("key", "=", ref))
      .executeTakeFirst();
    if (!row || !access.seesFolder(row.folder_id) || !access.canInFolder(row.folder_id, "jobs.view"))
      throw new NotFoundError("The job");
    return row;
  }
}

const levelOrder = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
function levelsAtLeast(level: LogLevel): LogLevel[] {
  return levelOrder.slice(levelOrder.indexOf(level));
}

function exitReason(code: number | null): JobReason {
  return code === null ? jobReason("ended-by-signal") : jobReason("exited-with-code", { code });
}

export function present(r: JobRow): Job {
  return {
    id: r.id,
    key: r.key,
    state: r.state,
    folderId: r.folder_id,
    processId: r.process_id,
    processName: r.process_name,
    entryPoint: r.entry_point,
    priority: r.priority,
    targetMachineId: r.target_machine_id,
    machineId: r.machine_id,
    inputArguments: JSON.parse(r.input_json) as Record<string, unknown>,
    outputArguments: r.output_json ? (JSON.parse(r.output_json) as Record<string, unknown>) : null,
    ...(r.error !== null && { error: r.error }),
    source: r.source,
    createdBy: r.created_by,
    stopAfterSeconds: r.stop_after_seconds,
    killAfterSeconds: r.kill_after_seconds,
    triggerId: r.trigger_id,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

/** Log lines deleted per statement by the retention sweep. */
const logPurgeBatch = 5000;

/** A state change that lost a race (the job moved meanwhile) is expected; any other error is not. */
function ignoreConflict(error: unknown): undefined {
  if (error instanceof ConflictError) return undefined;
  throw error;
}

/** One transition of a job: the stored actor, its display name (a machine's current name), the reason. */
export interface TimelineEntry {
  state: string;
  actor: string;
  actorName: string;
  reason: string | null;
  /** The reason as a code of src/shared/job-reasons.ts, for a reader's language (null: `reason` is raw text). */
  reasonCode: string | null;
  reasonParams: JobReasonParams | null;
  at: string;
}

/** The machine id of a robot's stored actor ("machine 7"), or null for people and the system. */
function machineActorId(actor: string): number | null {
  const match = /^machine (\d+)$/.exec(actor);
  return match ? Number(match[1]) : null;
}
