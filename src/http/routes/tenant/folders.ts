import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { folderSchema } from "../../../shared/api/folders.js";
import { actorOf } from "../../auth.js";
import { bodyId, folderRef, problems, text } from "../../schemas.js";
import { folderOf, tenantOf } from "./context.js";

export const tenantParams = z.object({ org: z.string().min(1).max(100), tenant: z.string().min(1).max(64) }).strict();
const folderParams = tenantParams.extend({ folder: folderRef });

const folderName = text(115).regex(/^[^/\\]*$/, "must not contain / or \\");
const folder = folderSchema;

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
    "/folders/:folder",
    {
      schema: {
        tags: ["folders"],
        summary: "One folder",
        params: folderParams,
        response: { 200: folder, ...problems(401, 404, 503) },
      },
    },
    async (request) => services.folders.get(tenantOf(request).access, folderOf(request)),
  );

  app.patch(
    "/folders/:folder",
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
      return services.folders.update(actorOf(request), org.id, access, folderOf(request), request.body);
    },
  );

  app.delete(
    "/folders/:folder",
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
      await services.folders.delete(actorOf(request), org.id, access, folderOf(request));
      return reply.status(204).send(null);
    },
  );
};
