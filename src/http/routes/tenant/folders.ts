import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { actorOf } from "../../auth.js";
import { bodyId, positiveId, problems, text } from "../../schemas.js";
import { tenantOf } from "./context.js";

export const tenantParams = z.object({ org: z.string().min(1).max(100), tenant: z.string().min(1).max(64) }).strict();
const folderParams = tenantParams.extend({ id: positiveId });

const folderName = text(115).regex(/^[^/\\]*$/, "must not contain / or \\");
const folder = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  parentId: z.number().nullable(),
  path: z.string(),
  depth: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The tenant's folder tree: `T/folders`. */
export const folderRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/folders",
    {
      schema: {
        tags: ["folders"],
        summary: "The folders the caller can see, parents before children",
        params: tenantParams,
        response: { 200: z.object({ items: z.array(folder) }), ...problems(401, 404, 503) },
      },
    },
    async (request) => ({ items: await services.folders.list(tenantOf(request).access) }),
  );

  app.post(
    "/folders",
    {
      schema: {
        tags: ["folders"],
        summary: "Creates a folder (top-level, or below parentId; at most 7 levels)",
        params: tenantParams,
        body: z
          .object({
            name: folderName,
            parentId: bodyId.nullable().optional(),
            description: z.string().trim().max(500).nullable().optional(),
          })
          .strict(),
        response: { 201: folder, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply.status(201).send(await services.folders.create(actorOf(request), org.id, access, request.body));
    },
  );

  app.get(
    "/folders/:id",
    {
      schema: {
        tags: ["folders"],
        summary: "One folder",
        params: folderParams,
        response: { 200: folder, ...problems(401, 404, 503) },
      },
    },
    async (request) => services.folders.get(tenantOf(request).access, request.params.id),
  );

  app.patch(
    "/folders/:id",
    {
      schema: {
        tags: ["folders"],
        summary: "Renames, re-describes or moves a folder (parentId null = top level)",
        params: folderParams,
        body: z
          .object({
            name: folderName.optional(),
            description: z.string().trim().max(500).nullable().optional(),
            parentId: bodyId.nullable().optional(),
          })
          .strict(),
        response: { 200: folder, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.folders.update(actorOf(request), org.id, access, request.params.id, request.body);
    },
  );

  app.delete(
    "/folders/:id",
    {
      schema: {
        tags: ["folders"],
        summary: "Deletes an empty folder",
        params: folderParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.folders.delete(actorOf(request), org.id, access, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
