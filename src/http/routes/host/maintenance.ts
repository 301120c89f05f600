import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { maintenanceStateSchema } from "../../../shared/api/host.js";
import { MaintenancePhase } from "../../../shared/maintenance.js";
import { actorOf } from "../../auth.js";
import { bodyId, problems } from "../../schemas.js";

const state = maintenanceStateSchema;

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
          "Phases go none → draining → suspended → none. While the whole installation is under maintenance every request except health checks and those of system administrators gets 503 with Retry-After (the seconds until `expectedEndAt` when one was announced and is ahead, else 120) and the problem's `expectedEndAt`.",
        body: z
          .object({
            phase: z.enum([MaintenancePhase.draining, MaintenancePhase.suspended]),
            killJobs: z.boolean().optional(),
            tenantId: bodyId.optional(),
            notify: z.boolean().optional().describe("E-mail the affected organizations' administrators"),
            expectedEndAt: z.iso
              .datetime({ offset: true })
              .nullable()
              .optional()
              .describe(
                "When maintenance is expected to end (ISO 8601). Users' 503 answers count Retry-After down to it and the maintenance page names it; null clears it; absent keeps the current one.",
              ),
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
