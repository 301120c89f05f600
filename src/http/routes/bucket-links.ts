import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../domain/errors.js";
import type { Actor } from "../../services/context.js";
import type { Services } from "../../services/index.js";
import { AccountStatus } from "../../shared/identity.js";
import { ProblemType } from "../../shared/problem-types.js";
import { clientOf } from "../auth.js";
import { acceptRawBodies, bucketFileSchema, sendDownload, uploadSource, wildcardPath } from "../bucket-transfer.js";
import { problems } from "../schemas.js";

const linkParams = z.object({ key: z.uuid() }).extend(wildcardPath.shape);
const linkQuery = z
  .object({
    expires: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 40),
    signature: z.string().min(1).max(100),
  })
  .strict();

/** A link's bucket, in a tenant that is active and not under maintenance (like its users' requests). */
async function linkedBucket(services: Services, key: string) {
  const row = await services.buckets.findByKey(key);
  const tenant = await services.ctx.db
    .selectFrom("tenants")
    .select("status")
    .where("id", "=", row.tenant_id)
    .executeTakeFirstOrThrow();
  if (tenant.status !== AccountStatus.active) {
    throw new AppError(409, ProblemType.tenantDisabled, "Tenant disabled", "This tenant is disabled.");
  }
  await services.maintenance.assertUserMayProceed(row.tenant_id);
  return row;
}

/**
 * Signed links of local buckets (`/api/v1/bucket-links/{bucket key}/{path}?expires=&signature=`):
 * no session, the signature is the permission (see BucketLinks). GET downloads, PUT uploads.
 */
export const bucketLinkRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  acceptRawBodies(app);

  app.get(
    "/bucket-links/:key/*",
    {
      schema: {
        tags: ["buckets"],
        summary: "Downloads a file through a signed link (from read-uri); Range supported",
        security: [],
        params: linkParams,
        querystring: linkQuery,
        produces: ["application/octet-stream"],
        response: { ...problems(400, 403, 404, 409, 416, 502, 503) },
      },
    },
    async (request, reply) => {
      const row = await linkedBucket(services, request.params.key);
      const { expires, signature } = request.query;
      const path = services.bucketFiles.verifyLink(row, request.params["*"], "GET", expires, signature);
      return sendDownload(reply, await services.bucketFiles.download(row, path, request.headers.range));
    },
  );

  app.put(
    "/bucket-links/:key/*",
    {
      config: { multipart: true },
      schema: {
        tags: ["buckets"],
        summary: "Uploads a file through a signed link (from write-uri): the raw request body",
        security: [],
        params: linkParams,
        querystring: linkQuery,
        consumes: ["application/octet-stream"],
        response: { 201: bucketFileSchema, ...problems(400, 403, 404, 409, 413, 502, 503) },
      },
    },
    async (request, reply) => {
      const row = await linkedBucket(services, request.params.key);
      const { expires, signature } = request.query;
      const path = services.bucketFiles.verifyLink(row, request.params["*"], "PUT", expires, signature);
      const actor: Actor = { kind: "system", id: null, name: "signed link", orgId: null, ...clientOf(request) };
      const source = await uploadSource(request);
      const orgId = await services.buckets.orgIdOf(row);
      return reply
        .status(201)
        .send(await services.bucketFiles.upload(actor, { orgId }, row, path, source.content, source));
    },
  );
};
