import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actions, folderResources, tenantResources } from "../../../domain/permissions.js";
import type { Services } from "../../../services/index.js";
import { actorOf } from "../../auth.js";
import { bodyId, positiveId, problems, text } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

const role = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(["tenant", "folder"]),
  predefined: z.boolean(),
  permissions: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const permissionList = z.array(z.string().max(64)).max(200);
const roleParams = tenantParams.extend({ id: positiveId });
const userRef = z.object({ id: z.number(), email: z.string(), name: z.string() });
const roleRef = z.object({ id: z.number(), name: z.string() });
const roleIds = z.object({ roleIds: z.array(bodyId).max(50) }).strict();

/** Tenant and folder roles, their assignments, and the caller's own permissions. */
export const roleRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/roles",
    {
      schema: {
        tags: ["roles"],
        summary: "Predefined and custom roles of the tenant, with the permissions each grants",
        params: tenantParams,
        response: {
          200: z.object({
            items: z.array(role),
            catalogue: z.object({
              actions: z.array(z.string()),
              tenantResources: z.array(z.string()),
              folderResources: z.array(z.string()),
            }),
          }),
          ...problems(401, 404, 503),
        },
      },
    },
    async (request) => ({
      items: await services.roles.list(tenantOf(request).tenant.id),
      catalogue: {
        actions: [...actions],
        tenantResources: [...tenantResources],
        folderResources: [...folderResources],
      },
    }),
  );

  app.post(
    "/roles",
    {
      schema: {
        tags: ["roles"],
        summary: "Creates a custom role; permissions are `resource.action` of the role's kind",
        params: tenantParams,
        body: z.object({ name: text(64), kind: z.enum(["tenant", "folder"]), permissions: permissionList }).strict(),
        response: { 201: role, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply.status(201).send(await services.roles.create(actorOf(request), org.id, access, request.body));
    },
  );

  app.patch(
    "/roles/:id",
    {
      schema: {
        tags: ["roles"],
        summary: "Renames a custom role or replaces its permissions",
        params: roleParams,
        body: z.object({ name: text(64).optional(), permissions: permissionList.optional() }).strict(),
        response: { 200: role, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.roles.update(actorOf(request), org.id, access, request.params.id, request.body);
    },
  );

  app.delete(
    "/roles/:id",
    {
      schema: {
        tags: ["roles"],
        summary: "Deletes a custom role that nobody holds",
        params: roleParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.roles.delete(actorOf(request), org.id, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/role-assignments",
    {
      schema: {
        tags: ["roles"],
        summary: "Users holding tenant roles",
        params: tenantParams,
        response: {
          200: z.object({ items: z.array(z.object({ user: userRef, role: roleRef })) }),
          ...problems(401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const { tenant, access } = tenantOf(request);
      access.assertTenant("users.view");
      return { items: await services.roles.tenantAssignments(tenant.id) };
    },
  );

  app.put(
    "/role-assignments/:userId",
    {
      schema: {
        tags: ["roles"],
        summary: "Replaces the tenant roles of a user (an empty list removes them)",
        params: tenantParams.extend({ userId: positiveId }),
        body: roleIds,
        response: { 204: z.null(), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.roles.setAssignments(
        actorOf(request),
        org.id,
        access,
        { userId: request.params.userId, folderId: null },
        request.body.roleIds,
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/folders/:id/assignments",
    {
      schema: {
        tags: ["roles"],
        summary: "Who has which roles in a folder: assigned here, or inherited from an ancestor folder",
        params: tenantParams.extend({ id: positiveId }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                user: userRef,
                role: roleRef,
                origin: z.enum(["assigned", "inherited"]),
                fromFolderId: z.number(),
              }),
            ),
          }),
          ...problems(401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const { tenant, access } = tenantOf(request);
      access.assertFolder(request.params.id, "subfolders.view");
      return { items: await services.roles.folderAssignments(tenant.id, request.params.id) };
    },
  );

  app.put(
    "/folders/:id/assignments/:userId",
    {
      schema: {
        tags: ["roles"],
        summary: "Replaces the folder roles a user holds in this folder (inherited by its subfolders)",
        params: tenantParams.extend({
          id: positiveId,
          userId: positiveId,
        }),
        body: roleIds,
        response: { 204: z.null(), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.roles.setAssignments(
        actorOf(request),
        org.id,
        access,
        { userId: request.params.userId, folderId: request.params.id },
        request.body.roleIds,
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/permissions",
    {
      schema: {
        tags: ["roles"],
        summary: "The caller's own permissions in the tenant and per folder (for the UI)",
        params: tenantParams,
        response: {
          200: z.object({
            everything: z.boolean(),
            tenant: z.array(z.string()),
            folders: z.array(z.object({ folderId: z.number(), permissions: z.array(z.string()) })),
          }),
          ...problems(401, 404, 503),
        },
      },
    },
    async (request) => tenantOf(request).access.describe(),
  );
};
