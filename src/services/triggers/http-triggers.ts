import { sql } from "kysely";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { ConflictError, NotFoundError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { HttpTriggerInput } from "../../shared/api/triggers.js";
import { jobReason } from "../../shared/job-reasons.js";
import { isFinalJobState } from "../../shared/jobs.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { CallMode, HttpMethod } from "../../shared/triggers.js";
import { FiringOutcome, TriggerKind } from "../../shared/triggers.js";
import type { JobRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import { assertFolderOfTenant } from "../folders/folder-service.js";
import type { JobService } from "../jobs/job-service.js";
import { insertTrigger, noteTrigger, recordFiring, startTriggerJobs } from "./trigger-jobs.js";
import { presentTrigger, type Trigger } from "./trigger-presenter.js";

export { type CallMode, callModes, type HttpMethod, httpMethods } from "../../shared/triggers.js";

export type { HttpTriggerInput };

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
    await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
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
    const row = await insertTrigger(
      this.ctx,
      this.audit,
      actor,
      orgId,
      { tenantId: access.tenantId, folderId, kind: TriggerKind.http, input },
      { slug: input.slug, config_json: JSON.stringify({ method: input.method, callMode: input.callMode }) },
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
      const [created] = await startTriggerJobs(this.jobs, tx, row, {
        actor: actor.name,
        reason: jobReason("started-http-trigger", { method, slug: row.slug, actor: actor.name }),
        inputArguments: { ...(JSON.parse(row.input_json) as Record<string, unknown>), ...(body ?? {}) },
      });
      const job = created as JobRow;
      const now = isoNow(this.ctx.clock);
      noteTrigger(this.ctx, row);
      await recordFiring(tx, row, now, now, {
        outcome: FiringOutcome.fired,
        reason: `Called by ${actor.name}.`,
        jobIds: [job.id],
      });
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
