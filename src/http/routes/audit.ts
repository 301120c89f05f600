import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../services/index.js";
import { auditRecordSchema } from "../../shared/api/host.js";
import type { AuditScope } from "../../storage/schema.js";
import { booleanQuery, pageQuery, problems } from "../schemas.js";

const timestamp = z.iso
  .datetime({ offset: true, message: "must be an ISO-8601 date-time" })
  .transform((v) => new Date(v).toISOString());

export const auditFilterQuery = z
  .object({
    from: timestamp.optional(),
    to: timestamp.optional(),
    actor: z.string().max(200).optional(),
    component: z.string().max(100).optional(),
    action: z.string().max(100).optional(),
    q: z.string().max(200).optional(),
  })
  .strict();

const auditRecord = auditRecordSchema;

/**
 * Registers `GET <prefix>/audit-logs` and `GET <prefix>/audit-logs.csv` for the host log or an
 * organization's log; `scopeOf` authorizes the request and names the log.
 */
export function registerAuditRoutes(
  app: FastifyInstance,
  services: Services,
  options: {
    path: string;
    tag: string;
    params?: z.ZodObject;
    scopeOf: (request: FastifyRequest) => Promise<{ scope: AuditScope; orgId?: number }>;
  },
): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    `${options.path}/audit-logs`,
    {
      schema: {
        tags: [options.tag],
        summary: "Audit log entries, newest first, with filters",
        ...(options.params && { params: options.params }),
        querystring: auditFilterQuery.extend({
          sort: z
            .enum(["time", "-time"])
            .optional()
            .describe("`time`: oldest first; `-time` (the default): newest first"),
          total: booleanQuery.optional().describe("`true`: also count all matching entries (`total`)"),
          limit: pageQuery.limit,
          cursor: pageQuery.cursor,
        }),
        response: {
          200: z.object({
            items: z.array(auditRecord),
            nextCursor: z.string().nullable(),
            total: z.number().optional(),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { limit, cursor, sort, total, ...filter } = request.query;
      return services.audit.list(await options.scopeOf(request), filter, limit, cursor, {
        oldestFirst: sort === "time",
        total: total === "true",
      });
    },
  );

  typed.get(
    `${options.path}/audit-logs.csv`,
    {
      schema: {
        tags: [options.tag],
        summary: "The filtered audit log as a CSV download",
        ...(options.params && { params: options.params }),
        querystring: auditFilterQuery,
        produces: ["text/csv"],
        response: { 200: z.string(), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const csv = await services.audit.csv(await options.scopeOf(request), request.query);
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type("text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="dirigent-audit-${day}.csv"`)
        .send(csv);
    },
  );
}
