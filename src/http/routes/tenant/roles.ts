import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actions, folderResources, tenantResources } from "../../../domain/permissions.js";
import type { Services } from "../../../services/index.js";
import {
  folderAssignmentSchema,
  roleCatalogueSchema,
  roleKinds,
  roleSchema,
  tenantAssignmentSchema,
  tenantPermissionsSchema,
} from "../../../shared/api/roles.js";
import { actorOf } from "../../auth.js";
import { bodyId, folderRef, positiveId, problems, text } from "../../schemas.js";
import { folderOf, tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

const role = roleSchema;
const permissionList = z.array(z.string().max(64)).max(200);
const roleParams = tenantParams.extend({ id: positiveId });
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
            catalogue: roleCatalogueSchema,
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
        body: z.object({ name: text(64), kind: z.enum(roleKinds), permissions: permissionList }).strict(),
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
          200: z.object({ items: z.array(tenantAssignmentSchema) }),
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
    "/folders/:folder/assignments",
    {
      schema: {
        tags: ["roles"],
        summary: "Who has which roles in a folder: assigned here, or inherited from an ancestor folder",
        params: tenantParams.extend({ folder: folderRef }),
        response: {
          200: z.object({
            items: z.array(folderAssignmentSchema),
          }),
          ...problems(401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const { tenant, access } = tenantOf(request);
      const folderId = folderOf(request);
      access.assertFolder(folderId, "subfolders.view");
      return { items: await services.roles.folderAssignments(tenant.id, folderId) };
    },
  );

  app.put(
    "/folders/:folder/assignments/:userId",
    {
      schema: {
        tags: ["roles"],
        summary: "Replaces the folder roles a user holds in this folder (inherited by its subfolders)",
        params: tenantParams.extend({
          folder: folderRef,
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
        { userId: request.params.userId, folderId: folderOf(request) },
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
          200: tenantPermissionsSchema,
          ...problems(401, 404, 503),
        },
      },
    },
    async (request) => tenantOf(request).access.describe(),
  );
};
