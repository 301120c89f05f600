import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
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
import { problems } from "../../schemas.js";
import { bucketParams } from "./buckets.js";
import { tenantOf } from "./context.js";

const fileParams = bucketParams.extend(wildcardPath.shape);

/**
 * The files of a bucket: `T/buckets/{id}/files` (listing) and `T/buckets/{id}/files/{path}`
 * (download with Range, upload as the raw body or multipart field `file`, delete). Bodies are
 * streamed; this plugin has its own content-type parser for that.
 */
export const bucketFileRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  acceptRawBodies(app);

  app.get(
    "/buckets/:id/files",
    {
      schema: {
        tags: ["buckets"],
        summary: "Lists files (prefix, paging; recursive=false lists one level with its directories)",
        params: bucketParams,
        querystring: fileListQuery,
        response: { 200: fileListingSchema, ...problems(400, 401, 403, 404, 502, 503) },
      },
    },
    async (request) => {
      const row = await services.buckets.find(tenantOf(request).access, request.params.id, "buckets.view");
      const { recursive, ...query } = request.query;
      return services.bucketFiles.list(row, { ...query, recursive: recursive !== "false" });
    },
  );

  app.get(
    "/buckets/:id/files/*",
    {
      schema: {
        tags: ["buckets"],
        summary: "Downloads a file (streamed; a `Range: bytes=…` header gets 206)",
        params: fileParams,
        produces: ["application/octet-stream"],
        response: { ...problems(400, 401, 403, 404, 416, 502, 503) },
      },
    },
    async (request, reply) => {
      const row = await services.buckets.find(tenantOf(request).access, request.params.id, "buckets.view");
      return sendDownload(reply, await services.bucketFiles.download(row, request.params["*"], request.headers.range));
    },
  );

  app.put(
    "/buckets/:id/files/*",
    {
      config: { multipart: true },
      schema: {
        tags: ["buckets"],
        summary: "Uploads a file: the raw request body, or multipart/form-data with one file field",
        description:
          "Streamed to the bucket, never held whole; larger than the tenant's cap → 413 payload-too-large and nothing kept. Read-only buckets → 409 bucket-read-only.",
        params: fileParams,
        consumes: ["application/octet-stream", "multipart/form-data"],
        response: { 201: bucketFileSchema, ...problems(400, 401, 403, 404, 409, 413, 502, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      const row = await services.buckets.find(access, request.params.id, "buckets.edit");
      const source = await uploadSource(request);
      const file = await services.bucketFiles.upload(
        actorOf(request),
        { orgId: org.id },
        row,
        request.params["*"],
        source.content,
        source,
      );
      return reply.status(201).send(file);
    },
  );

  app.delete(
    "/buckets/:id/files/*",
    {
      schema: {
        tags: ["buckets"],
        summary: "Deletes a file",
        params: fileParams,
        response: { 204: z.null(), ...problems(400, 401, 403, 404, 409, 502, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      const row = await services.buckets.find(access, request.params.id, "buckets.edit");
      await services.bucketFiles.delete(actorOf(request), { orgId: org.id }, row, request.params["*"]);
      return reply.status(204).send(null);
    },
  );
};
