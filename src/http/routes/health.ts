import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../services/index.js";
import { MaintenancePhase } from "../../shared/maintenance.js";

/** Public, unauthenticated endpoints: the health check and what a login page needs to know. */
export const healthRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/health",
    {
      schema: {
        tags: ["system"],
        summary: "Answers 200 once this node serves requests",
        response: { 200: z.object({ status: z.literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/status",
    {
      schema: {
        tags: ["system"],
        summary: "Installation-wide maintenance phase, for the login page",
        description: "While the phase is not `none`, only system administrators can sign in.",
        security: [],
        response: {
          200: z.object({
            maintenance: z.object({
              phase: z.enum([MaintenancePhase.none, MaintenancePhase.draining, MaintenancePhase.suspended]),
            }),
          }),
        },
      },
    },
    async () => ({ maintenance: { phase: await services.maintenance.hostPhase() } }),
  );
};
