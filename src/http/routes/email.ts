import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { emailSettingsSchema, providerPresets } from "../../domain/email-settings.js";
import type { EmailSettingsInput } from "../../services/email/email-settings-service.js";
import { emailSettingsInput } from "../../services/email/email-settings-service.js";
import type { OutboxScope } from "../../services/email/outbox-service.js";
import type { Services } from "../../services/index.js";
import { outboxStatuses } from "../../shared/outbox.js";
import { actorOf } from "../auth.js";
import { email, pageQuery, positiveId, problems } from "../schemas.js";

export const settingsView = emailSettingsSchema.extend({
  hasSmtpPassword: z.boolean(),
  hasOauthClientSecret: z.boolean(),
});
const warning = z.object({ code: z.string(), field: z.string(), message: z.string() });
export const hostSettingsResponse = settingsView.extend({
  warnings: z.array(warning),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export const orgSettingsResponse = hostSettingsResponse.extend({
  mode: z.enum(["inherit", "custom"]),
  source: z.enum(["host", "organization"]),
  effective: settingsView.nullable(),
});

export const testBody = z.object({ to: email, settings: emailSettingsInput.optional() }).strict();
const testResult = z.object({
  ok: z.boolean(),
  stage: z.enum(["resolve", "connect", "tls", "greeting", "auth", "mail-from", "rcpt", "data"]),
  smtpCode: z.number().optional(),
  response: z.string().optional(),
  message: z.string(),
  hint: z.string().optional(),
});

const outboxStatus = z.enum(outboxStatuses);
const outboxMessage = z.object({
  id: z.number(),
  orgId: z.number().nullable(),
  template: z.string(),
  locale: z.string(),
  to: z.string(),
  toName: z.string().nullable(),
  subject: z.string().nullable(),
  status: outboxStatus,
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastSmtpCode: z.number().nullable(),
  messageId: z.string().nullable(),
  settingsSource: z.string().nullable(),
  sentAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const rendered = z.object({ subject: z.string(), text: z.string(), html: z.string() });

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
          .object({ status: outboxStatus.optional(), limit: pageQuery.limit, cursor: pageQuery.cursor })
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
        response: { 200: outboxMessage.extend({ preview: rendered }), ...problems(400, 401, 403, 404) },
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
            items: z.array(
              z.object({
                id: z.string(),
                smtpHost: z.string(),
                smtpPort: z.number(),
                tlsMode: z.string(),
                authMethod: z.string(),
                oauthTokenUrl: z.string().optional(),
                oauthScope: z.string().optional(),
                notes: z.array(z.string()),
              }),
            ),
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
