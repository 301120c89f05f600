import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ForbiddenError } from "../../domain/errors.js";
import type { Services } from "../../services/index.js";
import { alertEmailsSchema as alertEmails } from "../../shared/api/alerts.js";
import { personalTokenSchema } from "../../shared/api/identity.js";
import type { Principal } from "../../shared/identity.js";
import { actorOf, principalOf, requireAuth } from "../auth.js";
import { email, idParam, locale, password, principalSchema, problems, text } from "../schemas.js";

const personalToken = personalTokenSchema;

/** Alert e-mails are opted into by organization users; system administrators see no tenant's alerts. */
function orgUserOf(principal: Principal) {
  if (principal.kind !== "user")
    throw new ForbiddenError("Alert e-mails are for organization users; system administrators get no tenant alerts.");
  return { id: principal.id, email: principal.email, orgId: principal.organization.id };
}

/** The caller's own profile, password, personal access tokens and alert e-mail opt-ins. */
export const meRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  // preValidation: who may call comes before what was sent (an anonymous caller gets 401, not 400).
  app.addHook("preValidation", requireAuth(services));

  app.get(
    "/me",
    {
      schema: {
        tags: ["profile"],
        summary: "The signed-in principal",
        response: { 200: principalSchema, ...problems(401) },
      },
    },
    async (request) => principalOf(request),
  );

  app.patch(
    "/me",
    {
      schema: {
        tags: ["profile"],
        summary: "Updates the caller's display name or language",
        body: z.object({ name: text(200).optional(), locale: locale.optional() }).strict(),
        response: { 200: principalSchema, ...problems(400, 401) },
      },
    },
    async (request) => services.profile.update(actorOf(request), principalOf(request), request.body),
  );

  app.post(
    "/me/password",
    {
      schema: {
        tags: ["profile"],
        summary: "Changes the caller's password (other sessions end)",
        body: z.object({ currentPassword: password, newPassword: password }).strict(),
        response: { 204: z.null(), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      await services.auth.changeOwnPassword(
        actorOf(request),
        principalOf(request),
        request.body,
        request.auth?.tokenRow.id ?? null,
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/me/setup",
    {
      schema: {
        tags: ["profile"],
        summary: "The first administrator's first sign-in: a new password and an e-mail address",
        description:
          "While `GET /me` says `setupRequired` (the installation's first administrator with the password printed at the first start), every other request answers 403 `setup-required`. This sets the account's own password (the generated one stops working, other sessions end) and an e-mail address for password recovery.",
        body: z.object({ email, newPassword: password }).strict(),
        response: { 200: principalSchema, ...problems(400, 401, 409) },
      },
    },
    async (request) =>
      services.auth.completeSetup(
        actorOf(request),
        principalOf(request),
        request.body,
        request.auth?.tokenRow.id ?? null,
      ),
  );

  app.get(
    "/me/tokens",
    {
      schema: {
        tags: ["profile"],
        summary: "The caller's personal access tokens (without their values)",
        response: { 200: z.object({ items: z.array(personalToken) }), ...problems(401) },
      },
    },
    async (request) => ({ items: await services.auth.listPersonalTokens(principalOf(request)) }),
  );

  app.post(
    "/me/tokens",
    {
      schema: {
        tags: ["profile"],
        summary: "Creates a personal access token; its value is shown in this answer only",
        body: z.object({ name: text(100), expiresInDays: z.number().int().min(1).max(3650).optional() }).strict(),
        response: { 201: personalToken.extend({ token: z.string() }), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const token = await services.auth.createPersonalToken(actorOf(request), principalOf(request), request.body);
      return reply.status(201).send(token);
    },
  );

  app.delete(
    "/me/tokens/:id",
    {
      schema: {
        tags: ["profile"],
        summary: "Revokes a personal access token",
        params: idParam,
        response: { 204: z.null(), ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      await services.auth.revokePersonalToken(actorOf(request), principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/me/alert-emails",
    {
      schema: {
        tags: ["profile"],
        summary: "The caller's alert e-mail opt-ins (an organization user's; none = no alert e-mails)",
        response: { 200: alertEmails, ...problems(401, 403) },
      },
    },
    async (request) => ({ subscriptions: await services.alerts.subscriptions(orgUserOf(principalOf(request)).id) }),
  );

  app.put(
    "/me/alert-emails",
    {
      schema: {
        tags: ["profile"],
        summary: "Replaces the caller's alert e-mail opt-ins",
        description:
          "Each entry opts in to e-mails about alerts of one component at or above a severity, for the folders and tenants the user may see. An empty list turns alert e-mails off.",
        body: alertEmails.strict(),
        response: { 200: alertEmails, ...problems(400, 401, 403) },
      },
    },
    async (request) => ({
      subscriptions: await services.alerts.setSubscriptions(
        actorOf(request),
        orgUserOf(principalOf(request)),
        request.body.subscriptions,
      ),
    }),
  );
};
