import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { providerPresets } from "../../domain/email-settings.js";
import type { EmailSettingsInput } from "../../services/email/email-settings-service.js";
import type { OutboxScope } from "../../services/email/outbox-service.js";
import type { Services } from "../../services/index.js";
import {
  emailPresetSchema,
  hostSettingsResponse,
  orgSettingsResponse,
  outboxMessageSchema as outboxMessage,
  outboxMessageDetailSchema,
  settingsView,
  testBody,
  testResultSchema as testResult,
} from "../../shared/api/email.js";
import { outboxStatuses } from "../../shared/outbox.js";
import { actorOf, principalOf } from "../auth.js";
import { pageQuery, positiveId, problems } from "../schemas.js";

export { hostSettingsResponse, orgSettingsResponse, settingsView, testBody };

/** Flattens the service's settings view into the API's settings object. */
export function flattenSettings<T extends { settings: object }>(view: T): T["settings"] & Omit<T, "settings"> {
  const { settings, ...rest } = view;
  return { ...settings, ...rest };
}

/**
 * The test-e-mail and outbox endpoints, identical at host and organization level:
 * `POST <path>/settings/email/test`, `GET <path>/email/outbox[/{id}]`, `POST …/{id}/resend`.
 */
export function registerEmailRoutes(
  app: FastifyInstance,
  services: Services,
  options: {
    path: string;
    tag: string;
    params?: z.ZodObject;
    /** Authorizes the request and names whose settings and outbox it touches. */
    scopeOf: (request: FastifyRequest) => Promise<OutboxScope>;
  },
): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const params = options.params ?? z.object({}).strict();
  const withId = params.extend({ id: positiveId });

  typed.post(
    `${options.path}/settings/email/test`,
    {
      schema: {
        tags: [options.tag],
        summary: "Sends a test e-mail with the given (unsaved) or the saved settings",
        description:
          "Answers 200 whether or not the test succeeded: `ok`, the `stage` reached (resolve → connect → tls → greeting → auth → mail-from → rcpt → data), the SMTP reply and a hint. A missing password in `settings` means the stored one.",
        params,
        body: testBody,
        response: { 200: testResult, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const scope = await options.scopeOf(request);
      return services.emailSettings.test(
        actorOf(request),
        scope.kind === "org" ? scope.orgId : null,
        request.body.to,
        request.body.settings as EmailSettingsInput | undefined,
        // Organization administrators learn whether the installation's server works, not its replies.
        { revealHost: principalOf(request).kind === "admin" },
      );
    },
  );

  typed.get(
    `${options.path}/email/outbox`,
    {
      schema: {
        tags: [options.tag],
        summary: "The e-mail outbox, newest first",
        params,
        querystring: z
          .object({ status: z.enum(outboxStatuses).optional(), limit: pageQuery.limit, cursor: pageQuery.cursor })
          .strict(),
        response: {
          200: z.object({ items: z.array(outboxMessage), nextCursor: z.string().nullable() }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      return services.outbox.list(await options.scopeOf(request), { status }, limit, cursor);
    },
  );

  typed.get(
    `${options.path}/email/outbox/:id`,
    {
      schema: {
        tags: [options.tag],
        summary: "One outbox message with its rendered preview (one-time links masked)",
        params: withId,
        response: { 200: outboxMessageDetailSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => services.outbox.get(await options.scopeOf(request), (request.params as { id: number }).id),
  );

  typed.post(
    `${options.path}/email/outbox/:id/resend`,
    {
      schema: {
        tags: [options.tag],
        summary: "Queues a message to be sent again now",
        params: withId,
        response: { 200: outboxMessage, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      services.outbox.resend(actorOf(request), await options.scopeOf(request), (request.params as { id: number }).id),
  );
}

/**
 * Provider presets with their gotchas, for the settings forms. `authorize` runs first (the
 * organization route checks that the organization exists and the caller administers it).
 */
export function registerPresetRoute(
  app: FastifyInstance,
  path: string,
  tag: string,
  authorize: (request: FastifyRequest) => Promise<unknown> = async () => undefined,
) {
  app.withTypeProvider<ZodTypeProvider>().get(
    path,
    {
      schema: {
        tags: [tag],
        summary:
          "SMTP provider presets (Gmail, Microsoft 365, Amazon SES, SendGrid, Mailgun) with their known pitfalls",
        response: {
          200: z.object({
            items: z.array(emailPresetSchema),
          }),
        },
      },
    },
    async (request) => {
      await authorize(request);
      return { items: [...providerPresets] };
    },
  );
}
