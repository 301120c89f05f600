import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../services/index.js";
import { publicStatusSchema } from "../../shared/api/auth.js";

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
        summary: "Installation-wide maintenance phase and whether it is set up, for the login page",
        description:
          "While the phase is not `none`, only system administrators can sign in. `hasOrganizations` is false on a fresh installation, where only the system administrator can sign in (the page opens on that form).",
        security: [],
        response: { 200: publicStatusSchema },
      },
    },
    async () => {
      const [phase, hasOrganizations, policy] = await Promise.all([
        services.maintenance.cachedHostPhase(),
        // Every page load of the UI asks: read through the request cache (organizations' writes clear it).
        services.requestCache.get("tenancy", "any-organization", () => services.organizations.anyExists()),
        services.security.get(),
      ]);
      return {
        maintenance: { phase },
        hasOrganizations,
        passwordPolicy: {
          minLength: policy.passwordMinLength,
          requireUppercase: policy.passwordRequireUppercase,
          requireLowercase: policy.passwordRequireLowercase,
          requireDigit: policy.passwordRequireDigit,
          requireSymbol: policy.passwordRequireSymbol,
        },
      };
    },
  );
};
