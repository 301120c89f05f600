import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../services/index.js";
import { alertChannels, alertComponents } from "../../shared/alerts.js";
import { problems } from "../schemas.js";

/**
 * The one-click unsubscribe of alert e-mails (RFC 8058): mail clients POST to the
 * `List-Unsubscribe` address with a form body, the unsubscribe page of the UI POSTs with none.
 * The sealed token in the query is the only credential.
 */
export const alertEmailRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  // RFC 8058 bodies are `List-Unsubscribe=One-Click`; they say nothing the token does not.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, _body, done) =>
    done(null, undefined),
  );

  app.post(
    "/alert-emails/unsubscribe",
    {
      config: { rateLimit: { max: 30, timeWindow: "1 minute" } },
      schema: {
        tags: ["profile"],
        summary: "Ends one alert e-mail opt-in with the token of an alert e-mail's unsubscribe link (no sign-in)",
        querystring: z.object({ token: z.string().min(1).max(1000) }).strict(),
        response: {
          200: z.object({ component: z.enum([...alertComponents, "all"]), channel: z.enum(alertChannels) }),
          ...problems(400, 404, 429),
        },
      },
    },
    async (request) => services.alerts.unsubscribe(request.query.token),
  );
};
