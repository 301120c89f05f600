import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { assetLimits } from "../../../shared/assets.js";
import { actorOf } from "../../auth.js";
import { jobAuthOf } from "../../job-auth.js";
import { problems, text } from "../../schemas.js";
import { assetBodyLimit } from "../tenant/assets.js";

const jobAsset = z.union([
  z.object({
    name: z.string(),
    type: z.enum(["text", "bool", "integer"]),
    value: z.union([z.string(), z.boolean(), z.number()]),
  }),
  z.object({ name: z.string(), type: z.literal("credential"), username: z.string(), password: z.string() }),
]);
const params = z.object({ name: text(assetLimits.name) }).strict();

/** `GET|PUT /api/v1/job/assets/{name}`: a running job's assets, by name in its folder. */
export const jobAssetRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/assets/:name",
    {
      schema: {
        tags: ["job"],
        summary: "An asset of the job's folder: its machine's own value, else the global one",
        description:
          "Text, bool and integer answer `{name, type, value}`; a credential answers `{name, type, username, password}` " +
          "(the only answer that ever carries a password). 404 `asset-not-found` or `asset-value-missing`.",
        params,
        response: { 200: jobAsset, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => services.jobAssets.read(jobAuthOf(request), request.params.name),
  );

  app.put(
    "/assets/:name",
    {
      bodyLimit: assetBodyLimit,
      schema: {
        tags: ["job"],
        summary: "Sets a text, bool or integer asset (the value this job reads); credentials are read-only here",
        params,
        body: z
          .object({ value: z.unknown().describe("text: a string, bool: true/false, integer: a safe integer") })
          .strict(),
        response: { 200: jobAsset, ...problems(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request) =>
      services.jobAssets.write(actorOf(request), jobAuthOf(request), request.params.name, request.body.value),
  );
};
