import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Config } from "../../../platform/config.js";
import type { Services } from "../../../services/index.js";
import { requireAuthOrJobToken } from "../../job-auth.js";
import { alertRoutes } from "./alerts.js";
import { assetRoutes } from "./assets.js";
import { bucketFileRoutes } from "./bucket-files.js";
import { bucketRoutes } from "./buckets.js";
import { calendarRoutes } from "./calendars.js";
import { changeRoutes } from "./changes.js";
import { resolveTenant } from "./context.js";
import { folderRoutes } from "./folders.js";
import { httpTriggerRoutes } from "./http-triggers.js";
import { jobRoutes } from "./jobs.js";
import { machineRoutes } from "./machines.js";
import { monitoringRoutes } from "./monitoring.js";
import { packageRoutes } from "./packages.js";
import { queueRoutes } from "./queues.js";
import { roleRoutes } from "./roles.js";
import { tenantSettingsRoutes } from "./settings.js";
import { triggerRoutes } from "./triggers.js";
import { webhookRoutes } from "./webhooks.js";

/** Everything under /api/v1/orgs/{org}/tenants/{tenant}: the automation resources of one tenant. */
export const tenantRoutes: FastifyPluginAsyncZod<{ services: Services; config: Config }> = async (
  app,
  { services, config },
) => {
  // Routes with `config: { jobToken: true }` also admit running jobs (a robot's rights in their folder).
  // preValidation: who may call comes before what was sent (a bad or missing token gets 401, not 400).
  app.addHook("preValidation", requireAuthOrJobToken(services));
  app.addHook("preHandler", resolveTenant(services));
  await app.register(folderRoutes, { services });
  await app.register(roleRoutes, { services });
  await app.register(machineRoutes, { services, config });
  await app.register(packageRoutes, { services });
  await app.register(jobRoutes, { services });
  await app.register(alertRoutes, { services });
  await app.register(queueRoutes, { services });
  await app.register(assetRoutes, { services });
  await app.register(bucketRoutes, { services });
  await app.register(bucketFileRoutes, { services });
  await app.register(triggerRoutes, { services });
  await app.register(httpTriggerRoutes, { services });
  await app.register(calendarRoutes, { services });
  await app.register(tenantSettingsRoutes, { services });
  await app.register(webhookRoutes, { services });
  await app.register(monitoringRoutes, { services });
  await app.register(changeRoutes, { services });
};
