import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { deliverySchema, deliveryStatus, webhookFields, webhookSchema } from "../../../shared/api/webhooks.js";
import { actorOf } from "../../auth.js";
import { idCursor, problems } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";
import { dbId } from "./triggers.js";

const fields = webhookFields;
const webhookParams = tenantParams.extend({ id: dbId });

/**
 * Outgoing webhooks of a tenant (fixed contract of issue 13): `T/webhooks`, their deliveries,
 * ping and redeliver. Reading needs `webhooks.view`; creating, changing (ping and redeliver too) and
 * deleting need `webhooks.create`, `webhooks.edit` and `webhooks.delete`.
 */
export const webhookRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/webhooks",
    {
      schema: {
        tags: ["webhooks"],
        summary: "The tenant's webhook subscriptions",
        params: tenantParams,
        response: { 200: z.object({ items: z.array(webhookSchema) }), ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => ({ items: await services.webhooks.list(tenantOf(request).access) }),
  );

  app.post(
    "/webhooks",
    {
      schema: {
        tags: ["webhooks"],
        summary: "Subscribes a URL to events (literal loopback/private addresses are refused unless allow-listed)",
        params: tenantParams,
        body: z.object(fields).strict(),
        response: { 201: webhookSchema, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply.status(201).send(await services.webhooks.create(actorOf(request), org.id, access, request.body));
    },
  );

  app.get(
    "/webhooks/:id",
    {
      schema: {
        tags: ["webhooks"],
        summary: "One webhook subscription (the secret is never returned: hasSecret)",
        params: webhookParams,
        response: { 200: webhookSchema, ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => services.webhooks.get(tenantOf(request).access, request.params.id),
  );

  app.patch(
    "/webhooks/:id",
    {
      schema: {
        tags: ["webhooks"],
        summary: "Changes a subscription; enabled: true also ends a circuit-breaker pause",
        params: webhookParams,
        body: z.object(fields).partial().strict(),
        response: { 200: webhookSchema, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.webhooks.update(actorOf(request), org.id, access, request.params.id, request.body);
    },
  );

  app.delete(
    "/webhooks/:id",
    {
      schema: {
        tags: ["webhooks"],
        summary: "Deletes a subscription and its deliveries",
        params: webhookParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.webhooks.delete(actorOf(request), org.id, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/webhooks/:id/ping",
    {
      schema: {
        tags: ["webhooks"],
        summary: "Sends a `ping` event now and returns its delivery with the attempt",
        params: webhookParams,
        response: { 200: deliverySchema, ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => services.webhooks.ping(tenantOf(request).access, request.params.id),
  );

  app.get(
    "/webhooks/:id/deliveries",
    {
      schema: {
        tags: ["webhooks"],
        summary: "A subscription's deliveries, newest first, each with every attempt",
        params: webhookParams,
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: idCursor,
            status: deliveryStatus.optional(),
          })
          .strict(),
        response: {
          200: z.object({ items: z.array(deliverySchema), nextCursor: z.string().nullable() }),
          ...problems(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      return services.webhooks.deliveries(tenantOf(request).access, request.params.id, {
        limit,
        ...(cursor !== undefined && { cursor }),
        ...(status !== undefined && { status }),
      });
    },
  );

  app.post(
    "/webhooks/deliveries/:id/redeliver",
    {
      schema: {
        tags: ["webhooks"],
        summary: "Sends a delivery again, with the same id, before the subscription's newer ones",
        params: webhookParams,
        response: { 200: deliverySchema, ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.webhooks.redeliver(actorOf(request), org.id, access, request.params.id);
    },
  );
};
