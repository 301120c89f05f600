import { type DirigentClient, jobClient } from "./client.js";

/** A queue item as the API returns it. */
export interface QueueItemData {
  id: number;
  key: string;
  queueId: number;
  status: "new" | "inProgress" | "failed" | "successful" | "abandoned" | "retried" | "deleted";
  priority: "high" | "normal" | "low";
  reference: string | null;
  specificContent: Record<string, unknown>;
  output: Record<string, unknown> | null;
  progress: string | null;
  deferDate: string | null;
  dueDate: string | null;
  retryNumber: number;
  [field: string]: unknown;
}

export interface AddOptions {
  reference?: string;
  priority?: "high" | "normal" | "low";
  /** Not handed out before this time (ISO-8601 or Date). */
  deferDate?: string | Date;
  /** Deadline (ISO-8601 or Date). */
  dueDate?: string | Date;
}

export type CommitType = "allOrNothing" | "stopOnFirstFailure" | "processAllIndependently";

export interface BulkResult {
  added: number;
  failedItems: { ordinal: number; type: string; detail: string }[];
}

const iso = (d: string | Date | undefined) => (d instanceof Date ? d.toISOString() : d);
const itemBody = (content: Record<string, unknown>, o: AddOptions = {}) => ({
  specificContent: content,
  ...(o.reference !== undefined && { reference: o.reference }),
  ...(o.priority !== undefined && { priority: o.priority }),
  ...(o.deferDate !== undefined && { deferDate: iso(o.deferDate) }),
  ...(o.dueDate !== undefined && { dueDate: iso(o.dueDate) }),
});

/** An item handed to this job by startTransaction(): finish it with complete() or fail(). */
export class Transaction {
  readonly id: number;
  readonly key: string;
  readonly reference: string | null;
  readonly specificContent: Record<string, unknown>;
  readonly retryNumber: number;

  constructor(
    private readonly client: DirigentClient,
    readonly data: QueueItemData,
  ) {
    this.id = data.id;
    this.key = data.key;
    this.reference = data.reference;
    this.specificContent = data.specificContent;
    this.retryNumber = data.retryNumber;
  }

  /** Sets the item's progress text (shown in Dirigent while it is in progress). */
  async setProgress(progress: string): Promise<void> {
    await this.client.request("POST", `/job/queue-items/${this.id}/progress`, { progress });
  }

  /** Ends the transaction successfully, with optional output data. Returns the item as stored. */
  async complete(output?: Record<string, unknown>, analytics?: Record<string, unknown>): Promise<QueueItemData> {
    const res = await this.client.request<QueueItemData>("POST", `/job/queue-items/${this.id}/result`, {
      status: "successful",
      ...(output && { output }),
      ...(analytics && { analytics }),
    });
    return res.body as QueueItemData;
  }

  /**
   * Ends the transaction as failed. `application` exceptions (the default) are retried as the
   * queue says; `business` exceptions never are.
   */
  async fail(exception: { type?: "business" | "application"; reason?: string; details?: string } = {}) {
    const res = await this.client.request<QueueItemData>("POST", `/job/queue-items/${this.id}/result`, {
      status: "failed",
      exceptionType: exception.type ?? "application",
      ...(exception.reason !== undefined && { reason: exception.reason }),
      ...(exception.details !== undefined && { details: exception.details }),
    });
    return res.body as QueueItemData;
  }
}

/** A queue of the job's folder, by name (matched case-insensitively). */
export class Queue {
  constructor(
    readonly name: string,
    private readonly client: DirigentClient = jobClient(),
  ) {}

  private get path() {
    return `/job/queues/${encodeURIComponent(this.name)}`;
  }

  /** Adds an item; throws DirigentApiError (409 duplicate-reference, 400 schema) when refused. */
  async add(content: Record<string, unknown>, options?: AddOptions): Promise<QueueItemData> {
    const res = await this.client.request<QueueItemData>("POST", `${this.path}/items`, itemBody(content, options));
    return res.body as QueueItemData;
  }

  /** Adds up to 15,000 items at once; see the commit types in docs/queues.md. */
  async addMany(
    items: ({ specificContent: Record<string, unknown> } & AddOptions)[],
    commitType: CommitType = "allOrNothing",
  ): Promise<BulkResult> {
    const res = await this.client.request<BulkResult>("POST", `${this.path}/items/bulk`, {
      commitType,
      items: items.map(({ specificContent, ...o }) => itemBody(specificContent, o)),
    });
    return res.body as BulkResult;
  }

  /** The next item (now in progress for this job), or null when none is available. */
  async startTransaction(filter?: {
    reference: string;
    referenceFilter?: "equals" | "startsWith";
  }): Promise<Transaction | null> {
    const res = await this.client.request<QueueItemData>("POST", `${this.path}/transactions`, filter ?? {});
    return res.status === 204 || !res.body ? null : new Transaction(this.client, res.body);
  }
}

/** A queue of the running job's folder: `await queue("Invoices").startTransaction()`. */
export function queue(name: string, client?: DirigentClient): Queue {
  return new Queue(name, client);
}
