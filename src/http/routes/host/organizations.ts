import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { organizationSchema, tenantBody, tenantChanges, tenantSchema } from "../../../shared/api/identity.js";
import { actorOf } from "../../auth.js";
import {
  accountStatus,
  email,
  idCursor,
  locale,
  orgParam,
  pageQuery,
  password,
  problems,
  text,
} from "../../schemas.js";

export { organizationSchema, tenantBody, tenantChanges, tenantSchema };

export const tenantParams = z.object({ org: z.string().min(1).max(100), tenant: z.string().min(1).max(64) }).strict();

/** Organizations and their tenants (host portal → Organizations). */
export const organizationRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/organizations",
    {
      schema: {
        tags: ["host"],
        summary: "Lists organizations with their tenant and user counts",
        querystring: z.object({ q: z.string().max(200).optional(), limit: pageQuery.limit, cursor: idCursor }).strict(),
        response: {
          200: z.object({ items: z.array(organizationSchema), nextCursor: z.string().nullable() }),
          ...problems(401, 403),
        },
      },
    },
    async (request) => services.organizations.list({ q: request.query.q }, request.query.limit, request.query.cursor),
  );

  app.post(
    "/organizations",
    {
      schema: {
        tags: ["host"],
        summary: "Creates an organization, its Default tenant and its first organization administrator",
        description:
          "Without `admin.password` the administrator is created without a password and receives an invitation once e-mail is configured.",
        body: z
          .object({
            name: text(200),
            slug: z.string().trim().max(63).optional(),
            admin: z
              .object({ email, name: text(200).optional(), password: password.optional(), locale: locale.optional() })
              .strict(),
          })
          .strict(),
        response: { 201: organizationSchema, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await services.organizations.create(actorOf(request), request.body)),
  );

  app.get(
    "/organizations/:org",
    {
      schema: {
        tags: ["host"],
        summary: "One organization (by id or slug)",
        params: orgParam,
        response: { 200: organizationSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => services.organizations.get(request.params.org),
  );

  app.patch(
    "/organizations/:org",
    {
      schema: {
        tags: ["host"],
        summary: "Renames, disables or enables an organization",
        description: "A disabled organization's users cannot sign in and its tokens stop working at once.",
        params: orgParam,
        body: z.object({ name: text(200).optional(), status: accountStatus.optional() }).strict(),
        response: { 200: organizationSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => services.organizations.update(actorOf(request), request.params.org, request.body),
  );

  app.delete(
    "/organizations/:org",
    {
      schema: {
        tags: ["host"],
        summary: "Deletes an organization and all of its data",
        params: orgParam,
        response: { 204: z.null(), ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await services.organizations.delete(actorOf(request), request.params.org);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/organizations/:org/tenants",
    {
      schema: {
        tags: ["host"],
        summary: "Lists an organization's tenants",
        params: orgParam,
        response: { 200: z.object({ items: z.array(tenantSchema) }), ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const org = await services.organizations.find(services.ctx.db, request.params.org);
      return { items: await services.organizations.listTenants(org.id) };
    },
  );

  app.post(
    "/organizations/:org/tenants",
    {
      schema: {
        tags: ["host"],
        summary: "Creates a tenant in an organization",
        params: orgParam,
        body: tenantBody,
        response: { 201: tenantSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const org = await services.organizations.find(services.ctx.db, request.params.org);
      return reply
        .status(201)
        .send(await services.organizations.createTenant(actorOf(request), org.id, request.body.name));
    },
  );

  app.patch(
    "/organizations/:org/tenants/:tenant",
    {
      schema: {
        tags: ["host"],
        summary: "Renames, disables or enables a tenant, or changes how long it keeps job logs",
        params: tenantParams,
        body: tenantChanges,
        response: { 200: tenantSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const org = await services.organizations.find(services.ctx.db, request.params.org);
      return services.organizations.updateTenant(actorOf(request), org.id, request.params.tenant, request.body);
    },
  );
};
