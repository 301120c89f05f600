import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Services } from "../../../services/index.js";
import { rangeQuery, tenantDashboardSchema } from "../../../shared/api/monitoring.js";
import { problems } from "../../schemas.js";
import { endStreamsOnClose, streamSnapshots } from "../monitoring/snapshot-stream.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

/**
 * The tenant's monitoring dashboard (jobs, machines and robots, queues), filtered to the folders
 * the caller may see: once as JSON, or live as server-sent events.
 */
export const monitoringRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  const open = endStreamsOnClose(app);
  app.get(
    "/monitoring",
    {
      schema: {
        tags: ["monitoring"],
        summary: "Jobs, machines and queues of the tenant now and over the range, from the rollups",
        params: tenantParams,
        querystring: rangeQuery,
        response: { 200: tenantDashboardSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => services.monitoring.tenant(tenantOf(request).access, request.query.range),
  );

  app.get(
    "/monitoring/stream",
    {
      schema: {
        tags: ["monitoring"],
        summary:
          "The dashboard as server-sent events: a `snapshot` event (the object of GET …/monitoring) at once and on every change",
        params: tenantParams,
        querystring: rangeQuery,
        produces: ["text/event-stream"],
      },
    },
    async (request, reply) => {
      const { access } = tenantOf(request);
      await streamSnapshots(
        request,
        reply,
        () => services.monitoring.tenant(access, request.query.range),
        (wake) => services.monitoringHub.subscribe(access.tenantId, wake),
        open,
      );
    },
  );
};
