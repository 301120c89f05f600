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

  const check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
  const readiness = z.object({ status: z.enum(["ready", "unavailable"]), checks: z.object({ database: check }) });
  app.get(
    "/health/ready",
    {
      schema: {
        tags: ["system"],
        summary: "Answers 200 when this node can serve requests that need the database, 503 naming the failed check",
        description:
          "For load balancers and orchestrators. `/health` stays a liveness probe (the process answers); this one checks the database within 2 s.",
        security: [],
        response: { 200: readiness, 503: readiness },
      },
    },
    async (_request, reply) => {
      const result = await services.readiness.check();
      if (!result.ready) reply.status(503).header("Retry-After", "5");
      return { status: result.ready ? ("ready" as const) : ("unavailable" as const), checks: result.checks };
    },
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
