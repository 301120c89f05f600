import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Services } from "../../../services/index.js";
import { hostDashboardSchema, rangeQuery } from "../../../shared/api/monitoring.js";
import { problems } from "../../schemas.js";
import { endStreamsOnClose, streamSnapshots } from "../monitoring/snapshot-stream.js";

/** The installation's monitoring dashboard for system administrators: JSON, or live as server-sent events. */
export const hostMonitoringRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  const open = endStreamsOnClose(app);
  app.get(
    "/monitoring",
    {
      schema: {
        tags: ["host"],
        summary: "Organizations and tenants with robots connected, jobs and e-mail per hour, maintenance",
        querystring: rangeQuery,
        response: { 200: hostDashboardSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => services.monitoring.host(request.query.range),
  );

  app.get(
    "/monitoring/stream",
    {
      schema: {
        tags: ["host"],
        summary: "The host dashboard as server-sent events (`snapshot` events)",
        querystring: rangeQuery,
        produces: ["text/event-stream"],
      },
    },
    async (request, reply) => {
      await streamSnapshots(
        request,
        reply,
        () => services.monitoring.host(request.query.range),
        (wake) => services.monitoringHub.subscribe("host", wake),
        open,
      );
    },
  );
};
