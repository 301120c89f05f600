import { Readable } from "node:stream";
import { stringify } from "csv-stringify/sync";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { neutraliseFormula } from "../../../domain/csv.js";
import type { Services } from "../../../services/index.js";
import { jobSortColumns } from "../../../services/jobs/job-model.js";
import { sortNames } from "../../../services/sorted-page.js";
import { jobDetailSchema, jobSchema, jobStartSchema, logLineSchema } from "../../../shared/api/jobs.js";
import { isFinalJobState, jobStates, logLevels } from "../../../shared/jobs.js";
import { actorOf } from "../../auth.js";
import { booleanQuery, folderRef, maxId, pageQuery, positiveId, problems, sortedCursor } from "../../schemas.js";
import { folderOf, tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

const jobState = z.enum(jobStates);
const job = jobSchema;
const jobParams = tenantParams.extend({ id: z.string().min(1).max(64) });
const logQuery = z
  .object({
    level: z.enum(logLevels).optional(),
    q: z.string().max(200).optional(),
    after: z.coerce.number().int().min(0).max(maxId).optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  })
  .strict();

/** Lines read per query while a log export streams, and the most an export holds (as before it streamed). */
const csvPageLines = 5000;
const maxCsvLines = 1_000_000;

/** Jobs: start in a folder, inspect, stop or kill, restart, and read their logs (also live). */
export const jobRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.post(
    "/folders/:folder/jobs",
    {
      schema: {
        tags: ["jobs"],
        summary: "Starts jobs of a process (count times; optionally on one machine, with a priority and time limits)",
        params: tenantParams.extend({ folder: folderRef }),
        body: jobStartSchema,
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
        folderOf(request),
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
            q: z
              .string()
              .max(200)
              .optional()
              .describe("The process name contains this text, or the job id is this number"),
            sort: z
              .enum(sortNames(jobSortColumns))
              .optional()
              .describe("A column, descending with a leading `-`; absent = newest first"),
            total: booleanQuery.optional().describe("`true`: also count all matching jobs (`total`)"),
            limit: pageQuery.limit,
            cursor: sortedCursor,
          })
          .strict(),
        response: {
          200: z.object({ items: z.array(job), nextCursor: z.string().nullable(), total: z.number().optional() }),
          ...problems(400, 401, 404, 503),
        },
      },
    },
    async (request) => {
      const { limit, cursor, total, ...filter } = request.query;
      return services.jobs.list(tenantOf(request).access, { ...filter, total: total === "true" }, limit, cursor);
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
          200: jobDetailSchema,
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
        response: { 200: z.object({ items: z.array(logLineSchema) }), ...problems(400, 401, 403, 404, 503) },
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
      const { access } = tenantOf(request);
      const { id } = request.params;
      // The first page is read before anything is sent, so a missing job or permission is still a problem answer.
      const first = await services.jobs.logs(access, id, request.query, csvPageLines);
      // One CSV chunk per page; an error of a later page ends the response (Readable.from passes it on).
      async function* chunks() {
        yield stringify([["Time", "Level", "Message"]]);
        let page = first;
        let sent = 0;
        for (;;) {
          if (page.length > 0) yield stringify(page.map((l) => [l.timestamp, l.level, neutraliseFormula(l.message)]));
          sent += page.length;
          const last = page.at(-1);
          if (page.length < csvPageLines || !last || sent >= maxCsvLines) return;
          page = await services.jobs.logs(access, id, { ...request.query, after: last.id }, csvPageLines);
        }
      }
      // Streamed page by page (chunked): an export of a million lines never sits in memory at once.
      return reply
        .type("text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="job-${id}-logs.csv"`)
        .send(Readable.from(chunks()));
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
