import { stringify } from "csv-stringify/sync";
import { neutraliseFormula, parseCsv } from "../../domain/csv.js";
import { ValidationError } from "../../domain/errors.js";
import { ProblemType } from "../../shared/problem-types.js";
import { type CommitType, type QueuePriority, queueLimits, queuePriorities } from "../../shared/queues.js";
import type { TenantAccess } from "../access/access-service.js";
import type { ServiceContext } from "../context.js";
import { parseDate } from "./queue-item-ops.js";
import {
  type BulkResult,
  type ItemFilter,
  type NewItem,
  parseMarker,
  type QueueItemService,
} from "./queue-item-service.js";
import type { QueueCaller } from "./queue-model.js";
import type { QueueService } from "./queue-service.js";

/** Queue items in and out as CSV: upload with per-row errors, formula-safe export. */
export class QueueCsvService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly queues: QueueService,
    private readonly items: QueueItemService,
  ) {}

  /**
   * Adds items from CSV: a header row, then one item per row. `Reference`, `Priority`,
   * `DeferDate` and `DueDate` (any case) fill those fields; every other column becomes a text
   * field of the specific content. Row errors name the row (2 = the first row after the header).
   */
  async upload(
    caller: QueueCaller,
    access: TenantAccess,
    queueId: number,
    commitType: CommitType,
    csv: string,
  ): Promise<BulkResult & { failedItems: (BulkResult["failedItems"][number] & { row: number })[] }> {
    await this.queues.find(this.ctx.db, access, queueId, "queues.edit");
    const rows = parseCsv(csv);
    const header = rows[0];
    if (!header || header.every((h) => h.trim() === "")) throw ValidationError.field("file", "has no header row");
    if (rows.length - 1 > queueLimits.bulkItems)
      throw ValidationError.field("file", `has more than ${queueLimits.bulkItems} rows`);
    const parseErrors = new Map<number, string>();
    const items = rows.slice(1).map((cells, index) => {
      const item: NewItem = { specificContent: {} };
      header.forEach((rawName, column) => {
        const name = rawName.trim();
        const value = cells[column] ?? "";
        const known = name.toLowerCase();
        if (known === "reference") {
          if (value !== "") item.reference = value;
        } else if (known === "priority") {
          if (value === "") return;
          const p = value.toLowerCase() as QueuePriority;
          if (queuePriorities.includes(p)) item.priority = p;
          else parseErrors.set(index, `Priority must be High, Normal or Low, not "${value}"`);
        } else if (known === "deferdate" || known === "duedate") {
          if (value === "") return;
          const date = parseDate(value);
          if (!date) parseErrors.set(index, `${name} is not a date: "${value}"`);
          else if (known === "deferdate") item.deferDate = date;
          else item.dueDate = date;
        } else if (name !== "") item.specificContent[name] = value;
      });
      if (item.reference !== undefined) {
        const problem = textProblem(item.reference, queueLimits.referenceLength);
        if (problem) parseErrors.set(index, `Reference ${problem}`);
      }
      return item;
    });
    // Rows that failed to parse are replaced by an item that fails the same way in addMany.
    const result = await this.items.addMany(
      caller,
      access,
      queueId,
      commitType,
      items.map((item, i) => (parseErrors.has(i) ? { ...item, specificContent: { [parseMarker]: true } } : item)),
    );
    const failedItems = result.failedItems
      .filter((f) => !(parseErrors.has(f.ordinal) && f.type === ProblemType.duplicateReference))
      .map((f) => ({
        ...f,
        row: f.ordinal + 2,
        ...(parseErrors.has(f.ordinal) && {
          type: ProblemType.validationFailed,
          detail: parseErrors.get(f.ordinal) as string,
          errors: undefined,
        }),
      }));
    return { added: result.added, failedItems };
  }

  /** The queue's items (filtered like the list, newest first) as CSV, formula-safe. */
  async csv(access: TenantAccess, queueId: number, filter: ItemFilter): Promise<string> {
    const page = await this.items.list(access, queueId, filter, 100_000);
    const header = [
      "Id",
      "Key",
      "Status",
      "Review status",
      "Priority",
      "Reference",
      "Specific content",
      "Output",
      "Exception type",
      "Exception reason",
      "Progress",
      "Retry number",
      "Defer date",
      "Due date",
      "Created",
      "Started",
      "Ended",
    ];
    return stringify([
      header,
      ...page.items.map((i) =>
        [
          String(i.id),
          i.key,
          i.status,
          i.reviewStatus,
          i.priority,
          i.reference ?? "",
          JSON.stringify(i.specificContent),
          i.output ? JSON.stringify(i.output) : "",
          i.exception?.type ?? "",
          i.exception?.reason ?? "",
          i.progress ?? "",
          String(i.retryNumber),
          i.deferDate ?? "",
          i.dueDate ?? "",
          i.createdAt,
          i.startedAt ?? "",
          i.endedAt ?? "",
        ].map(neutraliseFormula),
      ),
    ]);
  }
}

/** Why a text cannot be stored (too long, control characters), or null. */
function textProblem(text: string, max: number): string | null {
  if (text.length > max) return `must be at most ${max} characters`;
  if (/\p{Cc}/u.test(text)) return "must not contain control characters";
  return null;
}
