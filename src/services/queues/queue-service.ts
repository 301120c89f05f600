import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { z } from "zod";
import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { Queue as ApiQueue, createQueueBody } from "../../shared/api/queues.js";
import { defaultAbandonHours, QueueItemStatus, queueItemStatuses, type SlaColour } from "../../shared/queues.js";
import type { Db } from "../../storage/database.js";
import { countAll } from "../../storage/dialect.js";
import type { QueueRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type ServiceContext, uniqueOrConflict } from "../context.js";
import { assertFolderOfTenant } from "../folders/folder-service.js";
import { compileSchema, presentQueue, type Queue, type QueueCaller } from "./queue-model.js";

/** What creating a queue takes (the API's create body). */
export type QueueInput = z.infer<typeof createQueueBody>;

/** Everything but the unique-reference switch can change after creation (spec §4.6). */
export type QueueChanges = Partial<Omit<QueueInput, "uniqueReference">>;

/** A queue with its figures (counts per status, mean processing time, SLA colour). */
export type QueueStats = ApiQueue;

/**
 * Queue definitions: folder-scoped, names unique per folder case-insensitively; every change is
 * audited in its own transaction. Items live in QueueItemService and QueueTransactionService.
 */
export class QueueService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
  ) {}

  async create(caller: QueueCaller, access: TenantAccess, folderId: number, input: QueueInput): Promise<Queue> {
    access.assertFolder(folderId, "queues.create");
    await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
    this.checkInput(input);
    if (input.processId != null) await this.assertProcess(access, folderId, input.processId);
    const now = isoNow(this.ctx.clock);
    const row = await uniqueOrConflict(
      this.ctx,
      () =>
        this.ctx.db.transaction().execute(async (tx) => {
          const created = await tx
            .insertInto("queues")
            .values({
              key: randomUUID(),
              tenant_id: access.tenantId,
              folder_id: folderId,
              name: input.name,
              name_key: input.name.toLowerCase(),
              description: input.description ?? "",
              unique_reference: input.uniqueReference ? 1 : 0,
              auto_retry: input.autoRetry === false ? 0 : 1,
              max_retries: input.maxRetries ?? 1,
              retry_abandoned: input.retryAbandoned ? 1 : 0,
              sla_minutes: input.slaMinutes ?? null,
              risk_sla_minutes: input.riskSlaMinutes ?? null,
              specific_schema_json: schemaText(input.specificDataSchema),
              output_schema_json: schemaText(input.outputDataSchema),
              analytics_schema_json: schemaText(input.analyticsDataSchema),
              process_id: input.processId ?? null,
              version: 1,
              created_at: now,
              updated_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await this.audit.record(tx, caller.actor, orgAuditScope(caller.actor, caller.orgId), {
            component: AuditComponent.queues,
            action: AuditAction.create,
            target: { type: "queue", id: created.id, name: created.name },
            after: auditView(presentQueue(created)),
          });
          return created;
        }),
      "A queue with this name already exists in the folder.",
    );
    this.noteChanged(row);
    return presentQueue(row);
  }

  /** The folder's queues with their counts per status, average processing time and SLA colour. */
  async list(access: TenantAccess, folderId: number): Promise<QueueStats[]> {
    await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
    access.assertFolder(folderId, "queues.view");
    const rows = await this.ctx.db
      .selectFrom("queues")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .where("folder_id", "=", folderId)
      .orderBy("name_key")
      .execute();
    return this.withStats(rows);
  }

  async get(access: TenantAccess, id: number): Promise<QueueStats> {
    const [stats] = await this.withStats([await this.find(this.ctx.db, access, id, "queues.view")]);
    return stats as QueueStats;
  }

  async update(caller: QueueCaller, access: TenantAccess, id: number, changes: QueueChanges): Promise<Queue> {
    const before = await this.find(this.ctx.db, access, id, "queues.edit");
    this.checkInput({ ...presentQueue(before), ...changes });
    if (changes.processId != null) await this.assertProcess(access, before.folder_id, changes.processId);
    const values: Partial<Omit<QueueRow, "id">> = {};
    if (changes.name !== undefined) Object.assign(values, { name: changes.name, name_key: changes.name.toLowerCase() });
    if (changes.description !== undefined) values.description = changes.description;
    if (changes.autoRetry !== undefined) values.auto_retry = changes.autoRetry ? 1 : 0;
    if (changes.maxRetries !== undefined) values.max_retries = changes.maxRetries;
    if (changes.retryAbandoned !== undefined) values.retry_abandoned = changes.retryAbandoned ? 1 : 0;
    if (changes.slaMinutes !== undefined) values.sla_minutes = changes.slaMinutes;
    if (changes.riskSlaMinutes !== undefined) values.risk_sla_minutes = changes.riskSlaMinutes;
    if (changes.specificDataSchema !== undefined) values.specific_schema_json = schemaText(changes.specificDataSchema);
    if (changes.outputDataSchema !== undefined) values.output_schema_json = schemaText(changes.outputDataSchema);
    if (changes.analyticsDataSchema !== undefined)
      values.analytics_schema_json = schemaText(changes.analyticsDataSchema);
    if (changes.processId !== undefined) values.process_id = changes.processId;
    const row = await uniqueOrConflict(
      this.ctx,
      () =>
        this.ctx.db.transaction().execute(async (tx) => {
          const updated = await tx
            .updateTable("queues")
            .set({ ...values, version: before.version + 1, updated_at: isoNow(this.ctx.clock) })
            .where("id", "=", before.id)
            .returningAll()
            .executeTakeFirstOrThrow();
          await this.audit.record(tx, caller.actor, orgAuditScope(caller.actor, caller.orgId), {
            component: AuditComponent.queues,
            action: AuditAction.update,
            target: { type: "queue", id: updated.id, name: updated.name },
            ...diffFields(auditView(presentQueue(before)), auditView(presentQueue(updated))),
          });
          return updated;
        }),
      "A queue with this name already exists in the folder.",
    );
    this.noteChanged(row);
    return presentQueue(row);
  }

  /** Deletes the queue with all its items. */
  async delete(caller: QueueCaller, access: TenantAccess, id: number): Promise<void> {
    const queue = await this.find(this.ctx.db, access, id, "queues.delete");
    await this.ctx.db.transaction().execute(async (tx) => {
      const items = await tx
        .selectFrom("queue_items")
        .select(countAll().as("c"))
        .where("queue_id", "=", queue.id)
        .executeTakeFirstOrThrow();
      await tx.deleteFrom("queues").where("id", "=", queue.id).execute();
      await this.audit.record(tx, caller.actor, orgAuditScope(caller.actor, caller.orgId), {
        component: AuditComponent.queues,
        action: AuditAction.delete,
        target: { type: "queue", id: queue.id, name: queue.name },
        before: { ...auditView(presentQueue(queue)), items: items.c },
      });
    });
    this.noteChanged(queue);
  }

  /** Tells the live pages that a queue of the folder changed (created, edited, deleted). */
  private noteChanged(queue: Pick<QueueRow, "id" | "tenant_id" | "folder_id">): void {
    this.ctx.changes?.note(queue.tenant_id, { kind: "queues", folderId: queue.folder_id, ids: [queue.id] });
  }

  /** The queue `id` of the tenant, if the caller may `permission` in its folder; else 404 (or 403). */
  async find(db: Db, access: TenantAccess, id: number, permission: "queues.view" | "queues.edit" | "queues.delete") {
    const row = await db
      .selectFrom("queues")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    if (!row || !access.seesFolder(row.folder_id) || !access.canInFolder(row.folder_id, "queues.view"))
      throw new NotFoundError("The queue");
    access.assertFolder(row.folder_id, permission);
    return row;
  }

  /** A queue of a folder by name, matched case-insensitively (for running jobs). */
  async findByName(access: TenantAccess, folderId: number, name: string): Promise<QueueRow> {
    const row = await this.ctx.db
      .selectFrom("queues")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .where("folder_id", "=", folderId)
      .where("name_key", "=", name.toLowerCase())
      .executeTakeFirst();
    if (!row || !access.canInFolder(folderId, "queues.view"))
      throw new NotFoundError(`The queue "${name}" of the job's folder`);
    return row;
  }

  /** The tenant's abandon period in hours (default 24). */
  async abandonHours(access: TenantAccess): Promise<number> {
    const row = await this.ctx.db
      .selectFrom("tenants")
      .select("queue_abandon_hours")
      .where("id", "=", access.tenantId)
      .executeTakeFirst();
    return row?.queue_abandon_hours ?? defaultAbandonHours;
  }

  async setAbandonHours(caller: QueueCaller, access: TenantAccess, hours: number): Promise<number> {
    access.assertTenant("settings.edit");
    const before = await this.abandonHours(access);
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.updateTable("tenants").set({ queue_abandon_hours: hours }).where("id", "=", access.tenantId).execute();
      await this.audit.record(tx, caller.actor, orgAuditScope(caller.actor, caller.orgId), {
        component: AuditComponent.settings,
        action: AuditAction.update,
        target: { type: "tenant", id: access.tenantId, name: "queue settings" },
        before: { abandonAfterHours: before },
        after: { abandonAfterHours: hours },
      });
    });
    return hours;
  }

  private async withStats(rows: QueueRow[]): Promise<QueueStats[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const now = isoNow(this.ctx.clock);
    const [counts, averages, risks] = await Promise.all([
      this.ctx.db
        .selectFrom("queue_items")
        .select(["queue_id", "status", countAll().as("c")])
        .where("queue_id", "in", ids)
        .groupBy(["queue_id", "status"])
        .execute(),
      this.ctx.db
        .selectFrom("queue_items")
        .select(["queue_id", sql<number | null>`avg(processing_ms)`.as("avg")])
        .where("queue_id", "in", ids)
        .where("status", "=", QueueItemStatus.successful)
        .groupBy("queue_id")
        .execute(),
      // Open items past their due date (red) or their risk date (orange).
      this.ctx.db
        .selectFrom("queue_items")
        .select([
          "queue_id",
          sql<number>`sum(case when due_date < ${now} then 1 else 0 end)`.as("overdue"),
          sql<number>`sum(case when risk_sla_date < ${now} then 1 else 0 end)`.as("atRisk"),
        ])
        .where("queue_id", "in", ids)
        .where("status", "in", [QueueItemStatus.new, QueueItemStatus.inProgress])
        .groupBy("queue_id")
        .execute(),
    ]);
    return rows.map((row) => {
      const byStatus = Object.fromEntries(queueItemStatuses.map((s) => [s, 0])) as Record<QueueItemStatus, number>;
      for (const c of counts) if (c.queue_id === row.id) byStatus[c.status] = Number(c.c);
      const avg = averages.find((a) => a.queue_id === row.id)?.avg;
      const averageProcessingSeconds = avg == null ? null : Math.round(Number(avg) / 100) / 10;
      const risk = risks.find((r) => r.queue_id === row.id);
      let slaColour: SlaColour = "grey";
      if (row.sla_minutes !== null) {
        if (Number(risk?.overdue ?? 0) > 0) slaColour = "red";
        else if (Number(risk?.atRisk ?? 0) > 0) slaColour = "orange";
        else if (averageProcessingSeconds !== null) slaColour = "green";
      }
      return { ...presentQueue(row), counts: byStatus, averageProcessingSeconds, slaColour };
    });
  }

  private checkInput(input: QueueInput): void {
    const errors: { path: string; message: string }[] = [];
    for (const [field, schema] of [
      ["specificDataSchema", input.specificDataSchema],
      ["outputDataSchema", input.outputDataSchema],
      ["analyticsDataSchema", input.analyticsDataSchema],
    ] as const) {
      if (!schema) continue;
      try {
        compileSchema(schema, field);
      } catch (error) {
        if (error instanceof ValidationError) errors.push(...((error.extensions.errors as typeof errors) ?? []));
        else throw error;
      }
    }
    if (input.riskSlaMinutes != null && input.slaMinutes == null)
      errors.push({ path: "riskSlaMinutes", message: "needs slaMinutes" });
    if (input.riskSlaMinutes != null && input.slaMinutes != null && input.riskSlaMinutes >= input.slaMinutes)
      errors.push({ path: "riskSlaMinutes", message: "must be less than slaMinutes" });
    if (errors.length > 0) throw new ValidationError(errors);
  }

  private async assertProcess(access: TenantAccess, folderId: number, processId: number): Promise<void> {
    const process = await this.ctx.db
      .selectFrom("processes")
      .select("id")
      .where("id", "=", processId)
      .where("tenant_id", "=", access.tenantId)
      .where("folder_id", "=", folderId)
      .executeTakeFirst();
    if (!process) throw ValidationError.field("processId", "is not a process of this folder");
  }
}

function schemaText(schema: Record<string, unknown> | null | undefined): string | null {
  return schema ? JSON.stringify(schema) : null;
}

/** A queue for the audit log: schemas shortened to whether they are set. */
function auditView(q: Queue) {
  const { specificDataSchema, outputDataSchema, analyticsDataSchema, createdAt, updatedAt, ...rest } = q;
  return {
    ...rest,
    hasSpecificDataSchema: specificDataSchema !== null,
    hasOutputDataSchema: outputDataSchema !== null,
    hasAnalyticsDataSchema: analyticsDataSchema !== null,
  };
}
