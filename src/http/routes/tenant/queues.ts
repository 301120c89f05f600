import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../../domain/errors.js";
import type { Services } from "../../../services/index.js";
import { parseDate } from "../../../services/queues/queue-item-ops.js";
import { ProblemType } from "../../../shared/problem-types.js";
import { commitTypes } from "../../../shared/queues.js";
import { folderRef, problems } from "../../schemas.js";
import { folderOf, tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";
import { queueItemRoutes } from "./queue-items.js";
import {
  bulkBody,
  bulkResultSchema,
  callerOf,
  createQueueBody,
  dbId,
  itemQuery,
  itemSchema,
  newItemBody,
  normaliseItem,
  queueSchema,
  queueStatsSchema,
  startBody,
  updateQueueBody,
} from "./queue-schemas.js";

const folderParams = tenantParams.extend({ folder: folderRef });
const idParams = tenantParams.extend({ id: dbId });
/** Routes a running job may call with its token (a robot's rights in its folder). */
const robot = { jobToken: true } as const;
const tags = ["queues"];
/** A bulk add of 15,000 items is larger than the API's default body limit. */
const bulkBodyLimit = 64 * 1024 * 1024;
/** One item: up to 1 MiB of specific content plus the envelope. */
const itemBodyLimit = 2 * 1024 * 1024;
const maxCsvBytes = 32 * 1024 * 1024;

/** Queues and their items (transactions): the fixed contract of issue #8. */
export const queueRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  await app.register(queueItemRoutes, { services });
  app.post(
    "/folders/:folder/queues",
    {
      schema: {
        tags,
        summary: "Creates a queue in a folder (name unique per folder, case-insensitively)",
        params: folderParams,
        body: createQueueBody,
        response: { 201: queueSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      const queue = await services.queues.create(callerOf(request, org.id), access, folderOf(request), request.body);
      return reply.status(201).send(queue);
    },
  );

  app.get(
    "/folders/:folder/queues",
    {
      config: robot,
      schema: {
        tags,
        summary: "The folder's queues with counts per status, average processing time and SLA colour",
        params: folderParams,
        response: { 200: z.object({ items: z.array(queueStatsSchema) }), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => ({ items: await services.queues.list(tenantOf(request).access, folderOf(request)) }),
  );

  app.get(
    "/queues/:id",
    {
      config: robot,
      schema: {
        tags,
        summary: "One queue with its counts",
        params: idParams,
        response: { 200: queueStatsSchema, ...problems(400, 401, 404, 503) },
      },
    },
    async (request) => services.queues.get(tenantOf(request).access, request.params.id),
  );

  app.patch(
    "/queues/:id",
    {
      schema: {
        tags,
        summary: "Changes a queue (everything but uniqueReference; schemas apply to new items only)",
        params: idParams,
        body: updateQueueBody,
        response: { 200: queueSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.queues.update(callerOf(request, org.id), access, request.params.id, request.body);
    },
  );

  app.delete(
    "/queues/:id",
    {
      schema: {
        tags,
        summary: "Deletes a queue with all its items",
        params: idParams,
        response: { 204: z.null(), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.queues.delete(callerOf(request, org.id), access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/queues/:id/items",
    {
      config: robot,
      bodyLimit: itemBodyLimit,
      schema: {
        tags,
        summary: "Adds an item (409 duplicate-reference on a unique queue; 400 names schema violations)",
        params: idParams,
        body: newItemBody,
        response: { 201: itemSchema, ...problems(400, 401, 403, 404, 409, 413, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      const item = await services.queueItems.add(
        callerOf(request, org.id),
        access,
        request.params.id,
        normaliseItem(request.body),
      );
      return reply.status(201).send(item);
    },
  );

  app.post(
    "/queues/:id/items/bulk",
    {
      config: robot,
      bodyLimit: bulkBodyLimit,
      schema: {
        tags,
        summary: "Adds up to 15,000 items: allOrNothing, stopOnFirstFailure or processAllIndependently",
        params: idParams,
        body: bulkBody,
        response: { 200: bulkResultSchema, ...problems(400, 401, 403, 404, 409, 413, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      const { commitType, items } = request.body;
      return services.queueItems.addMany(
        callerOf(request, org.id),
        access,
        request.params.id,
        commitType,
        items.map(normaliseItem),
      );
    },
  );

  app.post(
    "/queues/:id/items/upload",
    {
      config: { multipart: true },
      schema: {
        tags,
        summary:
          "Adds items from a CSV file (multipart field `file`): Reference, Priority, DeferDate, DueDate columns are recognised, the others become specific content; errors per row",
        consumes: ["multipart/form-data"],
        params: idParams,
        querystring: z.object({ commitType: z.enum(commitTypes).default("processAllIndependently") }).strict(),
        response: { 200: bulkResultSchema, ...problems(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request) => {
      if (!request.isMultipart())
        throw new AppError(
          415,
          ProblemType.unsupportedMediaType,
          "Unsupported media type",
          "Upload the CSV as multipart/form-data with the field `file`.",
        );
      const file = await request.file({ limits: { fileSize: maxCsvBytes, files: 1 } });
      if (file?.fieldname !== "file")
        throw new AppError(
          400,
          ProblemType.validationFailed,
          "Validation failed",
          "The upload needs the field `file`.",
          {
            errors: [{ path: "file", message: "is required" }],
          },
        );
      const content = await file.toBuffer();
      if (file.file.truncated)
        throw new AppError(
          413,
          ProblemType.payloadTooLarge,
          "Payload too large",
          `CSV files may be at most ${maxCsvBytes / 1024 / 1024} MiB.`,
        );
      const csv = new TextDecoder("utf-8", { fatal: false }).decode(content);
      if (csv.includes("\u0000"))
        throw new AppError(400, ProblemType.validationFailed, "Validation failed", "The file is not a text CSV file.", {
          errors: [{ path: "file", message: "must be a UTF-8 CSV file without NUL characters" }],
        });
      const { org, access } = tenantOf(request);
      return services.queueCsv.upload(
        callerOf(request, org.id),
        access,
        request.params.id,
        request.query.commitType,
        csv,
      );
    },
  );

  app.post(
    "/queues/:id/transactions",
    {
      config: robot,
      schema: {
        tags,
        summary:
          "Starts a transaction: the next item (priority, due date, age; optionally by reference), now inProgress; 204 when none",
        params: idParams,
        body: startBody,
        response: { 200: itemSchema, 204: z.null(), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      const item = await services.queueTransactions.start(
        callerOf(request, org.id),
        access,
        request.params.id,
        request.body,
      );
      return item ? item : reply.status(204).send(null);
    },
  );

  app.get(
    "/queues/:id/items",
    {
      config: robot,
      schema: {
        tags,
        summary:
          "The queue's items (newest or oldest first), filtered by status, reference prefix, priority and creation time",
        params: idParams,
        querystring: itemQuery,
        response: {
          200: z.object({ items: z.array(itemSchema), nextCursor: z.string().nullable() }),
          ...problems(400, 401, 404, 503),
        },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return services.queueItems.list(tenantOf(request).access, request.params.id, dates(filter), limit, cursor);
    },
  );

  app.get(
    "/queues/:id/items.csv",
    {
      schema: {
        tags,
        summary: "The queue's items as CSV (same filters as the list)",
        params: idParams,
        querystring: itemQuery.omit({ limit: true, cursor: true }),
        produces: ["text/csv"],
      },
    },
    async (request, reply) => {
      const csv = await services.queueCsv.csv(tenantOf(request).access, request.params.id, dates(request.query));
      return reply
        .type("text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="queue-${request.params.id}-items.csv"`)
        .send(csv);
    },
  );
};

function dates<T extends { from?: string | undefined; to?: string | undefined }>(filter: T): T {
  return {
    ...filter,
    ...(filter.from !== undefined && { from: parseDate(filter.from) as string }),
    ...(filter.to !== undefined && { to: parseDate(filter.to) as string }),
  };
}
