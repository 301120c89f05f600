import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Permission } from "../../../domain/permissions.js";
import type { Services } from "../../../services/index.js";
import { actorOf } from "../../auth.js";
import {
  acceptRawBodies,
  bucketFileSchema,
  fileListingSchema,
  fileListQuery,
  sendDownload,
  uploadSource,
  wildcardPath,
} from "../../bucket-transfer.js";
import { jobAccess, jobAuthOf } from "../../job-auth.js";
import { problems } from "../../schemas.js";

const nameParams = z
  .object({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[^\p{Cc}]*$/u, "must not contain control characters"),
  })
  .strict();
const fileParams = nameParams.extend(wildcardPath.shape);

/**
 * A running job's bucket files, by bucket name in its job's folder:
 * `GET|PUT|DELETE /api/v1/job/buckets/{name}/files/{path}` and `GET …/{name}/files?prefix=`.
 */
export const jobBucketRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  acceptRawBodies(app);

  /** The bucket named in the job's folder, after checking the robot's permission there. */
  const bucketOf = async (request: Parameters<typeof jobAuthOf>[0], name: string, permission: Permission) => {
    const auth = jobAuthOf(request);
    jobAccess(auth).assertFolder(auth.folderId, permission);
    return services.buckets.findByName(auth.tenantId, auth.folderId, name);
  };

  app.get(
    "/buckets/:name/files",
    {
      schema: {
        tags: ["job"],
        summary: "Lists files of a bucket in the job's folder",
        params: nameParams,
        querystring: fileListQuery,
        response: { 200: fileListingSchema, ...problems(400, 401, 404, 502) },
      },
    },
    async (request) => {
      const row = await bucketOf(request, request.params.name, "buckets.view");
      const { recursive, ...query } = request.query;
      return services.bucketFiles.list(row, { ...query, recursive: recursive !== "false" });
    },
  );

  app.get(
    "/buckets/:name/files/*",
    {
      schema: {
        tags: ["job"],
        summary: "Downloads a file of a bucket in the job's folder (Range supported)",
        params: fileParams,
        produces: ["application/octet-stream"],
        response: { ...problems(400, 401, 404, 416, 502) },
      },
    },
    async (request, reply) => {
      const row = await bucketOf(request, request.params.name, "buckets.view");
      return sendDownload(reply, await services.bucketFiles.download(row, request.params["*"], request.headers.range));
    },
  );

  app.put(
    "/buckets/:name/files/*",
    {
      config: { multipart: true },
      schema: {
        tags: ["job"],
        summary: "Uploads a file (the raw body) to a bucket in the job's folder",
        params: fileParams,
        consumes: ["application/octet-stream"],
        response: { 201: bucketFileSchema, ...problems(400, 401, 404, 409, 413, 502) },
      },
    },
    async (request, reply) => {
      const row = await bucketOf(request, request.params.name, "buckets.edit");
      const source = await uploadSource(request);
      const orgId = jobAuthOf(request).orgId;
      const file = await services.bucketFiles.upload(
        actorOf(request),
        { orgId },
        row,
        request.params["*"],
        source.content,
        source,
      );
      return reply.status(201).send(file);
    },
  );

  app.delete(
    "/buckets/:name/files/*",
    {
      schema: {
        tags: ["job"],
        summary: "Deletes a file of a bucket in the job's folder",
        params: fileParams,
        response: { 204: z.null(), ...problems(400, 401, 404, 409, 502) },
      },
    },
    async (request, reply) => {
      const row = await bucketOf(request, request.params.name, "buckets.edit");
      await services.bucketFiles.delete(
        actorOf(request),
        { orgId: jobAuthOf(request).orgId },
        row,
        request.params["*"],
      );
      return reply.status(204).send(null);
    },
  );
};
