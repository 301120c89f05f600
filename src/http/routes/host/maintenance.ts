import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { MaintenancePhase } from "../../../shared/maintenance.js";
import { actorOf } from "../../auth.js";
import { bodyId, problems } from "../../schemas.js";

const phase = z.enum([MaintenancePhase.none, MaintenancePhase.draining, MaintenancePhase.suspended]);
const window = z.object({
  id: z.number(),
  phase,
  tenantId: z.number().nullable(),
  killJobs: z.boolean(),
  startedAt: z.string(),
  startedBy: z.string(),
  jobStopsAttempted: z.number(),
  jobKillsAttempted: z.number(),
  triggersSkipped: z.number(),
});
const state = z.object({
  phase,
  current: window.nullable(),
  tenants: z.array(
    z.object({
      tenantId: z.number(),
      tenantName: z.string(),
      orgId: z.number(),
      orgSlug: z.string(),
      orgName: z.string(),
      phase,
      window,
    }),
  ),
  log: z.array(z.object({ phase, actorName: z.string(), createdAt: z.string(), tenantId: z.number().nullable() })),
});

/** Maintenance mode of the installation or of one tenant (host portal → Maintenance). */
export const maintenanceRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/maintenance",
    {
      schema: {
        tags: ["host"],
        summary: "The maintenance phase of the installation and of tenants, with the maintenance log",
        response: { 200: state, ...problems(401, 403) },
      },
    },
    async () => services.maintenance.state(),
  );

  app.post(
    "/maintenance/start",
    {
      schema: {
        tags: ["host"],
        summary: "Starts maintenance (draining) or moves it on (suspended)",
        description:
          "Phases go none → draining → suspended → none. While the whole installation is under maintenance every request except health checks and those of system administrators gets 503 with Retry-After.",
        body: z
          .object({
            phase: z.enum([MaintenancePhase.draining, MaintenancePhase.suspended]),
            killJobs: z.boolean().optional(),
            tenantId: bodyId.optional(),
            notify: z.boolean().optional().describe("E-mail the affected organizations' administrators"),
          })
          .strict(),
        response: { 200: state, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => services.maintenance.start(actorOf(request), request.body),
  );

  app.post(
    "/maintenance/end",
    {
      schema: {
        tags: ["host"],
        summary: "Ends maintenance of the installation or of one tenant",
        body: z
          .object({ tenantId: bodyId.optional(), notify: z.boolean().optional() })
          .strict()
          // A bare POST (no body, no content type) reaches the schema as null, which default() would not catch.
          .nullish()
          .transform((body) => body ?? {}),
        response: { 200: state, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => services.maintenance.end(actorOf(request), request.body),
  );
};
