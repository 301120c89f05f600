import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ForbiddenError } from "../../../domain/errors.js";
import type { Services } from "../../../services/index.js";
import {
  type AlertPreference,
  alertCatalogue,
  alertChannels,
  alertComponents,
  alertSeverities,
} from "../../../shared/alerts.js";
import { alertPreferenceSchema, alertPreferencesSchema, listedAlertSchema } from "../../../shared/api/alerts.js";
import { actorOf, principalOf } from "../../auth.js";
import { bodyId, positiveId, problems } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

const severity = z.enum(alertSeverities);

const alertItem = listedAlertSchema;
const preference = alertPreferenceSchema;

const preferenceList = z
  .array(preference)
  .max(alertComponents.length)
  .superRefine((items, ctx) => {
    items.forEach((item, index) => {
      if (items.findIndex((other) => other.component === item.component) !== index)
        ctx.addIssue({ code: "custom", path: [index, "component"], message: "Each component may appear once." });
    });
  });

const preferencesResponse = alertPreferencesSchema;

/** The user behind a request: alert preferences and read marks belong to organization users. */
function userOf(request: Parameters<typeof principalOf>[0]) {
  const principal = principalOf(request);
  if (principal.kind !== "user")
    throw new ForbiddenError("Alert preferences and read marks are for organization users.");
  return { id: principal.id, email: principal.email, orgId: principal.organization.id };
}

function userIdOf(request: Parameters<typeof principalOf>[0]): number | null {
  if (request.jobAuth) return null;
  const principal = principalOf(request);
  return principal.kind === "user" ? principal.id : null;
}

/** The alerts panel and page (`T/alerts`), the alert catalogue, read marks, and alert preferences. */
export const alertRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    "/alerts",
    {
      schema: {
        tags: ["alerts"],
        summary:
          "Alerts the caller may see and chose to see in-app, newest first (`before` = the last id of the previous page)",
        params: tenantParams,
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(500).default(50),
            before: positiveId.optional(),
            severity: severity.optional().describe("Only alerts at or above this severity"),
            component: z.enum(alertComponents).optional(),
            state: z.enum(["read", "unread"]).optional(),
            from: z.iso.datetime({ offset: true }).optional().describe("Raised at or after (ISO 8601)"),
            to: z.iso.datetime({ offset: true }).optional().describe("Raised before (ISO 8601)"),
          })
          .strict(),
        response: {
          200: z.object({
            items: z.array(alertItem),
            unread: z.number().describe("Unread alerts (all, not only this page)"),
          }),
          ...problems(400, 401, 404, 503),
        },
      },
    },
    async (request) => {
      const { access } = tenantOf(request);
      const q = request.query;
      const userId = userIdOf(request);
      const [items, unread] = await Promise.all([
        services.alerts.list(access, userId, q.limit, q.before, {
          ...(q.severity && { severity: q.severity }),
          ...(q.component && { component: q.component }),
          ...(q.state && { read: q.state === "read" }),
          ...(q.from && { from: new Date(q.from).toISOString() }),
          ...(q.to && { to: new Date(q.to).toISOString() }),
        }),
        services.alerts.unreadCount(access, userId),
      ]);
      return { items, unread };
    },
  );

  app.post(
    "/alerts/read",
    {
      schema: {
        tags: ["alerts"],
        summary: "Marks alerts read for the caller",
        params: tenantParams,
        body: z.object({ ids: z.array(bodyId).min(1).max(500) }).strict(),
        response: { 204: z.null(), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await services.alerts.markRead(tenantOf(request).access, user.id, request.body.ids);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/alerts/read-all",
    {
      schema: {
        tags: ["alerts"],
        summary: "Marks every alert of the tenant raised so far read for the caller",
        params: tenantParams,
        response: { 204: z.null(), ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await services.alerts.markAllRead(tenantOf(request).access, user.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/alerts/catalogue",
    {
      schema: {
        tags: ["alerts"],
        summary: "Every alert kind: its component and severity, and whether Dirigent raises it yet",
        params: tenantParams,
        response: {
          200: z.object({
            items: z.array(
              z.object({ kind: z.string(), component: z.enum(alertComponents), severity, raised: z.boolean() }),
            ),
            channels: z.array(z.enum(alertChannels)),
          }),
          ...problems(401, 404),
        },
      },
    },
    async () => ({ items: [...alertCatalogue], channels: [...alertChannels] }),
  );

  app.get(
    "/alerts/preferences",
    {
      schema: {
        tags: ["alerts"],
        summary: "The caller's alert preferences (their own, or the tenant's defaults until they save their own)",
        params: tenantParams,
        response: { 200: preferencesResponse, ...problems(401, 403, 404) },
      },
    },
    async (request) => services.alerts.preferences(userOf(request).id, tenantOf(request).tenant.id),
  );

  app.put(
    "/alerts/preferences",
    {
      schema: {
        tags: ["alerts"],
        summary: "Replaces the caller's alert preferences (they apply in every tenant of the organization)",
        description:
          "Per component, per channel the minimum severity or null (off). Components left out follow the tenant's defaults. Only alerts of folders and tenants the user may see reach them.",
        params: tenantParams,
        body: z.object({ items: preferenceList }).strict(),
        response: { 200: preferencesResponse, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      services.alerts.setPreferences(
        actorOf(request),
        userOf(request),
        tenantOf(request).tenant.id,
        request.body.items as AlertPreference[],
      ),
  );

  app.get(
    "/alerts/preference-defaults",
    {
      schema: {
        tags: ["alerts"],
        summary: "The tenant's alert preferences for users who have not saved their own",
        params: tenantParams,
        response: { 200: z.object({ items: z.array(preference) }), ...problems(401, 404) },
      },
    },
    async (request) => ({ items: await services.alerts.defaults(tenantOf(request).tenant.id) }),
  );

  app.put(
    "/alerts/preference-defaults",
    {
      schema: {
        tags: ["alerts"],
        summary: "Sets the tenant's alert preferences for users who have not saved their own (Settings Edit)",
        params: tenantParams,
        body: z.object({ items: preferenceList }).strict(),
        response: { 200: z.object({ items: z.array(preference) }), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return {
        items: await services.alerts.setDefaults(
          actorOf(request),
          org.id,
          access,
          request.body.items as AlertPreference[],
        ),
      };
    },
  );
};
