import { ConflictError, NotFoundError, ValidationError } from "../../../domain/errors.js";
import { parseDate } from "../../../services/queues/queue-item-ops.js";
import type { ItemChanges, NewItem } from "../../../services/queues/queue-item-service.js";
import { presentItem, presentQueue, type QueueItem } from "../../../services/queues/queue-model.js";
import type { QueueInput } from "../../../services/queues/queue-service.js";
import { ProblemType } from "../../../shared/problem-types.js";
import { type CommitType, priorityRank, type QueuePriority } from "../../../shared/queues.js";
import type { QueueItemRow, QueueRow } from "../../../storage/schema.js";
import type { ODataContext } from "../context.js";
import {
  type Dto,
  idOf,
  listQuery,
  type ODataResult,
  objectProp,
  optionalBool,
  optionalInt,
  optionalString,
  pascal,
  prop,
  queryOf,
  requiredString,
  selectFields,
  single,
  withoutAnnotations,
} from "../envelope.js";
import type { EntityModel } from "../query/query-options.js";

export const queueModel: EntityModel = {
  set: "QueueDefinitions",
  defaultOrder: { column: "queues.id", direction: "asc" },
  properties: [
    { name: "Id", column: "queues.id", type: "int" },
    { name: "Key", column: "queues.key", type: "guid" },
    { name: "Name", column: "queues.name", type: "string" },
    { name: "Description", column: "queues.description", type: "string" },
    { name: "MaxNumberOfRetries", column: "queues.max_retries", type: "int" },
    { name: "AcceptAutomaticallyRetry", column: "queues.auto_retry", type: "bool" },
    { name: "RetryAbandonedItems", column: "queues.retry_abandoned", type: "bool" },
    { name: "EnforceUniqueReference", column: "queues.unique_reference", type: "bool" },
    { name: "SlaInMinutes", column: "queues.sla_minutes", type: "int" },
    { name: "RiskSlaInMinutes", column: "queues.risk_sla_minutes", type: "int" },
    { name: "ReleaseId", column: "queues.process_id", type: "int" },
    { name: "OrganizationUnitId", column: "queues.folder_id", type: "int" },
    { name: "CreationTime", column: "queues.created_at", type: "date" },
    ...[
      "Encrypted",
      "SpecificDataJsonSchema",
      "OutputDataJsonSchema",
      "AnalyticsDataJsonSchema",
      "ProcessScheduleId",
      "IsProcessInCurrentFolder",
      "FoldersCount",
      "OrganizationUnitFullyQualifiedName",
    ].map((name) => ({ name, type: "string" as const })),
  ],
};

const itemStatuses = {
  new: "new",
  inprogress: "inProgress",
  failed: "failed",
  successful: "successful",
  abandoned: "abandoned",
  retried: "retried",
  deleted: "deleted",
};

export const queueItemModel: EntityModel = {
  set: "QueueItems",
  defaultOrder: { column: "qi.id", direction: "asc" },
  properties: [
    { name: "Id", column: "qi.id", type: "int" },
    { name: "Key", column: "qi.key", type: "guid" },
    { name: "QueueDefinitionId", column: "qi.queue_id", type: "int" },
    { name: "QueueDefinitionName", column: "q.name", type: "string" },
    { name: "Status", column: "qi.status", type: { enum: itemStatuses } },
    { name: "Reference", column: "qi.reference", type: "string" },
    { name: "Priority", column: "qi.priority", type: { enum: priorityRank } },
    { name: "Progress", column: "qi.progress", type: "string" },
    { name: "DeferDate", column: "qi.defer_date", type: "date" },
    { name: "DueDate", column: "qi.due_date", type: "date" },
    { name: "RiskSlaDate", column: "qi.risk_sla_date", type: "date" },
    { name: "StartProcessing", column: "qi.started_at", type: "date" },
    { name: "EndProcessing", column: "qi.ended_at", type: "date" },
    { name: "RetryNumber", column: "qi.retry_number", type: "int" },
    { name: "AncestorId", column: "qi.ancestor_id", type: "int" },
    { name: "CreationTime", column: "qi.created_at", type: "date" },
    { name: "OrganizationUnitId", column: "qi.folder_id", type: "int" },
    ...[
      "ReviewStatus",
      "SpecificContent",
      "Output",
      "Analytics",
      "ProcessingExceptionType",
      "ProcessingException",
      "OrganizationUnitFullyQualifiedName",
    ].map((name) => ({ name, type: "string" as const })),
  ],
};

async function presentQueues(ctx: ODataContext, rows: QueueRow[]): Promise<Dto[]> {
  const folders = await ctx.folders();
  return rows.map((row) => {
    const q = presentQueue(row);
    return {
      Id: q.id,
      Key: q.key,
      Name: q.name,
      Description: q.description,
      MaxNumberOfRetries: q.maxRetries,
      AcceptAutomaticallyRetry: q.autoRetry,
      RetryAbandonedItems: q.retryAbandoned,
      EnforceUniqueReference: q.uniqueReference,
      Encrypted: false,
      SpecificDataJsonSchema: q.specificDataSchema ? JSON.stringify(q.specificDataSchema) : null,
      OutputDataJsonSchema: q.outputDataSchema ? JSON.stringify(q.outputDataSchema) : null,
      AnalyticsDataJsonSchema: q.analyticsDataSchema ? JSON.stringify(q.analyticsDataSchema) : null,
      SlaInMinutes: q.slaMinutes ?? 0,
      RiskSlaInMinutes: q.riskSlaMinutes ?? 0,
      ProcessScheduleId: null,
      ReleaseId: q.processId,
      IsProcessInCurrentFolder: q.processId !== null,
      FoldersCount: 1,
      CreationTime: q.createdAt,
      OrganizationUnitId: q.folderId,
      OrganizationUnitFullyQualifiedName: folders.get(q.folderId)?.path ?? null,
    };
  });
}

export async function presentItems(ctx: ODataContext, items: QueueItem[]): Promise<Dto[]> {
  const folders = await ctx.folders();
  return items.map((i) => ({
    Id: i.id,
    Key: i.key,
    QueueDefinitionId: i.queueId,
    Status: pascal(i.status),
    ReviewStatus: i.reviewStatus === "none" ? "None" : pascal(i.reviewStatus),
    Reference: i.reference,
    Priority: pascal(i.priority),
    SpecificContent: i.specificContent,
    Output: i.output,
    Analytics: i.analytics,
    Progress: i.progress,
    ProcessingExceptionType: i.exception
      ? i.exception.type === "business"
        ? "BusinessException"
        : "ApplicationException"
      : null,
    ProcessingException: i.exception
      ? {
          Reason: i.exception.reason,
          Details: i.exception.details,
          Type: i.exception.type === "business" ? "BusinessException" : "ApplicationException",
        }
      : null,
    DeferDate: i.deferDate,
    DueDate: i.dueDate,
    RiskSlaDate: i.riskSlaDate,
    StartProcessing: i.startedAt,
    EndProcessing: i.endedAt,
    RetryNumber: i.retryNumber,
    AncestorId: i.ancestorId,
    CreationTime: i.createdAt,
    LastModificationTime: i.updatedAt,
    OrganizationUnitId: i.folderId,
    OrganizationUnitFullyQualifiedName: folders.get(i.folderId)?.path ?? null,
  }));
}

/** Folder scope of a read: the header's folder (visible and allowed), else every allowed folder. */
async function scope(ctx: ODataContext, permission: "queues.view", requireFolder: boolean): Promise<number[] | "all"> {
  const folder = requireFolder ? await ctx.requireFolder() : await ctx.headerFolder();
  const allowed = ctx.access.foldersWith(permission);
  if (folder) return allowed === "all" || allowed.includes(folder.row.id) ? [folder.row.id] : [];
  return allowed;
}

/** `GET /odata/QueueDefinitions` (header folder or across folders) and `…GetQueuesAcrossFolders`. */
export async function listQueues(ctx: ODataContext, acrossFolders: boolean): Promise<ODataResult> {
  const folders = acrossFolders ? ctx.access.foldersWith("queues.view") : await scope(ctx, "queues.view", false);
  let base = ctx.services.ctx.db.selectFrom("queues").selectAll().where("queues.tenant_id", "=", ctx.tenant.id);
  if (folders !== "all")
    base = folders.length === 0 ? base.where("queues.id", "<", 0) : base.where("queues.folder_id", "in", folders);
  return listQuery(ctx, queueModel, base, (rows: QueueRow[]) => presentQueues(ctx, rows));
}

export async function getQueue(ctx: ODataContext, id: string): Promise<ODataResult> {
  const row = await ctx.services.queues.find(ctx.services.ctx.db, ctx.access, idOf(id), "queues.view");
  const [dto] = await presentQueues(ctx, [row]);
  return single(ctx, "QueueDefinitions", selectFields(dto as Dto, queryOf(ctx, queueModel).select));
}

function queueInput(body: unknown, creating: boolean): QueueInput {
  const schema = (name: string) => {
    const text = optionalString(body, name, 100_000);
    if (text === undefined || text.trim() === "") return undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      return parsed as Record<string, unknown>;
    } catch {
      throw ValidationError.field(name, "is not JSON text of a JSON Schema object");
    }
  };
  const name = creating ? requiredString(body, "Name", 200) : optionalString(body, "Name", 200);
  const sla = optionalInt(body, "SlaInMinutes", 0, 10_000_000);
  const risk = optionalInt(body, "RiskSlaInMinutes", 0, 10_000_000);
  const input: QueueInput = {
    name: name ?? "",
    description: optionalString(body, "Description", 1000),
    uniqueReference: optionalBool(body, "EnforceUniqueReference"),
    autoRetry: optionalBool(body, "AcceptAutomaticallyRetry"),
    maxRetries: optionalInt(body, "MaxNumberOfRetries", 0, 50),
    retryAbandoned: optionalBool(body, "RetryAbandonedItems"),
    ...(sla !== undefined && { slaMinutes: sla === 0 ? null : sla }),
    ...(risk !== undefined && { riskSlaMinutes: risk === 0 ? null : risk }),
    specificDataSchema: schema("SpecificDataJsonSchema"),
    outputDataSchema: schema("OutputDataJsonSchema"),
    analyticsDataSchema: schema("AnalyticsDataJsonSchema"),
  };
  for (const key of Object.keys(input) as (keyof QueueInput)[]) if (input[key] === undefined) delete input[key];
  return input;
}

/** `POST /odata/QueueDefinitions` → 201. */
export async function createQueue(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const folder = await ctx.requireFolder();
  const queue = await ctx.services.queues.create(ctx.caller(), ctx.access, folder.row.id, queueInput(body, true));
  const row = await ctx.services.queues.find(ctx.services.ctx.db, ctx.access, queue.id, "queues.view");
  const [dto] = await presentQueues(ctx, [row]);
  return single(ctx, "QueueDefinitions", dto as Dto, 201);
}

export async function updateQueue(ctx: ODataContext, id: string, body: unknown): Promise<ODataResult> {
  const { uniqueReference: _fixed, ...changes } = queueInput(body, false);
  if (changes.name === "") delete (changes as { name?: string }).name;
  await ctx.services.queues.update(ctx.caller(), ctx.access, idOf(id), changes);
  return { status: 204 };
}

export async function deleteQueue(ctx: ODataContext, id: string): Promise<ODataResult> {
  await ctx.services.queues.delete(ctx.caller(), ctx.access, idOf(id));
  return { status: 204 };
}

// ---- Items ----

export async function listQueueItems(ctx: ODataContext): Promise<ODataResult> {
  const folders = await scope(ctx, "queues.view", false);
  let base = ctx.services.ctx.db
    .selectFrom("queue_items as qi")
    .innerJoin("queues as q", "q.id", "qi.queue_id")
    .selectAll("qi")
    .where("qi.tenant_id", "=", ctx.tenant.id);
  if (folders !== "all")
    base = folders.length === 0 ? base.where("qi.id", "<", 0) : base.where("qi.folder_id", "in", folders);
  return listQuery(ctx, queueItemModel, base, (rows: QueueItemRow[]) => presentItems(ctx, rows.map(presentItem)));
}

export async function getQueueItem(ctx: ODataContext, id: string): Promise<ODataResult> {
  const row = await ctx.services.queueItems.find(ctx.services.ctx.db, ctx.access, idOf(id), "queues.view");
  const [dto] = await presentItems(ctx, [presentItem(row)]);
  return single(ctx, "QueueItems", selectFields(dto as Dto, queryOf(ctx, queueItemModel).select));
}

export async function deleteQueueItem(ctx: ODataContext, id: string): Promise<ODataResult> {
  await ctx.services.queueItems.delete(ctx.caller(), ctx.access, idOf(id));
  return { status: 204 };
}

const priorities = new Set(["low", "normal", "high"]);

/**
 * `PUT|PATCH /odata/QueueItems({id})` (the original's QueueItemDataDto): changes the fields sent
 * (`SpecificContent`, `Priority`, `Reference`, `DeferDate`, `DueDate`; null clears the last three)
 * of a `New` item → 200 with the item; 409 for any other status. `Name` and the rest are ignored.
 */
export async function editQueueItem(ctx: ODataContext, id: string, body: unknown): Promise<ODataResult> {
  const itemId = idOf(id);
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw ValidationError.field("body", "must be a JSON object");
  const errors: { path: string; message: string }[] = [];
  const changes: ItemChanges = {};
  const content = prop(body, "SpecificContent");
  if (content !== undefined) {
    if (typeof content !== "object" || content === null || Array.isArray(content))
      errors.push({ path: "SpecificContent", message: "must be an object" });
    else changes.specificContent = withoutAnnotations(content) as Record<string, unknown>;
  }
  const priority = prop(body, "Priority");
  if (priority !== undefined && priority !== null) {
    const lower = typeof priority === "string" ? priority.toLowerCase() : "";
    if (!priorities.has(lower)) errors.push({ path: "Priority", message: "must be Low, Normal or High" });
    else changes.priority = lower as QueuePriority;
  }
  const reference = prop(body, "Reference");
  if (reference !== undefined) {
    if (reference !== null && typeof reference !== "string")
      errors.push({ path: "Reference", message: "must be text" });
    else changes.reference = reference === null || reference === "" ? null : reference;
  }
  for (const [name, key] of [
    ["DeferDate", "deferDate"],
    ["DueDate", "dueDate"],
  ] as const) {
    const value = prop(body, name);
    if (value === undefined) continue;
    const date = typeof value === "string" ? parseDate(value) : null;
    if (value !== null && date === null) errors.push({ path: name, message: "is not a date" });
    else changes[key] = date;
  }
  if (errors.length > 0) throw new ValidationError(errors);
  const item = await ctx.services.queueItems.edit(ctx.caller(), ctx.access, itemId, changes);
  const [dto] = await presentItems(ctx, [item]);
  return single(ctx, "QueueItems", dto as Dto);
}

function newItem(data: Record<string, unknown>, path: string): NewItem {
  const content = prop(data, "SpecificContent");
  if (content !== undefined && content !== null && (typeof content !== "object" || Array.isArray(content)))
    throw ValidationError.field(`${path}SpecificContent`, "must be an object");
  const priority = optionalString(data, "Priority", 20)?.toLowerCase();
  if (priority !== undefined && !priorities.has(priority))
    throw ValidationError.field(`${path}Priority`, "must be Low, Normal or High");
  const date = (name: string) => {
    const text = optionalString(data, name, 40);
    if (text === undefined) return undefined;
    if (Number.isNaN(Date.parse(text))) throw ValidationError.field(`${path}${name}`, "is not a date");
    return new Date(text).toISOString();
  };
  const item: NewItem = {
    specificContent: (withoutAnnotations(content ?? {}) as Record<string, unknown>) ?? {},
    reference: optionalString(data, "Reference", 10_000),
    priority: priority as QueuePriority | undefined,
    deferDate: date("DeferDate"),
    dueDate: date("DueDate"),
  };
  for (const key of Object.keys(item) as (keyof NewItem)[]) if (item[key] === undefined) delete item[key];
  return item;
}

/** `POST /odata/Queues/UiPathODataSvc.AddQueueItem {"itemData"}` → 201 QueueItem. */
export async function addQueueItem(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const folder = await ctx.requireFolder();
  const data = objectProp(body, "itemData");
  const name = requiredString(data, "Name", 200);
  const queue = await ctx.services.queues.findByName(ctx.access, folder.row.id, name);
  const item = await ctx.services.queueItems.add(ctx.caller(), ctx.access, queue, newItem(data, "itemData."));
  const [dto] = await presentItems(ctx, [item]);
  return single(ctx, "QueueItems", dto as Dto, 201);
}

const commitTypes: Record<string, CommitType> = {
  allornothing: "allOrNothing",
  stoponfirstfailure: "stopOnFirstFailure",
  processallindependently: "processAllIndependently",
};

/** `POST /odata/Queues/UiPathODataSvc.BulkAddQueueItems` → 200, `value` = the items that failed. */
export async function bulkAddQueueItems(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const folder = await ctx.requireFolder();
  const name = requiredString(body, "queueName", 200);
  const commit = commitTypes[(optionalString(body, "commitType", 40) ?? "AllOrNothing").toLowerCase()];
  if (!commit)
    throw ValidationError.field("commitType", "must be AllOrNothing, StopOnFirstFailure or ProcessAllIndependently");
  const raw = prop(body, "queueItems");
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 15_000)
    throw ValidationError.field("queueItems", "must be a list of 1 to 15,000 items");
  const items = raw.map((r, i) => {
    if (typeof r !== "object" || r === null || Array.isArray(r))
      throw ValidationError.field(`queueItems.${i}`, "must be an object");
    return newItem(r as Record<string, unknown>, `queueItems.${i}.`);
  });
  const queue = await ctx.services.queues.findByName(ctx.access, folder.row.id, name);
  const result = await ctx.services.queueItems.addMany(ctx.caller(), ctx.access, queue.id, commit, items);
  return {
    status: 200,
    body: {
      "@odata.context": `${ctx.base}/odata/$metadata#Collection(UiPath.Application.Dto.Queues.FailedQueueItemDto)`,
      value: result.failedItems.map((f) => ({
        ItemData: raw[f.ordinal],
        ErrorCode: f.type === ProblemType.duplicateReference ? "DuplicateReference" : "ValidationFailed",
        ErrorMessage: f.detail,
      })),
    },
  };
}

/** `POST /odata/Queues/UiPathODataSvc.StartTransaction` → 200 item, or 204 when none is waiting. */
export async function startTransaction(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const folder = await ctx.requireFolder();
  const data = objectProp(body, "transactionData");
  const name = requiredString(data, "Name", 200);
  const robot = optionalString(data, "RobotIdentifier", 100);
  if (robot !== undefined && robot !== "" && !/^[0-9a-fA-F-]{36}$/.test(robot))
    throw ValidationError.field("transactionData.RobotIdentifier", "is not a GUID");
  const queue = await ctx.services.queues.findByName(ctx.access, folder.row.id, name);
  if (prop(data, "SpecificContent") !== undefined && prop(data, "SpecificContent") !== null) {
    // The original's other form: add an item with this content and start it, in one go.
    const started = await ctx.services.queueItems.addStarted(
      ctx.caller(),
      ctx.access,
      queue,
      newItem(data, "transactionData."),
    );
    const [dto] = await presentItems(ctx, [started]);
    return single(ctx, "QueueItems", dto as Dto);
  }
  const reference = optionalString(data, "Reference", 10_000);
  const item = await ctx.services.queueTransactions.start(ctx.caller(), ctx.access, queue, {
    ...(reference !== undefined && { reference }),
  });
  if (!item) return { status: 204 };
  const [dto] = await presentItems(ctx, [item]);
  return single(ctx, "QueueItems", dto as Dto);
}

/** `POST /odata/QueueItems({id})/UiPathODataSvc.SetTransactionProgress {"progress"}` → 204 (400 unless in progress). */
export async function setTransactionProgress(ctx: ODataContext, id: string, body: unknown): Promise<ODataResult> {
  const progress = optionalString(body, "progress", 10_000) ?? "";
  try {
    await ctx.services.queueTransactions.progress(ctx.caller(), ctx.access, idOf(id), progress);
  } catch (error) {
    if (error instanceof ConflictError)
      throw new ValidationError([{ path: "id", message: "is not an item in progress" }], error.detail);
    throw error;
  }
  return { status: 204 };
}

/** `POST /odata/Queues({itemId})/UiPathODataSvc.SetTransactionResult {"transactionResult"}` → 204. */
export async function setTransactionResult(ctx: ODataContext, id: string, body: unknown): Promise<ODataResult> {
  const result = objectProp(body, "transactionResult");
  const ok = optionalBool(result, "IsSuccessful");
  if (ok === undefined) throw ValidationError.field("transactionResult.IsSuccessful", "is required");
  const exception = prop(result, "ProcessingException");
  const type = optionalString(exception, "Type", 40)?.toLowerCase();
  const output = prop(result, "Output");
  const analytics = prop(result, "Analytics");
  const objectOrUndefined = (value: unknown, name: string) => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value))
      throw ValidationError.field(`transactionResult.${name}`, "must be an object");
    return withoutAnnotations(value) as Record<string, unknown>;
  };
  const reason = optionalString(exception, "Reason", 10_000);
  const details = optionalString(exception, "Details", 100_000);
  const outputObject = objectOrUndefined(output, "Output");
  const analyticsObject = objectOrUndefined(analytics, "Analytics");
  await ctx.services.queueTransactions.result(ctx.caller(), ctx.access, idOf(id), {
    status: ok ? "successful" : "failed",
    ...(!ok && { exceptionType: type === "businessexception" || type === "business" ? "business" : "application" }),
    ...(reason !== undefined && { reason }),
    ...(details !== undefined && { details }),
    ...(outputObject !== undefined && { output: outputObject }),
    ...(analyticsObject !== undefined && { analytics: analyticsObject }),
  });
  return { status: 204 };
}

export function unknownQueue(name: string): never {
  throw new NotFoundError(`The queue "${name}"`);
}
