import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Services } from "../../../services/index.js";
import { hostCountsSchema } from "../../../shared/api/host.js";
import { requireAuth, requireSystemAdmin } from "../../auth.js";
import { problems } from "../../schemas.js";
import { registerAuditRoutes } from "../audit.js";
import { administratorRoutes } from "./administrators.js";
import { announcementRoutes } from "./announcements.js";
import { hostEmailRoutes } from "./email.js";
import { licenseRoutes } from "./licenses.js";
import { maintenanceRoutes } from "./maintenance.js";
import { hostMonitoringRoutes } from "./monitoring.js";
import { organizationRoutes } from "./organizations.js";
import { settingsRoutes } from "./settings.js";

/** Everything under /api/v1/host: system administrators only. */
export const hostRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  // preValidation: who may call comes before what was sent (an anonymous caller gets 401, not 400).
  app.addHook("preValidation", requireAuth(services));
  app.addHook("preValidation", requireSystemAdmin);

  app.get(
    "/dashboard",
    {
      schema: {
        tags: ["host"],
        summary: "Counts for the host portal's dashboard",
        response: {
          200: hostCountsSchema,
          ...problems(401, 403),
        },
      },
    },
    async () => ({
      ...(await services.organizations.dashboard()),
      maintenance: { phase: await services.maintenance.hostPhase() },
    }),
  );

  await app.register(administratorRoutes, { services });
  await app.register(organizationRoutes, { services });
  await app.register(maintenanceRoutes, { services });
  await app.register(settingsRoutes, { services });
  await app.register(hostEmailRoutes, { services });
  await app.register(licenseRoutes, { services });
  await app.register(announcementRoutes, { services });
  await app.register(hostMonitoringRoutes, { services });
  registerAuditRoutes(app, services, { path: "", tag: "host", scopeOf: async () => ({ scope: "host" }) });
};
