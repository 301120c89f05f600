import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Services } from "../../../services/index.js";
import { requireAuth } from "../../auth.js";
import { resolveTenant } from "./context.js";
import { folderRoutes } from "./folders.js";
import { roleRoutes } from "./roles.js";

/** Everything under /api/v1/orgs/{org}/tenants/{tenant}: the automation resources of one tenant. */
export const tenantRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.addHook("preHandler", requireAuth(services));
  app.addHook("preHandler", resolveTenant(services));
  await app.register(folderRoutes, { services });
  await app.register(roleRoutes, { services });
};
