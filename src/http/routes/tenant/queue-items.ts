import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { problems } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";
import { callerOf, dbId, itemDetailSchema, itemSchema, progressBody, resultBody, reviewBody } from "./queue-schemas.js";

const idParams = tenantParams.extend({ id: dbId });
/** Routes a running job may call with its token (a robot's rights in its folder). */
const robot = { jobToken: true } as const;
const tags = ["queues"];

/** One queue item (`T/queue-items/{id}`): read, progress, result, delete, retry, review; and the tenant's queue settings. */
export const queueItemRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/queue-items/:id",
    {
      config: robot,
      schema: {
        tags,
        summary: "One item with its history and retry chain",
        params: idParams,
        response: { 200: itemDetailSchema, ...problems(400, 401, 404, 503) },
      },
    },
    async (request) => services.queueItems.get(tenantOf(request).access, request.params.id),
  );

  app.delete(
    "/queue-items/:id",
    {
      schema: {
        tags,
        summary: "Deletes a new item (it becomes `deleted`; 409 otherwise)",
        params: idParams,
        response: { 200: itemSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.queueItems.delete(callerOf(request, org.id), access, request.params.id);
    },
  );

  app.post(
    "/queue-items/:id/progress",
    {
      config: robot,
      schema: {
        tags,
        summary: "Sets the progress text of an item in progress",
        params: idParams,
        body: progressBody,
        response: { 200: itemSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.queueTransactions.progress(
        callerOf(request, org.id),
        access,
        request.params.id,
        request.body.progress,
      );
    },
  );

  app.post(
    "/queue-items/:id/result",
    {
      config: robot,
      bodyLimit: 3 * 1024 * 1024,
      schema: {
        tags,
        summary:
          "Sets the result of an item in progress (409 on a final item); application exceptions are retried per the queue",
        params: idParams,
        body: resultBody,
        response: { 200: itemSchema, ...problems(400, 401, 403, 404, 409, 413, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.queueTransactions.result(callerOf(request, org.id), access, request.params.id, request.body);
    },
  );

  app.post(
    "/queue-items/:id/retry",
    {
      schema: {
        tags,
        summary: "Retries a failed or abandoned item by hand; returns the new clone",
        params: idParams,
        response: { 201: itemSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply
        .status(201)
        .send(await services.queueItems.retry(callerOf(request, org.id), access, request.params.id));
    },
  );

  app.post(
    "/queue-items/:id/review",
    {
      schema: {
        tags,
        summary: "Sets the review status (none, inReview, verified) and/or reviewer of a failed or abandoned item",
        params: idParams,
        body: reviewBody,
        response: { 200: itemSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.queueItems.review(callerOf(request, org.id), access, request.params.id, request.body);
    },
  );

  app.get(
    "/queue-settings",
    {
      schema: {
        tags,
        summary: "The tenant's queue settings (abandon period)",
        params: tenantParams,
        response: { 200: z.object({ abandonAfterHours: z.number() }), ...problems(401, 404, 503) },
      },
    },
    async (request) => ({ abandonAfterHours: await services.queues.abandonHours(tenantOf(request).access) }),
  );

  app.put(
    "/queue-settings",
    {
      schema: {
        tags,
        summary: "Sets the tenant's abandon period: hours an item may stay in progress (default 24)",
        params: tenantParams,
        body: z.object({ abandonAfterHours: z.number().int().min(1).max(8760) }).strict(),
        response: { 200: z.object({ abandonAfterHours: z.number() }), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return {
        abandonAfterHours: await services.queues.setAbandonHours(
          callerOf(request, org.id),
          access,
          request.body.abandonAfterHours,
        ),
      };
    },
  );
};
