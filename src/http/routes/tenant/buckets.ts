import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { bucketChangeSchema, bucketCreateSchema, bucketSchema, signedLinkSchema } from "../../../shared/api/buckets.js";
import { maxBucketPathLength, maxLinkMinutes } from "../../../shared/buckets.js";
import { actorOf } from "../../auth.js";
import { bucketFileSchema } from "../../bucket-transfer.js";
import { folderRef, problems, text } from "../../schemas.js";
import { folderOf, tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

/** Database ids are 32-bit integers in both dialects: larger ones are refused as invalid, not looked up. */
const dbId = z.coerce.number().int().positive().max(2147483647);
export const bucketParams = tenantParams.extend({ id: dbId });
const folderParams = tenantParams.extend({ folder: folderRef });

const pathQuery = z.string().min(1).max(maxBucketPathLength);
const linkQuery = z
  .object({
    path: pathQuery,
    expiresInMinutes: z.coerce.number().int().min(1).max(maxLinkMinutes).default(60),
  })
  .strict();

/** Storage buckets (`T/folders/{folder}/buckets`, `T/buckets/{id}`), their signed links and the upload cap. */
export const bucketRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.post(
    "/folders/:folder/buckets",
    {
      schema: {
        tags: ["buckets"],
        summary: "Creates a storage bucket in a folder (provider local, the default, or s3)",
        description: "The S3 secret key is write-only: reads answer `s3.hasSecretKey`.",
        params: folderParams,
        body: bucketCreateSchema,
        response: { 201: bucketSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply
        .status(201)
        .send(await services.buckets.create(actorOf(request), org.id, access, folderOf(request), request.body));
    },
  );

  app.get(
    "/folders/:folder/buckets",
    {
      schema: {
        tags: ["buckets"],
        summary: "Storage buckets of a folder",
        params: folderParams,
        response: { 200: z.object({ items: z.array(bucketSchema) }), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => ({ items: await services.buckets.list(tenantOf(request).access, folderOf(request)) }),
  );

  app.get(
    "/buckets/:id",
    {
      schema: {
        tags: ["buckets"],
        summary: "One storage bucket",
        params: bucketParams,
        response: { 200: bucketSchema, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => services.buckets.get(tenantOf(request).access, request.params.id),
  );

  app.patch(
    "/buckets/:id",
    {
      schema: {
        tags: ["buckets"],
        summary: "Edits a storage bucket (the provider is fixed; an absent s3.secretKey keeps the stored one)",
        params: bucketParams,
        body: bucketChangeSchema,
        response: { 200: bucketSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.buckets.update(actorOf(request), org.id, access, request.params.id, request.body);
    },
  );

  app.delete(
    "/buckets/:id",
    {
      schema: {
        tags: ["buckets"],
        summary: "Deletes a storage bucket (a local bucket's files with it; an S3 store keeps its objects)",
        params: bucketParams,
        response: { 204: z.null(), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.buckets.delete(actorOf(request), org.id, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/buckets/:id/metadata",
    {
      schema: {
        tags: ["buckets"],
        summary: "One file's metadata (size, modified, content type)",
        params: bucketParams,
        querystring: z.object({ path: pathQuery }).strict(),
        response: { 200: bucketFileSchema, ...problems(400, 401, 403, 404, 502, 503) },
      },
    },
    async (request) => {
      const row = await services.buckets.find(tenantOf(request).access, request.params.id, "buckets.view");
      return services.bucketFiles.stat(row, request.query.path);
    },
  );

  for (const verb of ["GET", "PUT"] as const) {
    app.get(
      verb === "GET" ? "/buckets/:id/read-uri" : "/buckets/:id/write-uri",
      {
        schema: {
          tags: ["buckets"],
          summary:
            verb === "GET"
              ? "A signed, expiring URL that downloads one file without a session"
              : "A signed, expiring URL that uploads one file (PUT the raw bytes) without a session",
          description:
            "Local buckets get an HMAC-signed Dirigent URL; S3 buckets a pre-signed URL of the store. Send `verb` to `uri` with `headers`.",
          params: bucketParams,
          querystring: verb === "GET" ? linkQuery : linkQuery.extend({ contentType: text(200).optional() }).strict(),
          response: { 200: signedLinkSchema, ...problems(400, 401, 403, 404, 409, 502, 503) },
        },
      },
      async (request) => {
        const { org, access } = tenantOf(request);
        const row = await services.buckets.find(
          access,
          request.params.id,
          verb === "GET" ? "buckets.view" : "buckets.edit",
        );
        const query = request.query as { path: string; expiresInMinutes: number; contentType?: string };
        return services.bucketFiles.link(actorOf(request), { orgId: org.id }, row, {
          path: query.path,
          verb,
          expiresInMinutes: query.expiresInMinutes,
          contentType: query.contentType ?? null,
          baseUrl: `${request.protocol}://${request.host}`,
        });
      },
    );
  }

  const settingsSchema = z.object({ uploadMaxMiB: z.number() });
  app.get(
    "/settings/buckets",
    {
      schema: {
        tags: ["buckets"],
        summary: "The tenant's bucket settings: the largest upload in MiB",
        params: tenantParams,
        response: { 200: settingsSchema, ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => services.buckets.settings(tenantOf(request).access),
  );
  app.put(
    "/settings/buckets",
    {
      schema: {
        tags: ["buckets"],
        summary: "Sets the largest upload to this tenant's buckets (MiB, default 1024)",
        params: tenantParams,
        body: z
          .object({
            uploadMaxMiB: z
              .number()
              .int()
              .min(1)
              .max(1024 * 1024),
          })
          .strict(),
        response: { 200: settingsSchema, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.buckets.updateSettings(actorOf(request), org.id, access, request.body.uploadMaxMiB);
    },
  );
};
