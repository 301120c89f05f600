import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { jobAccess, jobAuthOf } from "../../job-auth.js";
import { problems, text } from "../../schemas.js";
import {
  bulkBody,
  bulkResultSchema,
  callerOf,
  dbId,
  itemSchema,
  newItemBody,
  normaliseItem,
  progressBody,
  resultBody,
  startBody,
} from "../tenant/queue-schemas.js";

const nameParams = z.object({ name: text(50) }).strict();
const idParams = z.object({ id: dbId }).strict();
const tags = ["job"];

/**
 * Queues for running automations, by name in the job's folder (`dirigent/sdk`'s `queue(name)`):
 * add, bulk add, start a transaction, progress and result.
 */
export const jobQueueRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  /** The job's access, caller and named queue. */
  async function context(request: Parameters<typeof jobAuthOf>[0], name?: string) {
    const job = jobAuthOf(request);
    const access = jobAccess(job);
    const caller = callerOf(request, job.orgId);
    const queue = name === undefined ? null : await services.queues.findByName(access, job.folderId, name);
    return { access, caller, queue };
  }

  app.post(
    "/queues/:name/items",
    {
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        tags,
        summary: "Adds an item to a queue of the job's folder, by name",
        params: nameParams,
        body: newItemBody,
        response: { 201: itemSchema, ...problems(400, 401, 404, 409, 413) },
      },
    },
    async (request, reply) => {
      const { access, caller, queue } = await context(request, request.params.name);
      if (!queue) throw new Error("unreachable");
      return reply.status(201).send(await services.queueItems.add(caller, access, queue, normaliseItem(request.body)));
    },
  );

  app.post(
    "/queues/:name/items/bulk",
    {
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags,
        summary: "Adds up to 15,000 items to a queue of the job's folder, by name",
        params: nameParams,
        body: bulkBody,
        response: { 200: bulkResultSchema, ...problems(400, 401, 404, 409, 413) },
      },
    },
    async (request) => {
      const { access, caller, queue } = await context(request, request.params.name);
      const { commitType, items } = request.body;
      return services.queueItems.addMany(caller, access, queue?.id ?? 0, commitType, items.map(normaliseItem));
    },
  );

  app.post(
    "/queues/:name/transactions",
    {
      schema: {
        tags,
        summary: "Starts a transaction on a queue of the job's folder: the next item, or 204 when none",
        params: nameParams,
        body: startBody,
        response: { 200: itemSchema, 204: z.null(), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { access, caller, queue } = await context(request, request.params.name);
      if (!queue) throw new Error("unreachable");
      const item = await services.queueTransactions.start(caller, access, queue, request.body);
      return item ? item : reply.status(204).send(null);
    },
  );

  app.post(
    "/queue-items/:id/progress",
    {
      schema: {
        tags,
        summary: "Sets the progress of an item in progress",
        params: idParams,
        body: progressBody,
        response: { 200: itemSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const { access, caller } = await context(request);
      return services.queueTransactions.progress(caller, access, request.params.id, request.body.progress);
    },
  );

  app.post(
    "/queue-items/:id/result",
    {
      bodyLimit: 3 * 1024 * 1024,
      schema: {
        tags,
        summary: "Sets the result of an item in progress",
        params: idParams,
        body: resultBody,
        response: { 200: itemSchema, ...problems(400, 401, 404, 409, 413) },
      },
    },
    async (request) => {
      const { access, caller } = await context(request);
      return services.queueTransactions.result(caller, access, request.params.id, request.body);
    },
  );
};
