import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { tenantSettingsSchema } from "../../../shared/api/triggers.js";
import { actorOf } from "../../auth.js";
import { problems, text } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

const settingsSchema = tenantSettingsSchema;

/** The tenant's settings: `GET|PUT T/settings` (time zone, trigger catch-up grace, log retention). */
export const tenantSettingsRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/settings",
    {
      schema: {
        tags: ["tenant settings"],
        summary: "The tenant's settings",
        params: tenantParams,
        response: { 200: settingsSchema, ...problems(401, 404, 503) },
      },
    },
    async (request) => services.tenantSettings.get(tenantOf(request).access.tenantId),
  );

  app.put(
    "/settings",
    {
      schema: {
        tags: ["tenant settings"],
        summary: "Changes the tenant's settings (fields left out stay)",
        description:
          "timeZone: IANA zone, the default of new triggers. triggerCatchUpSeconds: a fire time missed while no node ran fires once when noticed within this grace, else it is skipped and recorded. queueAbandonHours: hours a queue item may stay in progress before it is abandoned (default 24).",
        params: tenantParams,
        body: z
          .object({
            timeZone: text(64),
            triggerCatchUpSeconds: z.number().int().min(0).max(86_400),
            triggerDisableFailedCount: z.number().int().min(0).max(100),
            triggerDisableFailingDays: z.number().int().min(1).max(30),
            logRetentionDays: z.number().int().min(1).max(3650),
            // The same bounds as PUT T/queue-settings.
            queueAbandonHours: z.number().int().min(1).max(8760),
          })
          .partial()
          .strict(),
        response: { 200: settingsSchema, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.tenantSettings.update(actorOf(request), org.id, access, request.body);
    },
  );
};
