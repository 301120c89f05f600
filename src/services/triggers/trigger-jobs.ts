import { randomUUID } from "node:crypto";
import type { Insertable } from "kysely";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import type { AppError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { JobReason } from "../../shared/job-reasons.js";
import type { FiringOutcome, TriggerKind } from "../../shared/triggers.js";
import type { Db } from "../../storage/database.js";
import type { TriggerRow, TriggerTable } from "../../storage/schema.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type ServiceContext, uniqueOrConflict } from "../context.js";
import type { JobService } from "../jobs/job-service.js";
import { presentTrigger } from "./trigger-presenter.js";

/** What became of one fire time (or call, or queue check) of a trigger: a row of its history. */
export interface FiringRecord {
  outcome: FiringOutcome;
  reason: string | null;
  jobIds: number[];
}

/**
 * Creates a trigger's jobs in `tx` with the trigger's settings (process, its stored arguments
 * unless `inputArguments` replaces them, machine, priority, stop and kill delays), through the
 * job service's one creation path. Throws the job service's AppErrors when the process, package,
 * machine or arguments no longer fit.
 */
export async function startTriggerJobs(
  jobs: JobService,
  tx: Db,
  row: TriggerRow,
  start: { actor: string; reason: JobReason; count?: number; inputArguments?: Record<string, unknown> },
) {
  const stop = row.stop_after_seconds;
  const kill = row.kill_after_seconds;
  const prepared = await jobs.prepare(tx, row.tenant_id, row.folder_id, {
    processId: row.process_id,
    inputArguments: start.inputArguments ?? (JSON.parse(row.input_json) as Record<string, unknown>),
    ...(start.count !== undefined && { count: start.count }),
    ...(row.machine_id !== null && { machineId: row.machine_id }),
    ...(row.priority !== null && { priority: row.priority }),
    ...(stop !== null && { stopAfterSeconds: stop }),
    // Stop and kill delays add up: stop after 2 h + kill after 3 h = killed at 5 h.
    ...(kill !== null && { killAfterSeconds: (stop ?? 0) + kill }),
  });
  return jobs.insertJobs(tx, prepared, {
    actor: start.actor,
    source: "trigger",
    reason: start.reason,
    triggerId: row.id,
  });
}

/** Why a trigger's jobs could not be created, as the firing's reason: the error's fields, else its message. */
export function jobCreationFailure(error: AppError): string {
  const fields = (error.extensions.errors as { path: string; message: string }[] | undefined) ?? [];
  return `Could not create the jobs: ${fields.map((f) => `${f.path} ${f.message}`).join("; ") || error.message}.`;
}

/** Notes for the live pages that a trigger (its settings, its history) changed; after the commit when inside one. */
export function noteTrigger(ctx: ServiceContext, row: Pick<TriggerRow, "id" | "tenant_id" | "folder_id">): void {
  ctx.changes?.note(row.tenant_id, { kind: "triggers", folderId: row.folder_id, ids: [row.id] });
}

/** Writes one row of the trigger's firing history (`fireTime` the planned time, `createdAt` when it was decided). */
export async function recordFiring(
  tx: Db,
  row: Pick<TriggerRow, "id" | "tenant_id">,
  fireTime: string,
  createdAt: string,
  record: FiringRecord,
): Promise<void> {
  await tx
    .insertInto("trigger_firings")
    .values({
      trigger_id: row.id,
      tenant_id: row.tenant_id,
      fire_time: fireTime,
      outcome: record.outcome,
      reason: record.reason,
      job_ids_json: JSON.stringify(record.jobIds),
      created_at: createdAt,
    })
    .execute();
}

/** What every kind of trigger is created with from its input; the kind adds its own columns. */
export interface NewTriggerBase {
  tenantId: number;
  folderId: number;
  kind: TriggerKind;
  input: {
    name: string;
    description?: string | null | undefined;
    processId: number;
    inputArguments?: Record<string, unknown> | undefined;
    priority?: number | null | undefined;
    machineId?: number | null | undefined;
    stopAfterSeconds?: number | null | undefined;
    killAfterSeconds?: number | null | undefined;
    enabled?: boolean | undefined;
  };
}

/**
 * Creates a trigger of any kind with its audit row in one transaction; a name already taken in
 * the folder is a 409 naming `name`. `columns` holds the kind's own columns (and overrides).
 */
export async function insertTrigger(
  ctx: ServiceContext,
  audit: AuditService,
  actor: Actor,
  orgId: number,
  base: NewTriggerBase,
  columns: Partial<Insertable<TriggerTable>>,
): Promise<TriggerRow> {
  const { input } = base;
  return uniqueOrConflict(
    ctx,
    () =>
      ctx.db.transaction().execute(async (tx) => {
        const now = isoNow(ctx.clock);
        const row = await tx
          .insertInto("triggers")
          .values({
            key: randomUUID(),
            tenant_id: base.tenantId,
            folder_id: base.folderId,
            kind: base.kind,
            name: input.name.trim(),
            description: input.description?.trim() || null,
            process_id: input.processId,
            input_json: JSON.stringify(input.inputArguments ?? {}),
            priority: input.priority ?? null,
            machine_id: input.machineId ?? null,
            job_count: 1,
            stop_after_seconds: input.stopAfterSeconds ?? null,
            kill_after_seconds: input.killAfterSeconds ?? null,
            enabled: input.enabled === false ? 0 : 1,
            created_by: actor.name,
            updated_by: actor.name,
            created_at: now,
            updated_at: now,
            ...columns,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.triggers,
          action: AuditAction.create,
          target: { type: "trigger", id: row.id, name: row.name },
          after: presentTrigger(row, "en"),
        });
        return row;
      }),
    `A trigger named "${input.name.trim()}" already exists in this folder.`,
  );
}
