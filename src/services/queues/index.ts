import type { AlertService } from "../alerts/alert-service.js";
import type { AuditService } from "../audit/audit-service.js";
import type { ServiceContext } from "../context.js";
import { QueueCsvService } from "./queue-csv-service.js";
import { QueueItemService } from "./queue-item-service.js";
import { SchemaCache } from "./queue-model.js";
import { QueueService } from "./queue-service.js";
import { QueueSweeper } from "./queue-sweeper.js";
import { QueueTransactionService } from "./queue-transaction-service.js";

/** The queue services, wired together (definitions, items, transactions, the sweeper). */
export function createQueueServices(ctx: ServiceContext, audit: AuditService, alerts: AlertService) {
  const schemas = new SchemaCache();
  const queues = new QueueService(ctx, audit);
  const queueItems = new QueueItemService(ctx, queues, schemas);
  const queueTransactions = new QueueTransactionService(ctx, queues, queueItems, schemas, alerts);
  return {
    queues,
    queueItems,
    queueTransactions,
    queueCsv: new QueueCsvService(ctx, queues, queueItems),
    queueSweeper: new QueueSweeper(ctx, alerts),
  };
}
