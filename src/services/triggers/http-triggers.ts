import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { ConflictError, NotFoundError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import { jobReason } from "../../shared/job-reasons.js";
import { isFinalJobState } from "../../shared/jobs.js";
import { ProblemType } from "../../shared/problem-types.js";
import { FiringOutcome, TriggerKind } from "../../shared/triggers.js";
import type { JobRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type ServiceContext, uniqueOrConflict } from "../context.js";
import type { JobService } from "../jobs/job-service.js";
import { presentTrigger, type Trigger } from "./trigger-presenter.js";

export const httpMethods = ["GET", "POST", "PUT", "DELETE"] as const;
export type HttpMethod = (typeof httpMethods)[number];
export const callModes = ["fireAndForget", "asyncRequestReply", "longPolling"] as const;
export type CallMode = (typeof callModes)[number];

export interface HttpTriggerInput {
  name: string;
  description?: string | null | undefined;
  processId: number;
  slug: string;
  method: HttpMethod;
  callMode: CallMode;
  inputArguments?: Record<string, unknown> | undefined;
  priority?: number | null | undefined;
  machineId?: number | null | undefined;
  stopAfterSeconds?: number | null | undefined;
  killAfterSeconds?: number | null | undefined;
  enabled?: boolean | undefined;
}

/** What a call of an HTTP trigger started, and how the caller wants the answer. */
export interface HttpCall {
  job: JobRow;
  callMode: CallMode;
}

/**
 * HTTP (API) triggers (orchestrator-spec §4.3): a tenant-unique slug and method; a call with a
 * token that has `jobs.create` in the trigger's folder starts one job with the request body as
 * input arguments (merged over the trigger's and the process's, checked against the schema).
 * The job is created through the job service's one creation path, with a history row.
 */
export class HttpTriggers {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly jobs: JobService,
  ) {}

  async create(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    folderId: number,
    input: HttpTriggerInput,
  ): Promise<Trigger> {
    access.assertFolder(folderId, "triggers.create");
    const folder = await this.ctx.db
      .selectFrom("folders")
      .select("id")
      .where("id", "=", folderId)
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    if (!folder) throw new NotFoundError("The folder");
    await this.jobs.prepare(this.ctx.db, access.tenantId, folderId, {
      processId: input.processId,
      inputArguments: input.inputArguments,
      ...(input.machineId != null && { machineId: input.machineId }),
    });
    const taken = await this.ctx.db
      .selectFrom("triggers")
      .select("id")
      .where("tenant_id", "=", access.tenantId)
      .where(sql<boolean>`lower(slug) = ${input.slug.toLowerCase()}`)
      .executeTakeFirst();
    if (taken) {
      throw new ConflictError(
        `An HTTP trigger at "${input.slug}" already exists in this tenant.`,
        ProblemType.alreadyExists,
        {
          errors: [{ path: "slug", message: "is already taken" }],
        },
      );
    }
    const row = await uniqueOrConflict(
      this.ctx,
      () =>
        this.ctx.db.transaction().execute(async (tx) => {
          const now = isoNow(this.ctx.clock);
          const row = await tx
            .insertInto("triggers")
            .values({
              key: randomUUID(),
              tenant_id: access.tenantId,
              folder_id: folderId,
              kind: TriggerKind.http,
              name: input.name.trim(),
              description: input.description?.trim() || null,
              slug: input.slug,
              process_id: input.processId,
              input_json: JSON.stringify(input.inputArguments ?? {}),
              priority: input.priority ?? null,
              machine_id: input.machineId ?? null,
              job_count: 1,
              stop_after_seconds: input.stopAfterSeconds ?? null,
              kill_after_seconds: input.killAfterSeconds ?? null,
              config_json: JSON.stringify({ method: input.method, callMode: input.callMode }),
              enabled: input.enabled === false ? 0 : 1,
              created_by: actor.name,
              updated_by: actor.name,
              created_at: now,
              updated_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
            component: AuditComponent.triggers,
            action: AuditAction.create,
            target: { type: "trigger", id: row.id, name: row.name },
            after: presentTrigger(row, "en"),
          });
          return row;
        }),
      `A trigger named "${input.name.trim()}" already exists in this folder.`,
    );
    return presentTrigger(row, "en");
  }

  /** Starts the job of the trigger at `slug` for a call with `method`. */
  async call(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    slug: string,
    method: HttpMethod,
    body: Record<string, unknown> | undefined,
  ): Promise<HttpCall> {
    const row = await this.ctx.db
      .selectFrom("triggers")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .where("kind", "=", TriggerKind.http)
      .where(sql<boolean>`lower(slug) = ${slug.toLowerCase()}`)
      .executeTakeFirst();
    const config = row ? (JSON.parse(row.config_json) as { method: HttpMethod; callMode: CallMode }) : null;
    if (!row || !config || !access.seesFolder(row.folder_id)) throw new NotFoundError(`The HTTP trigger "${slug}"`);
    if (config.method !== method) {
      throw new NotFoundError(`The HTTP trigger "${slug}" answers ${config.method} only, not ${method}; it`);
    }
    access.assertFolder(row.folder_id, "jobs.create");
    if (row.enabled !== 1) throw new ConflictError(`The HTTP trigger "${slug}" is disabled.`);
    const job = await this.ctx.db.transaction().execute(async (tx) => {
      const prepared = await this.jobs.prepare(tx, row.tenant_id, row.folder_id, {
        processId: row.process_id,
        inputArguments: { ...(JSON.parse(row.input_json) as Record<string, unknown>), ...(body ?? {}) },
        ...(row.machine_id !== null && { machineId: row.machine_id }),
        ...(row.priority !== null && { priority: row.priority }),
        ...(row.stop_after_seconds !== null && { stopAfterSeconds: row.stop_after_seconds }),
        ...(row.kill_after_seconds !== null && {
          killAfterSeconds: (row.stop_after_seconds ?? 0) + row.kill_after_seconds,
        }),
      });
      const [created] = await this.jobs.insertJobs(tx, prepared, {
        actor: actor.name,
        source: "trigger",
        reason: jobReason("started-http-trigger", { method, slug: row.slug, actor: actor.name }),
        triggerId: row.id,
      });
      const job = created as JobRow;
      const now = isoNow(this.ctx.clock);
      await tx
        .insertInto("trigger_firings")
        .values({
          trigger_id: row.id,
          tenant_id: row.tenant_id,
          fire_time: now,
          outcome: FiringOutcome.fired,
          reason: `Called by ${actor.name}.`,
          job_ids_json: JSON.stringify([job.id]),
          created_at: now,
        })
        .execute();
      await tx
        .updateTable("triggers")
        .set({ last_fired_at: now, last_result: "fired" })
        .where("id", "=", row.id)
        .execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.jobs,
        action: AuditAction.startJob,
        target: { type: "trigger", id: row.id, name: row.name },
        after: { jobIds: [job.id], via: `${method} triggers/http/${row.slug}` },
      });
      return job;
    });
    this.jobs.jobsCreated();
    return { job, callMode: config.callMode };
  }

  /** The job of a call by its key, waiting up to `waitMs` for it to end (polled, so any node's robot counts). */
  async result(access: TenantAccess, key: string, waitMs = 0): Promise<JobRow> {
    const end = Date.now() + waitMs;
    for (;;) {
      const row = await this.ctx.db
        .selectFrom("jobs")
        .selectAll()
        .where("tenant_id", "=", access.tenantId)
        .where("key", "=", key)
        .where("trigger_id", "is not", null)
        .executeTakeFirst();
      if (!row || !access.seesFolder(row.folder_id) || !access.canInFolder(row.folder_id, "jobs.view")) {
        throw new NotFoundError("The job");
      }
      if (isFinalJobState(row.state) || Date.now() >= end) return row;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
