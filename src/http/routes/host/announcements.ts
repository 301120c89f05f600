import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { announcementInputSchema, announcementSchema } from "../../../shared/api/host.js";
import { actorOf } from "../../auth.js";
import { idParam, locale, problems } from "../../schemas.js";

const input = announcementInputSchema;
const announcement = announcementSchema;

/** Host portal → Announcements: product updates and planned maintenance to organization administrators. */
export const announcementRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/announcements",
    {
      schema: {
        tags: ["host"],
        summary: "Announcements, newest first",
        response: { 200: z.object({ items: z.array(announcement) }), ...problems(401, 403) },
      },
    },
    async () => ({ items: await services.announcements.list() }),
  );

  app.post(
    "/announcements",
    {
      schema: {
        tags: ["host"],
        summary: "Creates a draft announcement (subject and body in English and German)",
        body: input,
        response: { 201: announcement, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await services.announcements.create(actorOf(request), request.body)),
  );

  app.get(
    "/announcements/:id",
    {
      schema: {
        tags: ["host"],
        summary: "One announcement",
        params: idParam,
        response: { 200: announcement, ...problems(401, 403, 404) },
      },
    },
    async (request) => services.announcements.get(request.params.id),
  );

  app.put(
    "/announcements/:id",
    {
      schema: {
        tags: ["host"],
        summary: "Edits a draft announcement",
        params: idParam,
        body: input,
        response: { 200: announcement, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => services.announcements.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/announcements/:id",
    {
      schema: {
        tags: ["host"],
        summary: "Deletes an announcement",
        params: idParam,
        response: { 204: z.null(), ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await services.announcements.delete(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/announcements/:id/preview",
    {
      schema: {
        tags: ["host"],
        summary: "The announcement e-mail as a recipient with the given language sees it",
        params: idParam,
        querystring: z.object({ locale: locale.default("en") }).strict(),
        response: {
          200: z.object({ subject: z.string(), text: z.string(), html: z.string() }),
          ...problems(401, 403, 404),
        },
      },
    },
    async (request) => services.announcements.preview(request.params.id, request.query.locale),
  );

  app.post(
    "/announcements/:id/send",
    {
      schema: {
        tags: ["host"],
        summary: "Sends the announcement to the administrators of the chosen (or all) organizations",
        params: idParam,
        response: { 200: announcement, ...problems(401, 403, 404, 409) },
      },
    },
    async (request) => services.announcements.send(actorOf(request), request.params.id),
  );
};
