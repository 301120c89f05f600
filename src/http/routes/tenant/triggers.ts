import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { callModes, httpMethods } from "../../../services/triggers/http-triggers.js";
import { queueTriggerLimits } from "../../../services/triggers/queue-triggers.js";
import { Locale } from "../../../shared/identity.js";
import { firingOutcomes, maxJobLimitSeconds, maxJobsPerFiring, minJobLimitSeconds } from "../../../shared/triggers.js";
import { actorOf, principalOf } from "../../auth.js";
import { problems, text } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";
import { jobSchema } from "./jobs.js";

/** Ids are database integers: PostgreSQL refuses anything above 2^31 - 1, so the edge does too. */
export const dbId = z.coerce.number().int().positive().max(2_147_483_647);
/** The same in a JSON body (no coercion: "5" is not an id). */
export const bodyId = z.number().int().positive().max(2_147_483_647);
const zone = text(64);
const cron = text(200);
const limit = z.number().int().min(minJobLimitSeconds).max(maxJobLimitSeconds);
/** The language of schedule summaries: the UI's (Accept-Language), else the caller's profile language. */
const summaryLocale = (request: Parameters<typeof principalOf>[0]): "en" | "de" => {
  const header = request.headers["accept-language"];
  if (typeof header === "string" && header.trim()) return /^\s*de\b/i.test(header) ? "de" : "en";
  return principalOf(request).locale === Locale.de ? "de" : "en";
};

const triggerSchema = z.object({
  id: z.number(),
  key: z.string(),
  type: z.string(),
  folderId: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  slug: z.string().nullable(),
  method: z.string().nullable(),
  callMode: z.string().nullable(),
  queueId: z.number().nullable(),
  minItems: z.number().nullable(),
  maxConcurrentJobs: z.number().nullable(),
  itemsPerJob: z.number().nullable(),
  processId: z.number(),
  inputArguments: z.record(z.string(), z.unknown()),
  priority: z.number().nullable(),
  machineId: z.number().nullable(),
  jobCount: z.number(),
  cron: z.string().nullable(),
  timeZone: z.string().nullable(),
  calendarId: z.number().nullable(),
  stopAfterSeconds: z.number().nullable(),
  killAfterSeconds: z.number().nullable(),
  alertPendingSeconds: z.number().nullable(),
  alertRunningSeconds: z.number().nullable(),
  endDate: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  nextFireTime: z.string().nullable(),
  summary: z.string().nullable(),
  lastFiredAt: z.string().nullable(),
  lastResult: z.string().nullable(),
  createdBy: z.string(),
  updatedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const timeFields = {
  name: text(128),
  description: text(512).nullable().optional(),
  processId: bodyId,
  cron,
  timeZone: zone.optional(),
  calendarId: bodyId.nullable().optional(),
  inputArguments: z.record(z.string(), z.unknown()).optional(),
  priority: z.number().int().min(1).max(100).nullable().optional(),
  machineId: bodyId.nullable().optional(),
  jobCount: z.number().int().min(1).max(maxJobsPerFiring).optional(),
  stopAfterSeconds: limit.nullable().optional(),
  killAfterSeconds: limit.nullable().optional(),
  alertPendingSeconds: limit.nullable().optional(),
  alertRunningSeconds: limit.nullable().optional(),
  endDate: z.iso.datetime({ offset: true }).nullable().optional(),
  enabled: z.boolean().optional(),
};
const timeBody = z.object({ type: z.literal("time"), ...timeFields }).strict();
const slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "must be letters, digits, '-', '_' or '.' (at most 100)")
  .refine((s) => s.toLowerCase() !== "jobs", 'must not be "jobs"');
const httpBody = z
  .object({
    type: z.literal("http"),
    name: text(128),
    description: text(512).nullable().optional(),
    processId: bodyId,
    slug,
    method: z.enum(httpMethods),
    callMode: z.enum(callModes),
    inputArguments: z.record(z.string(), z.unknown()).optional(),
    priority: z.number().int().min(1).max(100).nullable().optional(),
    machineId: bodyId.nullable().optional(),
    stopAfterSeconds: limit.nullable().optional(),
    killAfterSeconds: limit.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
const queueNumbers = {
  minItems: z.number().int().min(queueTriggerLimits.minItems.min).max(queueTriggerLimits.minItems.max),
  maxConcurrentJobs: z
    .number()
    .int()
    .min(queueTriggerLimits.maxConcurrentJobs.min)
    .max(queueTriggerLimits.maxConcurrentJobs.max),
  itemsPerJob: z.number().int().min(queueTriggerLimits.itemsPerJob.min).max(queueTriggerLimits.itemsPerJob.max),
};
const queueBody = z
  .object({
    type: z.literal("queue"),
    name: text(128),
    description: text(512).nullable().optional(),
    processId: bodyId,
    queueId: bodyId,
    minItems: queueNumbers.minItems.optional(),
    maxConcurrentJobs: queueNumbers.maxConcurrentJobs.optional(),
    itemsPerJob: queueNumbers.itemsPerJob.optional(),
    inputArguments: z.record(z.string(), z.unknown()).optional(),
    priority: z.number().int().min(1).max(100).nullable().optional(),
    machineId: bodyId.nullable().optional(),
    stopAfterSeconds: limit.nullable().optional(),
    killAfterSeconds: limit.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
const createBody = z.discriminatedUnion("type", [timeBody, httpBody, queueBody]);
const patchBody = z
  .object({
    ...timeFields,
    minItems: queueNumbers.minItems,
    maxConcurrentJobs: queueNumbers.maxConcurrentJobs,
    itemsPerJob: queueNumbers.itemsPerJob,
    slug,
    method: z.enum(httpMethods),
    callMode: z.enum(callModes),
  })
  .partial()
  .strict();

const folderParams = tenantParams.extend({ folder: dbId });
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
        body: createBody,
        response: { 201: triggerSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      if (request.body.type === "queue") {
        const { type: _queue, ...queue } = request.body;
        const created = await services.queueTriggers.create(
          actorOf(request),
          org.id,
          access,
          request.params.folder,
          queue,
        );
        // The local scheduler evaluates it at once (items may already wait).
        services.triggers.notifyChanged();
        return reply.status(201).send(created);
      }
      if (request.body.type === "http") {
        const { type: _http, ...http } = request.body;
        return reply
          .status(201)
          .send(await services.httpTriggers.create(actorOf(request), org.id, access, request.params.folder, http));
      }
      const { type: _type, ...input } = request.body;
      const created = await services.triggers.create(
        actorOf(request),
        org.id,
        access,
        request.params.folder,
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
      items: await services.triggers.list(tenantOf(request).access, request.params.folder, summaryLocale(request)),
    }),
  );

  app.post(
    "/triggers/preview",
    {
      schema: {
        tags: ["triggers"],
        summary: "The summary and next fire times of a cron expression (nothing saved)",
        params: tenantParams,
        body: z
          .object({
            cron,
            timeZone: zone.optional(),
            calendarId: bodyId.optional(),
            count: z.number().int().min(1).max(50).optional(),
          })
          .strict(),
        response: {
          200: z.object({ times: z.array(z.string()), summary: z.string(), timeZone: z.string() }),
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
        body: patchBody,
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
            items: z.array(
              z.object({
                id: z.number(),
                fireTime: z.string(),
                outcome: z.enum(firingOutcomes),
                reason: z.string().nullable(),
                jobIds: z.array(z.number()),
                createdAt: z.string(),
              }),
            ),
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
