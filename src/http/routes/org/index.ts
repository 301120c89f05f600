import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { userSortColumns } from "../../../services/org/user-service.js";
import { sortNames } from "../../../services/sorted-page.js";
import { orgUserSchema } from "../../../shared/api/identity.js";
import { actorOf, orgForRequest, principalOf, requireAuth } from "../../auth.js";
import {
  accountStatus,
  email,
  locale,
  orgParam,
  orgRole,
  pageQuery,
  password,
  positiveId,
  problems,
  sortedCursor,
  text,
} from "../../schemas.js";
import { registerAuditRoutes } from "../audit.js";
import { tenantBody, tenantChanges, tenantParams, tenantSchema } from "../host/organizations.js";
import { orgEmailRoutes } from "./email.js";

const orgUser = orgUserSchema;

const userParams = z.object({ org: z.string().min(1).max(100), id: positiveId }).strict();

/**
 * Everything under /api/v1/orgs/{org}: the organization as its members see it, and the
 * administration its organization administrators do (users, tenants, audit log).
 */
export const orgRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  // preValidation: who may call comes before what was sent (an anonymous caller gets 401, not 400).
  app.addHook("preValidation", requireAuth(services));
  const member = (request: Parameters<typeof orgForRequest>[1], ref: string) =>
    orgForRequest(services, request, ref, { adminOnly: false });
  const admin = (request: Parameters<typeof orgForRequest>[1], ref: string) =>
    orgForRequest(services, request, ref, { adminOnly: true });

  app.get(
    "/orgs/:org",
    {
      schema: {
        tags: ["organization"],
        summary: "The organization as its own users see it",
        params: orgParam,
        response: {
          200: z.object({
            id: z.number(),
            name: z.string(),
            slug: z.string(),
            status: accountStatus,
            createdAt: z.string(),
          }),
          ...problems(401, 404),
        },
      },
    },
    async (request) => {
      const org = await member(request, request.params.org);
      return { id: org.id, name: org.name, slug: org.slug, status: org.status, createdAt: org.created_at };
    },
  );

  app.get(
    "/orgs/:org/users",
    {
      schema: {
        tags: ["organization"],
        summary: "Lists the organization's users",
        params: orgParam,
        querystring: z
          .object({
            q: z.string().max(200).optional().describe("The name or e-mail address contains this text"),
            sort: z
              .enum(sortNames(userSortColumns))
              .optional()
              .describe("A column, descending with a leading `-`; absent = oldest first"),
            limit: pageQuery.limit,
            cursor: sortedCursor,
          })
          .strict(),
        response: {
          200: z.object({
            items: z.array(orgUser),
            nextCursor: z.string().nullable(),
            total: z.number().describe("How many users match, over all pages"),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const org = await admin(request, request.params.org);
      const { limit, cursor, q, sort } = request.query;
      return services.users.list(org.id, limit, cursor, { q, sort });
    },
  );

  app.post(
    "/orgs/:org/users",
    {
      schema: {
        tags: ["organization"],
        summary: "Creates a user in the organization",
        description: "Without `password` the user is invited and sets one through the invitation e-mail.",
        params: orgParam,
        body: z
          .object({
            email,
            name: text(200).optional(),
            role: orgRole.optional(),
            password: password.optional(),
            locale: locale.optional(),
          })
          .strict(),
        response: { 201: orgUser, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const org = await admin(request, request.params.org);
      return reply.status(201).send(await services.users.create(actorOf(request), org.id, request.body));
    },
  );

  app.patch(
    "/orgs/:org/users/:id",
    {
      schema: {
        tags: ["organization"],
        summary: "Edits, disables or enables a user, or changes their role",
        description:
          "The last active organization administrator cannot be demoted or disabled (409 `last-administrator`).",
        params: userParams,
        body: z
          .object({
            name: text(200).optional(),
            role: orgRole.optional(),
            status: accountStatus.optional(),
            locale: locale.optional(),
          })
          .strict(),
        response: { 200: orgUser, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const org = await admin(request, request.params.org);
      return services.users.update(actorOf(request), org.id, request.params.id, request.body);
    },
  );

  app.post(
    "/orgs/:org/users/:id/password",
    {
      schema: {
        tags: ["organization"],
        summary: "Sets a user's password (their sessions end)",
        params: userParams,
        body: z.object({ password }).strict(),
        response: { 204: z.null(), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const org = await admin(request, request.params.org);
      await services.users.setPassword(actorOf(request), org.id, request.params.id, request.body.password);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/orgs/:org/users/:id/unlock",
    {
      schema: {
        tags: ["organization"],
        summary: "Ends a user's lock-out after failed sign-ins (audited)",
        params: userParams,
        response: { 200: orgUser, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const org = await admin(request, request.params.org);
      return services.users.unlock(actorOf(request), org.id, request.params.id);
    },
  );

  app.delete(
    "/orgs/:org/users/:id",
    {
      schema: {
        tags: ["organization"],
        summary: "Deletes a user",
        params: userParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const org = await admin(request, request.params.org);
      await services.users.delete(actorOf(request), org.id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/orgs/:org/tenants",
    {
      schema: {
        tags: ["organization"],
        summary: "Lists the organization's tenants",
        params: orgParam,
        response: { 200: z.object({ items: z.array(tenantSchema) }), ...problems(401, 404) },
      },
    },
    async (request) => {
      const org = await member(request, request.params.org);
      return { items: await services.organizations.listTenants(org.id) };
    },
  );

  app.post(
    "/orgs/:org/tenants",
    {
      schema: {
        tags: ["organization"],
        summary: "Creates a tenant",
        params: orgParam,
        body: tenantBody,
        response: { 201: tenantSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const org = await admin(request, request.params.org);
      return reply
        .status(201)
        .send(await services.organizations.createTenant(actorOf(request), org.id, request.body.name));
    },
  );

  app.get(
    "/orgs/:org/tenants/:tenant",
    {
      schema: {
        tags: ["organization"],
        summary: "One tenant (by id or name)",
        description: "Answers 503 while the tenant is under maintenance (organization users only).",
        params: tenantParams,
        response: { 200: tenantSchema, ...problems(401, 404, 503) },
      },
    },
    async (request) => {
      const org = await member(request, request.params.org);
      const tenant = await services.organizations.getTenant(org.id, request.params.tenant);
      if (principalOf(request).kind === "user") await services.maintenance.assertUserMayProceed(tenant.id);
      return tenant;
    },
  );

  app.patch(
    "/orgs/:org/tenants/:tenant",
    {
      schema: {
        tags: ["organization"],
        summary: "Renames, disables or enables a tenant, or changes how long it keeps job logs",
        params: tenantParams,
        body: tenantChanges,
        response: { 200: tenantSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const org = await admin(request, request.params.org);
      return services.organizations.updateTenant(actorOf(request), org.id, request.params.tenant, request.body);
    },
  );

  await app.register(orgEmailRoutes, { services });

  registerAuditRoutes(app, services, {
    path: "/orgs/:org",
    tag: "organization",
    params: orgParam,
    scopeOf: async (request) => {
      const org = await admin(request, (request.params as { org: string }).org);
      return { scope: "org", orgId: org.id };
    },
  });
};
