import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import type { HttpMethod } from "../../../services/triggers/http-triggers.js";
import { isFinalJobState } from "../../../shared/jobs.js";
import type { JobRow } from "../../../storage/schema.js";
import { actorOf } from "../../auth.js";
import { problems } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

/** How long a long-polling call holds the request before it answers with the poll URL. */
const longPollMs = 60_000;

const callResult = z.object({
  jobId: z.number(),
  jobKey: z.string(),
  state: z.string(),
  statusUrl: z.string(),
  outputArguments: z.record(z.string(), z.unknown()).nullable().optional(),
  error: z.string().nullable().optional(),
});

/**
 * Calls of HTTP triggers: `POST|GET|PUT|DELETE T/triggers/http/{slug}` (a token with
 * `jobs.create` in the trigger's folder; the JSON body = input arguments) answer by the trigger's
 * call mode — fireAndForget: 202 with the job; asyncRequestReply: 202 with `Location` to poll;
 * longPolling: 200 with the output when the job ends within 60 s, else 202 with `Location`.
 * `GET T/triggers/http/jobs/{key}` is the poll URL: 202 while the job runs, 200 when it ended.
 */
export const httpTriggerRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  const statusUrl = (request: FastifyRequest, key: string) => {
    const { org, tenant } = request.params as { org: string; tenant: string };
    return `/api/v1/orgs/${encodeURIComponent(org)}/tenants/${encodeURIComponent(tenant)}/triggers/http/jobs/${key}`;
  };
  const answer = (request: FastifyRequest, reply: FastifyReply, job: JobRow, location: boolean) => {
    const url = statusUrl(request, job.key);
    const base = { jobId: job.id, jobKey: job.key, state: job.state, statusUrl: url };
    if (isFinalJobState(job.state)) {
      return reply.status(200).send({
        ...base,
        outputArguments: job.output_json ? (JSON.parse(job.output_json) as Record<string, unknown>) : null,
        error: job.error,
      });
    }
    if (location) reply.header("Location", url).header("Retry-After", "1");
    return reply.status(202).send(base);
  };

  // GET and DELETE carry no body (Fastify refuses a body schema for GET): two routes, one handler.
  for (const [methods, withBody] of [
    [["POST", "PUT"], true],
    [["GET", "DELETE"], false],
  ] as const) {
    app.route({
      method: [...methods],
      url: "/triggers/http/:slug",
      schema: {
        tags: ["triggers"],
        summary: `Calls an HTTP trigger (${methods.join(", ")}): starts its job${withBody ? " with the JSON body as input arguments" : ""}`,
        params: tenantParams.extend({ slug: z.string().min(1).max(100) }),
        ...(withBody && { body: z.record(z.string(), z.unknown()).optional() }),
        response: { 200: callResult, 202: callResult, ...problems(400, 401, 403, 404, 409, 503) },
      },
      handler: async (request, reply) => {
        const { org, access } = tenantOf(request);
        const { job, callMode } = await services.httpTriggers.call(
          actorOf(request),
          org.id,
          access,
          request.params.slug,
          request.method as HttpMethod,
          withBody ? (request.body as Record<string, unknown> | undefined) : undefined,
        );
        if (callMode === "fireAndForget") return answer(request, reply, job, false);
        if (callMode === "asyncRequestReply") return answer(request, reply, job, true);
        return answer(request, reply, await services.httpTriggers.result(access, job.key, longPollMs), true);
      },
    });
  }

  app.get(
    "/triggers/http/jobs/:key",
    {
      schema: {
        tags: ["triggers"],
        summary: "The poll URL of an HTTP trigger's call: 202 while its job runs, 200 with the output when it ended",
        params: tenantParams.extend({ key: z.uuid() }),
        response: { 200: callResult, 202: callResult, ...problems(400, 401, 404, 503) },
      },
    },
    async (request, reply) =>
      answer(request, reply, await services.httpTriggers.result(tenantOf(request).access, request.params.key), true),
  );
};
