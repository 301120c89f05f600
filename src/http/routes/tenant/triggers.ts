import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { jobSchema } from "../../../shared/api/jobs.js";
import {
  createTriggerSchema,
  firingSchema,
  previewRequestSchema,
  previewSchema,
  triggerChangeSchema,
  triggerSchema,
} from "../../../shared/api/triggers.js";
import { Locale } from "../../../shared/identity.js";
import { actorOf, principalOf } from "../../auth.js";
import { folderRef, problems } from "../../schemas.js";
import { folderOf, tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

/** Ids are database integers: PostgreSQL refuses anything above 2^31 - 1, so the edge does too. */
export const dbId = z.coerce.number().int().positive().max(2_147_483_647);
/** The same in a JSON body (no coercion: "5" is not an id). */
export const bodyId = z.number().int().positive().max(2_147_483_647);
/** The language of schedule summaries: the UI's (Accept-Language), else the caller's profile language. */
const summaryLocale = (request: Parameters<typeof principalOf>[0]): "en" | "de" => {
  const header = request.headers["accept-language"];
  if (typeof header === "string" && header.trim()) return /^\s*de\b/i.test(header) ? "de" : "en";
  return principalOf(request).locale === Locale.de ? "de" : "en";
};

const folderParams = tenantParams.extend({ folder: folderRef });
const triggerParams = tenantParams.extend({ id: dbId });
const pageQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: dbId.optional() })
  .strict();

/** Time triggers: `T/folders/{folder}/triggers`, `T/triggers/{id}` (+ enable, disable, run-now, next, history, jobs), `T/triggers/preview`. */
export const triggerRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.post(
    "/folders/:folder/triggers",
    {
      schema: {
        tags: ["triggers"],
        summary:
          "Creates a time trigger (Quartz 6–7 field or standard 5-field cron in an IANA zone), an HTTP trigger or a queue trigger",
        description:
          "timeZone defaults to the tenant's; priority null = the process's. inputArguments are checked against the entry point's inputSchema. A queue trigger (one per queue) starts the process when at least minItems (default 1) new, not deferred items wait, keeps at most maxConcurrentJobs (1–100, default 1) pending + running, one job per itemsPerJob (default 1) items.",
        params: folderParams,
        body: createTriggerSchema,
        response: { 201: triggerSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      if (request.body.type === "queue") {
        const { type: _queue, ...queue } = request.body;
        const created = await services.queueTriggers.create(actorOf(request), org.id, access, folderOf(request), queue);
        // The local scheduler evaluates it at once (items may already wait).
        services.triggers.notifyChanged();
        return reply.status(201).send(created);
      }
      if (request.body.type === "http") {
        const { type: _http, ...http } = request.body;
        return reply
          .status(201)
          .send(await services.httpTriggers.create(actorOf(request), org.id, access, folderOf(request), http));
      }
      const { type: _type, ...input } = request.body;
      const created = await services.triggers.create(
        actorOf(request),
        org.id,
        access,
        folderOf(request),
        input,
        summaryLocale(request),
      );
      return reply.status(201).send(created);
    },
  );

  app.get(
    "/folders/:folder/triggers",
    {
      schema: {
        tags: ["triggers"],
        summary: "Triggers of a folder",
        params: folderParams,
        response: { 200: z.object({ items: z.array(triggerSchema) }), ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => ({
      items: await services.triggers.list(tenantOf(request).access, folderOf(request), summaryLocale(request)),
    }),
  );

  app.post(
    "/triggers/preview",
    {
      schema: {
        tags: ["triggers"],
        summary: "The summary and next fire times of a cron expression (nothing saved)",
        params: tenantParams,
        body: previewRequestSchema,
        response: {
          200: previewSchema,
          ...problems(400, 401, 404, 503),
        },
      },
    },
    async (request) => services.triggers.preview(tenantOf(request).access, request.body, summaryLocale(request)),
  );

  app.post(
    "/triggers/bulk-enabled",
    {
      schema: {
        tags: ["triggers"],
        summary: "Pause all: switches every time trigger of a folder (or, without folderId, of the tenant) off or on",
        description:
          "A folder needs triggers.edit there; the whole tenant needs settings.edit. Switching on plans each next fire time from now.",
        params: tenantParams,
        body: z.object({ enabled: z.boolean(), folderId: bodyId.optional() }).strict(),
        response: { 200: z.object({ count: z.number() }), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.triggerBulk.setEnabled(
        actorOf(request),
        org.id,
        access,
        request.body.enabled,
        request.body.folderId,
      );
    },
  );

  app.get(
    "/triggers/:id",
    {
      schema: {
        tags: ["triggers"],
        summary: "One trigger",
        params: triggerParams,
        response: { 200: triggerSchema, ...problems(401, 404, 503) },
      },
    },
    async (request) => services.triggers.get(tenantOf(request).access, request.params.id, summaryLocale(request)),
  );

  app.patch(
    "/triggers/:id",
    {
      schema: {
        tags: ["triggers"],
        summary: "Changes a trigger; a changed schedule or enabling it re-plans its next fire time",
        description:
          "Fields left out stay. All kinds: name, description, processId, inputArguments, priority, machineId, stopAfterSeconds, killAfterSeconds, enabled. Time triggers also their schedule fields; HTTP triggers slug, method, callMode; queue triggers minItems, maxConcurrentJobs, itemsPerJob (their queue stays). A field of another kind is a 400 naming it.",
        params: triggerParams,
        body: triggerChangeSchema,
        response: { 200: triggerSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.triggers.update(
        actorOf(request),
        org.id,
        access,
        request.params.id,
        request.body,
        summaryLocale(request),
      );
    },
  );

  for (const [action, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    app.post(
      `/triggers/:id/${action}`,
      {
        schema: {
          tags: ["triggers"],
          summary: enabled ? "Enables a trigger (its next fire time is planned from now)" : "Disables a trigger",
          params: triggerParams,
          response: { 200: triggerSchema, ...problems(400, 401, 403, 404, 503) },
        },
      },
      async (request) => {
        const { org, access } = tenantOf(request);
        return services.triggers.setEnabled(
          actorOf(request),
          org.id,
          access,
          request.params.id,
          enabled,
          summaryLocale(request),
        );
      },
    );
  }

  app.delete(
    "/triggers/:id",
    {
      schema: {
        tags: ["triggers"],
        summary: "Deletes a trigger (its jobs stay)",
        params: triggerParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.triggers.delete(actorOf(request), org.id, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/triggers/:id/run-now",
    {
      schema: {
        tags: ["triggers"],
        summary: "Starts the trigger's jobs now, outside its schedule",
        params: triggerParams,
        response: { 201: z.object({ items: z.array(jobSchema) }), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      const items = await services.triggerFiring.runNow(actorOf(request), org.id, access, request.params.id);
      return reply.status(201).send({ items });
    },
  );

  app.get(
    "/triggers/:id/next",
    {
      schema: {
        tags: ["triggers"],
        summary: "The next fire times of a trigger (a calendar's excluded days left out)",
        params: triggerParams,
        querystring: z.object({ count: z.coerce.number().int().min(1).max(50).default(5) }).strict(),
        response: { 200: z.object({ times: z.array(z.string()) }), ...problems(400, 401, 404, 503) },
      },
    },
    async (request) => services.triggers.next(tenantOf(request).access, request.params.id, request.query.count),
  );

  app.get(
    "/triggers/:id/history",
    {
      schema: {
        tags: ["triggers"],
        summary: "What became of each fire time: fired, skipped (with the reason) or failed",
        params: triggerParams,
        querystring: pageQuery,
        response: {
          200: z.object({
            items: z.array(firingSchema),
            nextCursor: z.string().nullable(),
          }),
          ...problems(400, 401, 404, 503),
        },
      },
    },
    async (request) =>
      services.triggers.history(tenantOf(request).access, request.params.id, request.query.limit, request.query.cursor),
  );

  app.get(
    "/triggers/:id/jobs",
    {
      schema: {
        tags: ["triggers"],
        summary: "The jobs a trigger created, newest first",
        params: triggerParams,
        querystring: pageQuery,
        response: {
          200: z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() }),
          ...problems(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) =>
      services.triggers.jobsOf(tenantOf(request).access, request.params.id, request.query.limit, request.query.cursor),
  );
};
