import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { emailSettingsInput } from "../../../services/email/email-settings-service.js";
import type { Services } from "../../../services/index.js";
import { emailStatusSchema } from "../../../shared/api/email.js";
import { actorOf } from "../../auth.js";
import { problems } from "../../schemas.js";
import { flattenSettings, hostSettingsResponse, registerEmailRoutes, registerPresetRoute } from "../email.js";

/** Host portal → Settings → E-mail, the host outbox and the delivery status banner. */
export const hostEmailRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/settings/email",
    {
      schema: {
        tags: ["host"],
        summary: "The host's SMTP settings (secrets as hasSmtpPassword / hasOauthClientSecret) and warnings",
        response: { 200: hostSettingsResponse, ...problems(401, 403) },
      },
    },
    async () => flattenSettings(await services.emailSettings.getHost()),
  );

  app.put(
    "/settings/email",
    {
      schema: {
        tags: ["host"],
        summary: "Saves the host's SMTP settings",
        description:
          "Fields left out keep their stored values. `smtpPassword` and `oauthClientSecret` are write-only: omitted = keep, null = clear. Risky combinations are saved and returned as `warnings`.",
        body: emailSettingsInput,
        response: { 200: hostSettingsResponse, ...problems(400, 401, 403) },
      },
    },
    async (request) => flattenSettings(await services.emailSettings.putHost(actorOf(request), request.body)),
  );

  app.get(
    "/email/status",
    {
      schema: {
        tags: ["host"],
        summary: "Whether e-mail is configured and delivering, for the host portal's banner",
        response: {
          200: emailStatusSchema,
          ...problems(401, 403),
        },
      },
    },
    async () => ({
      configured: (await services.emailSettings.effective(services.ctx.db, null)) !== null,
      ...(await services.outbox.health({ kind: "host" })),
    }),
  );

  registerPresetRoute(app, "/settings/email/presets", "host");
  registerEmailRoutes(app, services, { path: "", tag: "host", scopeOf: async () => ({ kind: "host" }) });
};
