import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Config } from "../../platform/config.js";
import type { Services } from "../../services/index.js";
import {
  credentialsSchema as credentials,
  invitationInfoSchema,
  loginSessionSchema,
  passwordRecoverySchema,
  sessionSchema,
} from "../../shared/api/auth.js";
import { clientOf, principalOf, requireAuth, sessionCookie } from "../auth.js";
import { password, problems, text } from "../schemas.js";

/**
 * Login and token routes. Each is rate-limited per client address and account, on top of the
 * account lock-out, so neither one address nor a botnet can try passwords quickly.
 */
export const authRoutes: FastifyPluginAsyncZod<{ services: Services; config: Config }> = async (
  app,
  { services, config },
) => {
  const rateLimit = {
    max: config.loginRateLimit,
    timeWindow: "1 minute",
    hook: "preHandler" as const,
    keyGenerator: (request: FastifyRequest) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const account = [body.username, body.organization, body.email].filter((v) => typeof v === "string").join("/");
      return `${request.ip}|${account.toLowerCase()}`;
    },
  };

  app.post(
    "/auth/token",
    {
      config: { rateLimit },
      schema: {
        tags: ["auth"],
        summary: "Exchanges credentials for a bearer token",
        description:
          "A system administrator sends `username` and `password`; an organization user sends `organization` (the slug), `email` and `password`.",
        body: credentials,
        response: {
          200: z.object({ accessToken: z.string(), tokenType: z.literal("Bearer"), expiresIn: z.number() }),
          ...problems(400, 401, 429, 503),
        },
      },
    },
    async (request) => {
      const issued = await services.auth.login(request.body, "bearer", clientOf(request));
      return { accessToken: issued.token, tokenType: "Bearer" as const, expiresIn: issued.expiresIn };
    },
  );

  app.post(
    "/auth/login",
    {
      config: { rateLimit },
      schema: {
        tags: ["auth"],
        summary: "Signs in to the web UI (sets the session cookie)",
        body: credentials,
        response: {
          200: loginSessionSchema,
          ...problems(400, 401, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const issued = await services.auth.login(request.body, "session", clientOf(request));
      reply.setCookie(sessionCookie, issued.token, {
        path: "/",
        httpOnly: true,
        sameSite: "strict",
        secure: config.secureCookies,
        maxAge: config.sessionTtlSeconds,
      });
      return { principal: issued.principal, csrfToken: issued.csrfToken ?? "" };
    },
  );

  app.post(
    "/auth/password-recovery",
    {
      config: { rateLimit },
      schema: {
        tags: ["auth"],
        summary: "Sends a password-reset link (valid 60 minutes) to the account, if it exists",
        description:
          "Always 202, whether or not the account exists. Without `organization` it looks for a system administrator with that e-mail. `emailDelivery` says whether e-mail can be sent at all (else: ask an administrator).",
        body: z.object({ organization: text(100).optional(), email: text(254) }).strict(),
        response: { 202: passwordRecoverySchema, ...problems(400, 429) },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await services.accountLinks.requestRecovery(request.body, clientOf(request))),
  );

  app.post(
    "/auth/password-reset",
    {
      config: { rateLimit },
      schema: {
        tags: ["auth"],
        summary: "Sets a new password with a reset link's token; the token is then spent and all sessions end",
        body: z.object({ token: z.string().min(1).max(200), password }).strict(),
        response: { 204: z.null(), ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      await services.accountLinks.resetPassword(request.body.token, request.body.password, clientOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/auth/invitation",
    {
      config: { rateLimit },
      schema: {
        tags: ["auth"],
        summary: "Describes an invitation (who and which organization) before it is accepted",
        body: z.object({ token: z.string().min(1).max(200) }).strict(),
        response: {
          200: invitationInfoSchema,
          ...problems(400, 429),
        },
      },
    },
    async (request) => services.accountLinks.describeInvitation(request.body.token),
  );

  app.post(
    "/auth/accept-invitation",
    {
      config: { rateLimit },
      schema: {
        tags: ["auth"],
        summary: "Accepts an invitation by setting the first password (and optionally the name)",
        body: z.object({ token: z.string().min(1).max(200), password, name: text(200).optional() }).strict(),
        response: { 204: z.null(), ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      const { token, password: pw, name } = request.body;
      await services.accountLinks.acceptInvitation(token, pw, name, clientOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/auth/session",
    {
      preHandler: requireAuth(services),
      schema: {
        tags: ["auth"],
        summary: "The signed-in principal and the session's CSRF token",
        response: { 200: sessionSchema, ...problems(401) },
      },
    },
    async (request) => ({ principal: principalOf(request), csrfToken: request.auth?.tokenRow.csrf_token ?? null }),
  );

  app.post(
    "/auth/logout",
    {
      preHandler: requireAuth(services),
      schema: {
        tags: ["auth"],
        summary: "Ends the current session or revokes the bearer token",
        response: { 204: z.null(), ...problems(401, 403) },
      },
    },
    async (request, reply) => {
      if (request.auth) await services.auth.logout(request.auth.tokenRow.id);
      reply.clearCookie(sessionCookie, { path: "/" });
      return reply.status(204).send(null);
    },
  );
};
