import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Services } from "../../../services/index.js";
import { requireJobToken } from "../../job-auth.js";
import { jobAssetRoutes } from "./assets.js";
import { jobBucketRoutes } from "./buckets.js";
import { jobQueueRoutes } from "./queues.js";

/**
 * Everything under /api/v1/job: conveniences for running automations, which call with
 * `Authorization: Bearer $DIRIGENT_JOB_TOKEN` and name things (queues, assets, buckets) in their
 * job's folder. One sub-plugin per area, registered below.
 */
export const jobTokenRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  // preValidation: who may call comes before what was sent (a bad or missing token gets 401, not 400).
  app.addHook("preValidation", requireJobToken(services));
  app.get(
    "/",
    {
      schema: {
        tags: ["job"],
        summary: "The running job behind the job token (its id, key, folder, machine and process)",
      },
    },
    async (request) => request.jobAuth,
  );
  await app.register(jobQueueRoutes, { services });
  await app.register(jobAssetRoutes, { services });
  await app.register(jobBucketRoutes, { services });
};
