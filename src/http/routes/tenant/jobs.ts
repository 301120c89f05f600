import { stringify } from "csv-stringify/sync";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { isFinalJobState, jobStates, logLevels } from "../../../shared/jobs.js";
import { actorOf } from "../../auth.js";
import { bodyId, maxId, pageQuery, positiveId, problems } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

const jobState = z.enum(jobStates);
const job = z.object({
  id: z.number(),
  key: z.string(),
  state: jobState,
  folderId: z.number(),
  processId: z.number().nullable(),
  processName: z.string(),
  entryPoint: z.string(),
  priority: z.number(),
  targetMachineId: z.number().nullable(),
  machineId: z.number().nullable(),
  inputArguments: z.record(z.string(), z.unknown()),
  outputArguments: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().optional(),
  source: z.string(),
  createdBy: z.string(),
  stopAfterSeconds: z.number().nullable(),
  killAfterSeconds: z.number().nullable(),
  triggerId: z.number().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
/** The job as the API shows it (also in trigger routes). */
export const jobSchema = job;
const jobParams = tenantParams.extend({ id: z.string().min(1).max(64) });
const logEntry = z.object({ id: z.number(), timestamp: z.string(), level: z.enum(logLevels), message: z.string() });
const logQuery = z
  .object({
    level: z.enum(logLevels).optional(),
    q: z.string().max(200).optional(),
    after: z.coerce.number().int().min(0).max(maxId).optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  })
  .strict();

/** Jobs: start in a folder, inspect, stop or kill, restart, and read their logs (also live). */
export const jobRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.post(
    "/folders/:folder/jobs",
    {
      schema: {
        tags: ["jobs"],
        summary: "Starts jobs of a process (count times; optionally on one machine, with a priority and time limits)",
        params: tenantParams.extend({ folder: positiveId }),
        body: z
          .object({
            processId: bodyId,
            inputArguments: z.record(z.string(), z.unknown()).optional(),
            count: z.number().int().min(1).max(100).optional(),
            machineId: bodyId.optional(),
            priority: z.number().int().min(1).max(100).optional(),
            stopAfterSeconds: z.number().int().min(1).max(604_800).optional(),
            killAfterSeconds: z.number().int().min(1).max(604_800).optional(),
          })
          .strict(),
        response: { 201: z.object({ items: z.array(job) }), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      // Jobs started with a bearer token count as API starts; from the UI as manual.
      const source = request.auth?.via === "bearer" ? "api" : "manual";
      const items = await services.jobs.start(
        actorOf(request),
        org.id,
        access,
        request.params.folder,
        request.body,
        source,
      );
      return reply.status(201).send({ items });
    },
  );

  app.get(
    "/jobs",
    {
      schema: {
        tags: ["jobs"],
        summary: "Jobs, newest first, filtered by state, process, machine, folder and time",
        params: tenantParams,
        querystring: z
          .object({
            state: jobState.optional(),
            processId: positiveId.optional(),
            machineId: positiveId.optional(),
            folderId: positiveId.optional(),
            from: z.iso.datetime({ offset: true }).optional(),
            to: z.iso.datetime({ offset: true }).optional(),
            limit: pageQuery.limit,
            cursor: pageQuery.cursor,
          })
          .strict(),
        response: {
          200: z.object({ items: z.array(job), nextCursor: z.string().nullable() }),
          ...problems(400, 401, 404, 503),
        },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return services.jobs.list(tenantOf(request).access, filter, limit, cursor);
    },
  );

  app.get(
    "/jobs/:id",
    {
      schema: {
        tags: ["jobs"],
        summary: "One job (by id or key) with its timeline",
        params: jobParams,
        response: {
          200: job.extend({
            timeline: z.array(
              z.object({
                state: z.string(),
                actor: z.string().describe('Who made the transition as stored: a user, "system", or "machine <id>"'),
                actorName: z.string().describe("The actor for display: a machine's current name, otherwise `actor`"),
                reason: z.string().nullable().describe("Why, in English (raw text for a robot's error)"),
                reasonCode: z
                  .string()
                  .nullable()
                  .describe("The reason as a stable code (docs/job-reasons.md), for text in the reader's language"),
                reasonParams: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).nullable(),
                at: z.string(),
              }),
            ),
            waitingFor: z
              .object({
                code: z
                  .string()
                  .describe(
                    "maintenance | licenseExpired | licenseSlots | noMachine | targetMachineNotServing | disconnected | slotsBusy | queued",
                  ),
                params: z.record(z.string(), z.union([z.string(), z.number()])),
                message: z.string(),
              })
              .nullable()
              .describe("Why a pending job has not started, from the dispatcher's own rules (null otherwise)"),
          }),
          ...problems(401, 404, 503),
        },
      },
    },
    async (request) => {
      const { access } = tenantOf(request);
      const found = await services.jobs.get(access, request.params.id);
      return { ...found, waitingFor: await services.jobWaiting.reasonFor(access.tenantId, found) };
    },
  );

  app.post(
    "/jobs/:id/stop",
    {
      schema: {
        tags: ["jobs"],
        summary: "Stops a job gracefully (`stop`) or kills it (`kill`); a pending job is cancelled",
        params: jobParams,
        body: z.object({ mode: z.enum(["stop", "kill"]).default("stop") }).strict(),
        response: { 200: job, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.jobs.stop(actorOf(request), org.id, access, request.params.id, request.body.mode);
    },
  );

  app.post(
    "/jobs/:id/restart",
    {
      schema: {
        tags: ["jobs"],
        summary: "Starts a finished job again as a new job",
        params: jobParams,
        response: { 201: job, ...problems(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply.status(201).send(await services.jobs.restart(actorOf(request), org.id, access, request.params.id));
    },
  );

  app.get(
    "/jobs/:id/logs",
    {
      schema: {
        tags: ["jobs"],
        summary: "The job's log lines (filter by minimum level and text; `after` = last id seen)",
        params: jobParams,
        querystring: logQuery,
        response: { 200: z.object({ items: z.array(logEntry) }), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { limit, ...filter } = request.query;
      return { items: await services.jobs.logs(tenantOf(request).access, request.params.id, filter, limit) };
    },
  );

  app.get(
    "/jobs/:id/logs.csv",
    {
      schema: {
        tags: ["jobs"],
        summary: "The job's log lines as CSV",
        params: jobParams,
        querystring: logQuery.omit({ after: true, limit: true }),
        produces: ["text/csv"],
      },
    },
    async (request, reply) => {
      const items = await services.jobs.logs(tenantOf(request).access, request.params.id, request.query, 1_000_000);
      const csv = stringify([
        ["Time", "Level", "Message"],
        ...items.map((l) => [l.timestamp, l.level, /^[=+\-@]/.test(l.message) ? `'${l.message}` : l.message]),
      ]);
      return reply
        .type("text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="job-${request.params.id}-logs.csv"`)
        .send(csv);
    },
  );

  app.get(
    "/jobs/:id/logs/stream",
    {
      schema: {
        tags: ["jobs"],
        summary: "Live log lines as server-sent events (`log` events; `end` once the job finished)",
        params: jobParams,
        querystring: z.object({ after: z.coerce.number().int().min(0).max(maxId).optional() }).strict(),
      },
    },
    async (request, reply) => {
      const { access } = tenantOf(request);
      const first = await services.jobs.get(access, request.params.id);
      let after = request.query.after ?? 0;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      let closed = false;
      let wake: (() => void) | null = null;
      const unsubscribe = services.logStream.subscribe(first.id, () => wake?.());
      request.raw.on("close", () => {
        closed = true;
        wake?.();
      });
      try {
        while (!closed) {
          const lines = await services.jobs.logs(access, request.params.id, { after }, 500);
          for (const line of lines) {
            res.write(`id: ${line.id}\nevent: log\ndata: ${JSON.stringify(line)}\n\n`);
            after = line.id;
          }
          if (lines.length === 500) continue;
          const current = await services.jobs.get(access, request.params.id);
          if (isFinalJobState(current.state)) {
            res.write(`event: end\ndata: ${JSON.stringify({ state: current.state })}\n\n`);
            break;
          }
          // Wait for new lines (published on this node) or poll (lines arriving on another node).
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, 1000);
            function done() {
              clearTimeout(timer);
              resolve();
            }
            wake = done;
          });
          wake = null;
          res.write(": keep-alive\n\n");
        }
      } finally {
        unsubscribe();
        res.end();
      }
    },
  );
};
