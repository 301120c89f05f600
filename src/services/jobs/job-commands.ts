import { randomUUID } from "node:crypto";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { type JobReason, type JobReasonParams, jobReason } from "../../shared/job-reasons.js";
import { isFinalJobState, JobState, type LogLevel } from "../../shared/jobs.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import { countAll } from "../../storage/dialect.js";
import type { JobRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, Page, ServiceContext } from "../context.js";
import { assertFolderOfTenant } from "../folders/folder-service.js";
import type { ProcessService } from "../processes/process-service.js";
import { sortedPage, sortedPageOf, sortSpec } from "../sorted-page.js";
import type { JobCore } from "./job-core.js";
import {
  type DispatchHint,
  type Job,
  type JobFilter,
  jobSortColumns,
  levelsAtLeast,
  machineActorId,
  type PreparedJobs,
  type PresentedJobRow,
  present,
  presentedJobColumns,
  type StartJobs,
  type TimelineEntry,
} from "./job-model.js";

/**
 * What people (and triggers) do with jobs: create them, read them and their logs, stop, kill and
 * restart them, and stop them all for maintenance.
 */
export class JobCommands {
  private readonly ctx: ServiceContext;

  constructor(
    private readonly core: JobCore,
    private readonly audit: AuditService,
    private readonly processes: ProcessService,
  ) {
    this.ctx = core.ctx;
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
    // A missing folder has no process either: it is looked for only when preparing fails, so a
    // start costs one statement fewer, and still answers 404 for an unknown folder.
    const prepared = await this.prepare(this.ctx.db, access.tenantId, folderId, input).catch(async (error) => {
      await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
      throw error;
    });
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
    this.core.robots.wakeDispatcher({ tenantId: access.tenantId, count: rows.length });
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
      await this.core.event(tx, row, null, origin.actor, origin.reason);
      created.push(row);
    }
    return created;
  }

  /**
   * Wakes the dispatchers after jobs were created in a committed transaction; `created` names
   * the tenant when they all belong to one (this node's dispatcher then goes straight to it).
   */
  jobsCreated(created?: DispatchHint): void {
    this.core.robots.wakeDispatcher(created);
  }

  /** Presents job rows as the API shows them. */
  presentAll(rows: PresentedJobRow[]): Job[] {
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

  async list(
    access: TenantAccess,
    filter: JobFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<Job> & { total?: number }> {
    // The folders filter runs in SQL, so a user who sees few folders still gets full pages.
    const folders = access.foldersWith("jobs.view");
    if (folders !== "all" && folders.length === 0)
      return { items: [], nextCursor: null, ...(filter.total && { total: 0 }) };
    const sort = filter.sort ? sortSpec(filter.sort, jobSortColumns) : null;
    let base = this.ctx.db
      .selectFrom("jobs")
      .where("tenant_id", "=", access.tenantId)
      .$if(folders !== "all", (qb) => qb.where("folder_id", "in", folders as number[]));
    if (filter.state) base = base.where("state", "=", filter.state);
    if (filter.processId) base = base.where("process_id", "=", filter.processId);
    if (filter.machineId) base = base.where("machine_id", "=", filter.machineId);
    if (filter.folderId) base = base.where("folder_id", "=", filter.folderId);
    if (filter.from) base = base.where("created_at", ">=", filter.from);
    if (filter.to) base = base.where("created_at", "<=", filter.to);
    if (filter.q) {
      const text = filter.q.trim().replace(/^#/, "");
      const id = /^\d{1,15}$/.test(text) ? Number(text) : null;
      base = base.where((eb) =>
        eb.or([this.ctx.dialect.contains("process_name", text), ...(id !== null ? [eb("id", "=", id)] : [])]),
      );
    }
    const total = filter.total
      ? Number((await base.select(countAll().as("c")).executeTakeFirstOrThrow()).c)
      : undefined;
    let q = base.select(presentedJobColumns).limit(limit + 1);
    if (sort) {
      q = sortedPage(q, sort, "id", cursor);
      const page = sortedPageOf(
        await q.execute(),
        limit,
        (r) => r[sort.column as keyof PresentedJobRow] as string | number,
      );
      return { items: page.items.map(present), nextCursor: page.nextCursor, ...(total !== undefined && { total }) };
    }
    // Newest first with the id as cursor: the contract's order and cursor, unchanged.
    q = q.orderBy("id", "desc");
    if (cursor !== undefined) {
      const before = Number(cursor);
      if (!Number.isInteger(before)) throw ValidationError.field("cursor", "is not a valid cursor");
      q = q.where("id", "<", before);
    }
    const rows = await q.execute();
    const items = rows.slice(0, limit);
    return {
      items: items.map(present),
      nextCursor: rows.length > limit ? String(items.at(-1)?.id) : null,
      ...(total !== undefined && { total }),
    };
  }

  /**
   * Stop (graceful) or kill a running job; a pending job is cancelled at once. A job that moves
   * on between the read and the conditional update (a pending job the dispatcher assigns in that
   * instant) is read again and stopped in its new state: the request is never lost to that race.
   */
  async stop(actor: Actor, orgId: number, access: TenantAccess, ref: string, mode: "stop" | "kill"): Promise<Job> {
    for (let attempt = 1; ; attempt++) {
      const job = await this.find(this.ctx.db, access, ref);
      access.assertFolder(job.folder_id, "jobs.edit");
      try {
        return await this.stopIn(actor, orgId, job, mode);
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt === 3) throw error;
        const now = await this.find(this.ctx.db, access, ref);
        if (now.state === job.state && now.session_id === job.session_id) throw error;
      }
    }
  }

  private async stopIn(actor: Actor, orgId: number, job: JobRow, mode: "stop" | "kill"): Promise<Job> {
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
      const row = await this.core.move(tx, job, target, {
        stop_requested_at: now,
        ...(target === JobState.stopped && { ended_at: now, error: null }),
      });
      await this.core.event(
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
      this.core.robots.stop(updated.session_id, updated.key, mode);
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
        const r = await this.core
          .move(tx, job, target, { stop_requested_at: isoNow(this.ctx.clock) })
          .catch(() => undefined);
        if (r) await this.core.event(tx, r, job.state, "maintenance", reason);
        return r;
      });
      if (row?.session_id) this.core.robots.stop(row.session_id, row.key, mode);
      if (row) asked += 1;
    }
    return asked;
  }

  async find(db: Db, access: TenantAccess, ref: string): Promise<JobRow> {
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
