import { Ajv, type ValidateFunction } from "ajv";
import { ValidationError } from "../../domain/errors.js";
import { schemaFieldErrors } from "../../domain/json-schema.js";
import type { QueueDefinition, QueueItem } from "../../shared/api/queues.js";
import { priorityOfRank, type QueueItemEventAction, type QueueItemStatus, queueLimits } from "../../shared/queues.js";
import type { Db } from "../../storage/database.js";
import type { QueueItemRow, QueueRow } from "../../storage/schema.js";
import type { Actor, ServiceContext } from "../context.js";

/** A queue definition as the API shows it. */
export type Queue = QueueDefinition;

export type { QueueItem };

/** Who acts on queues: the audit/history actor, and the running job when a job token called. */
export interface QueueCaller {
  actor: Actor;
  orgId: number;
  job?: { id: number; machineId: number | null } | undefined;
}

/** The claim's sort key of an item without a due date (sorts after every real date). */
export const noDueDate = "9999-12-31T23:59:59.999Z";

const json = (text: string | null) => (text === null ? null : (JSON.parse(text) as Record<string, unknown>));

export function presentQueue(r: QueueRow): Queue {
  return {
    id: r.id,
    key: r.key,
    folderId: r.folder_id,
    name: r.name,
    description: r.description,
    uniqueReference: r.unique_reference === 1,
    autoRetry: r.auto_retry === 1,
    maxRetries: r.max_retries,
    retryAbandoned: r.retry_abandoned === 1,
    slaMinutes: r.sla_minutes,
    riskSlaMinutes: r.risk_sla_minutes,
    specificDataSchema: json(r.specific_schema_json),
    outputDataSchema: json(r.output_schema_json),
    analyticsDataSchema: json(r.analytics_schema_json),
    processId: r.process_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function presentItem(r: QueueItemRow): QueueItem {
  return {
    id: r.id,
    key: r.key,
    queueId: r.queue_id,
    folderId: r.folder_id,
    status: r.status,
    reviewStatus: r.review_status,
    reviewerUserId: r.reviewer_user_id,
    priority: priorityOfRank(r.priority),
    reference: r.reference,
    specificContent: JSON.parse(r.specific_json) as Record<string, unknown>,
    output: json(r.output_json),
    analytics: json(r.analytics_json),
    progress: r.progress,
    deferDate: r.defer_date,
    dueDate: r.due_date,
    riskSlaDate: r.risk_sla_date,
    exception: r.exception_type
      ? { type: r.exception_type, reason: r.exception_reason, details: r.exception_details }
      : null,
    retryNumber: r.retry_number,
    ancestorId: r.ancestor_id,
    manualRetryNumber: r.manual_retry_number,
    creatorJobId: r.creator_job_id,
    executorJobId: r.executor_job_id,
    machineId: r.machine_id,
    createdBy: r.created_by,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    rowVersion: r.row_version,
  };
}

/** Notes for the live pages that an item of its queue changed (after the commit, when inside one); returns the row. */
export function noteItem<T extends Pick<QueueItemRow, "tenant_id" | "folder_id" | "queue_id">>(
  ctx: ServiceContext,
  row: T,
): T {
  ctx.changes?.note(row.tenant_id, { kind: "queues", folderId: row.folder_id, ids: [row.queue_id] });
  return row;
}

/** Writes one history event of an item (in the caller's transaction). */
export async function itemEvent(
  db: Db,
  itemId: number,
  action: QueueItemEventAction,
  status: QueueItemStatus,
  actor: Actor,
  detail: string | null,
  at: string,
): Promise<void> {
  await db
    .insertInto("queue_item_events")
    .values({
      item_id: itemId,
      action,
      status,
      actor_kind: actor.kind,
      actor_name: actor.name,
      detail: detail?.slice(0, 2000) ?? null,
      created_at: at,
    })
    .execute();
}

/** JSON text of a content object, refusing objects over the size limit (400 naming `path`). */
export function contentJson(value: Record<string, unknown>, path: string): string {
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text) > queueLimits.contentBytes)
    throw ValidationError.field(path, `must be at most ${queueLimits.contentBytes} bytes as JSON`);
  return text;
}

// addUsedSchema: false — a user's schema may carry an `$id`; it must not be registered globally
// (a second queue with the same `$id` would then fail to compile).
const ajv = new Ajv({ allErrors: true, strict: false, addUsedSchema: false });

export type SchemaKind = "specific" | "output" | "analytics";
const schemaColumn = {
  specific: "specific_schema_json",
  output: "output_schema_json",
  analytics: "analytics_schema_json",
} as const;

/** Compiles a JSON Schema once, refusing an invalid one with a 400 naming `path`. */
export function compileSchema(schema: Record<string, unknown>, path: string): ValidateFunction {
  if (Buffer.byteLength(JSON.stringify(schema)) > queueLimits.schemaBytes)
    throw ValidationError.field(path, `must be at most ${queueLimits.schemaBytes} bytes as JSON`);
  try {
    return ajv.compile(schema);
  } catch (error) {
    throw ValidationError.field(path, `is not a valid JSON Schema (${(error as Error).message})`);
  }
}

/**
 * Compiled schemas per queue version: a queue's schema is compiled on first use after a change,
 * never per item (bulk adds of 15,000 items validate with one compiled function).
 */
export class SchemaCache {
  private readonly cache = new Map<string, { validate: ValidateFunction; schema: object }>();

  validator(queue: QueueRow, kind: SchemaKind): ValidateFunction | null {
    const text = queue[schemaColumn[kind]];
    if (!text) return null;
    const key = `${queue.id}:${queue.version}:${kind}`;
    const hit = this.cache.get(key);
    if (hit) return hit.validate;
    const schema = JSON.parse(text) as Record<string, unknown>;
    const validate = compileSchema(schema, `${kind}DataSchema`);
    if (this.cache.size >= 500) {
      const [oldestKey, oldest] = this.cache.entries().next().value as [string, { schema: object }];
      this.cache.delete(oldestKey);
      ajv.removeSchema(oldest.schema);
    }
    this.cache.set(key, { validate, schema });
    return validate;
  }

  /** Field errors of `value` against the queue's schema of `kind`, named under `prefix` (empty when valid). */
  check(queue: QueueRow, kind: SchemaKind, value: unknown, prefix: string): { path: string; message: string }[] {
    const validate = this.validator(queue, kind);
    if (!validate || validate(value)) return [];
    return schemaFieldErrors(validate.errors, prefix);
  }
}
