import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { calendarFields, calendarSchema } from "../../../shared/api/triggers.js";
import { actorOf } from "../../auth.js";
import { problems } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";
import { dbId } from "./triggers.js";

const fields = calendarFields;
const calendarParams = tenantParams.extend({ id: dbId });

/** Non-working-day calendars of a tenant: `T/calendars`. Changing them needs `settings.edit`. */
export const calendarRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/calendars",
    {
      schema: {
        tags: ["calendars"],
        summary: "The tenant's calendars",
        params: tenantParams,
        response: { 200: z.object({ items: z.array(calendarSchema) }), ...problems(401, 404, 503) },
      },
    },
    async (request) => ({ items: await services.calendars.list(tenantOf(request).access) }),
  );

  app.post(
    "/calendars",
    {
      schema: {
        tags: ["calendars"],
        summary: "Creates a calendar of excluded dates in a time zone",
        params: tenantParams,
        body: z.object(fields).strict(),
        response: { 201: calendarSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply.status(201).send(await services.calendars.create(actorOf(request), org.id, access, request.body));
    },
  );

  app.get(
    "/calendars/:id",
    {
      schema: {
        tags: ["calendars"],
        summary: "One calendar",
        params: calendarParams,
        response: { 200: calendarSchema, ...problems(401, 404, 503) },
      },
    },
    async (request) => services.calendars.get(tenantOf(request).access, request.params.id),
  );

  for (const method of ["put", "patch"] as const) {
    app[method](
      "/calendars/:id",
      {
        schema: {
          tags: ["calendars"],
          summary: "Changes a calendar (its triggers use the new dates from their next fire time)",
          params: calendarParams,
          body: z.object(fields).partial().strict(),
          response: { 200: calendarSchema, ...problems(400, 401, 403, 404, 409, 503) },
        },
      },
      async (request) => {
        const { org, access } = tenantOf(request);
        return services.calendars.update(actorOf(request), org.id, access, request.params.id, request.body);
      },
    );
  }

  app.delete(
    "/calendars/:id",
    {
      schema: {
        tags: ["calendars"],
        summary: "Deletes a calendar no trigger uses (409 calendar-in-use otherwise)",
        params: calendarParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.calendars.delete(actorOf(request), org.id, access, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
