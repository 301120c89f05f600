import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { alertComponents } from "../../../shared/alerts.js";
import { positiveId, problems } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

/** The alerts panel: `T/alerts`, newest first (job faulted, robot disconnected or unresponsive). */
export const alertRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/alerts",
    {
      schema: {
        tags: ["alerts"],
        summary: "Alerts the caller may see, newest first (`before` = the last id of the previous page)",
        params: tenantParams,
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(500).default(50),
            before: positiveId.optional(),
          })
          .strict(),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.number(),
                folderId: z.number().nullable(),
                severity: z.enum(["info", "warn", "error", "fatal"]),
                component: z.enum(alertComponents),
                kind: z.string(),
                message: z.string(),
                details: z
                  .record(z.string(), z.union([z.string(), z.number(), z.null()]))
                  .nullable()
                  .describe("The values of the message, to tell it in another language (per kind)"),
                link: z.string().nullable(),
                createdAt: z.string(),
              }),
            ),
          }),
          ...problems(400, 401, 404, 503),
        },
      },
    },
    async (request) => ({
      items: await services.alerts.list(tenantOf(request).access, request.query.limit, request.query.before),
    }),
  );
};
