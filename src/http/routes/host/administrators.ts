import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { administratorSchema } from "../../../shared/api/identity.js";
import { actorOf } from "../../auth.js";
import { accountStatus, email, idCursor, idParam, locale, pageQuery, password, problems, text } from "../../schemas.js";

const administrator = administratorSchema;

const username = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, "may contain letters, digits and . _ @ - only");

/** System administrators (host portal → Administrators). */
export const administratorRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/administrators",
    {
      schema: {
        tags: ["host"],
        summary: "Lists system administrators",
        querystring: z.object({ limit: pageQuery.limit, cursor: idCursor }).strict(),
        response: {
          200: z.object({ items: z.array(administrator), nextCursor: z.string().nullable() }),
          ...problems(401, 403),
        },
      },
    },
    async (request) => services.administrators.list(request.query.limit, request.query.cursor),
  );

  app.post(
    "/administrators",
    {
      schema: {
        tags: ["host"],
        summary: "Creates a system administrator",
        body: z
          .object({
            username,
            name: text(200).optional(),
            email: email.nullable().optional(),
            password,
            locale: locale.optional(),
          })
          .strict(),
        response: { 201: administrator, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await services.administrators.create(actorOf(request), request.body)),
  );

  app.get(
    "/administrators/:id",
    {
      schema: {
        tags: ["host"],
        summary: "One system administrator",
        params: idParam,
        response: { 200: administrator, ...problems(401, 403, 404) },
      },
    },
    async (request) => services.administrators.get(request.params.id),
  );

  app.patch(
    "/administrators/:id",
    {
      schema: {
        tags: ["host"],
        summary: "Edits, disables or enables a system administrator",
        description: "Disabling the last active administrator is refused with `last-administrator` (409).",
        params: idParam,
        body: z
          .object({
            name: text(200).optional(),
            email: email.nullable().optional(),
            status: accountStatus.optional(),
            locale: locale.optional(),
          })
          .strict(),
        response: { 200: administrator, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => services.administrators.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/administrators/:id",
    {
      schema: {
        tags: ["host"],
        summary: "Deletes a system administrator",
        description: "Deleting the last active administrator is refused with `last-administrator` (409).",
        params: idParam,
        response: { 204: z.null(), ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await services.administrators.delete(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/administrators/:id/password",
    {
      schema: {
        tags: ["host"],
        summary: "Sets another administrator's password (their sessions end)",
        params: idParam,
        body: z.object({ password }).strict(),
        response: { 204: z.null(), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await services.administrators.resetPassword(actorOf(request), request.params.id, request.body.password);
      return reply.status(204).send(null);
    },
  );
};
