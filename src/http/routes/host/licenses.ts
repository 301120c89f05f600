import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import { licenseSchema } from "../../../shared/api/host.js";
import { actorOf } from "../../auth.js";
import { positiveId, problems } from "../../schemas.js";

export { licenseSchema };

/** Host portal → Licenses: robot slots and expiry per tenant. */
export const licenseRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/licenses",
    {
      schema: {
        tags: ["host"],
        summary: "License allocation of every tenant",
        response: { 200: z.object({ items: z.array(licenseSchema) }), ...problems(401, 403) },
      },
    },
    async () => ({ items: await services.licenses.list() }),
  );

  app.put(
    "/licenses/:tenantId",
    {
      schema: {
        tags: ["host"],
        summary: "Allocates robot runtime slots and an optional expiry date to a tenant",
        description:
          "Organization administrators are e-mailed 30, 7 and 1 days before the expiry and when it has passed.",
        params: z.object({ tenantId: positiveId }).strict(),
        body: z
          .object({
            robotSlots: z.number().int().min(0).max(100_000),
            expiresAt: z.iso
              .datetime({ offset: true, message: "must be an ISO-8601 date-time" })
              .transform((v) => new Date(v).toISOString())
              .nullable(),
          })
          .strict(),
        response: { 200: licenseSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => services.licenses.allocate(actorOf(request), request.params.tenantId, request.body),
  );
};
