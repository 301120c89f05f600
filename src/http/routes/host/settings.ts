import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { securitySettingsSchema } from "../../../shared/api/auth.js";
import { webhookHostSettingsSchema } from "../../../shared/api/webhooks.js";
import { actorOf } from "../../auth.js";
import { problems } from "../../schemas.js";

/** Host settings: the security policy (the e-mail settings arrive with the e-mail area). */
export const settingsRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/settings/security",
    {
      schema: {
        tags: ["host"],
        summary: "Password policy and login lock-out",
        response: { 200: securitySettingsSchema, ...problems(401, 403) },
      },
    },
    async () => services.security.get(),
  );

  app.put(
    "/settings/security",
    {
      schema: {
        tags: ["host"],
        summary: "Replaces the password policy and login lock-out settings",
        body: securitySettingsSchema,
        response: { 200: securitySettingsSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => services.security.update(actorOf(request), request.body),
  );

  const webhookSettings = webhookHostSettingsSchema;
  app.get(
    "/settings/webhooks",
    {
      schema: {
        tags: ["host"],
        summary: "Webhook targets allowed although not public (plus DIRIGENT_WEBHOOK_ALLOWED_HOSTS, read-only)",
        response: { 200: webhookSettings, ...problems(401, 403) },
      },
    },
    async () => services.webhooks.hostSettings(),
  );

  app.put(
    "/settings/webhooks",
    {
      schema: {
        tags: ["host"],
        summary: "Replaces the webhook allow-list: host names, IP addresses or CIDR ranges",
        body: z.object({ allowedHosts: z.array(z.string().max(253)).max(100) }).strict(),
        response: { 200: webhookSettings, ...problems(400, 401, 403) },
      },
    },
    async (request) => services.webhooks.updateHostSettings(actorOf(request), request.body),
  );
};
