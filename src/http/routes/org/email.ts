import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { emailSettingsInput } from "../../../services/email/email-settings-service.js";
import type { Services } from "../../../services/index.js";
import { actorOf, orgForRequest, principalOf } from "../../auth.js";
import { orgParam, positiveId, problems } from "../../schemas.js";
import { flattenSettings, orgSettingsResponse, registerEmailRoutes, registerPresetRoute } from "../email.js";
import { licenseSchema } from "../host/licenses.js";

/** Only system administrators see the installation's SMTP server behind an organization that inherits it. */
export function revealHost(request: Parameters<typeof principalOf>[0]): { revealHost: boolean } {
  return { revealHost: principalOf(request).kind === "admin" };
}

/** Org admin → Settings → E-mail (inherit or custom), the org's outbox, its licenses and invitations. */
export const orgEmailRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  const admin = (request: Parameters<typeof orgForRequest>[1], ref: string) =>
    orgForRequest(services, request, ref, { adminOnly: true });

  app.get(
    "/orgs/:org/settings/email",
    {
      schema: {
        tags: ["organization"],
        summary:
          "The organization's e-mail settings: mode, its own values, and the effective settings with their source",
        params: orgParam,
        response: { 200: orgSettingsResponse, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const org = await admin(request, request.params.org);
      return flattenSettings(await services.emailSettings.getOrg(org.id, revealHost(request)));
    },
  );

  app.put(
    "/orgs/:org/settings/email",
    {
      schema: {
        tags: ["organization"],
        summary: "Chooses `inherit` (use host settings) or `custom` SMTP settings for the organization",
        description:
          "Custom values stay stored when the organization switches back to inherit, so switching again restores them. Secrets are write-only.",
        params: orgParam,
        body: emailSettingsInput.extend({ mode: z.enum(["inherit", "custom"]).optional() }).strict(),
        response: { 200: orgSettingsResponse, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const org = await admin(request, request.params.org);
      const { mode, ...input } = request.body;
      return flattenSettings(
        await services.emailSettings.putOrg(actorOf(request), org.id, mode, input, revealHost(request)),
      );
    },
  );

  app.get(
    "/orgs/:org/licenses",
    {
      schema: {
        tags: ["organization"],
        summary: "License allocation of the organization's tenants",
        params: orgParam,
        response: { 200: z.object({ items: z.array(licenseSchema) }), ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const org = await admin(request, request.params.org);
      return { items: await services.licenses.list(org.id) };
    },
  );

  const userParams = z.object({ org: z.string().min(1).max(100), id: positiveId }).strict();
  app.post(
    "/orgs/:org/users/:id/invitation",
    {
      schema: {
        tags: ["organization"],
        summary: "Sends a new invitation to a user who has not set a password (earlier links stop working)",
        params: userParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const org = await admin(request, request.params.org);
      await services.accountLinks.resendInvitation(actorOf(request), org.id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    "/orgs/:org/users/:id/invitation",
    {
      schema: {
        tags: ["organization"],
        summary: "Revokes the user's open invitation links",
        params: userParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const org = await admin(request, request.params.org);
      await services.accountLinks.revokeInvitation(actorOf(request), org.id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  registerPresetRoute(app, "/orgs/:org/settings/email/presets", "organization", (request) =>
    admin(request, (request.params as { org: string }).org),
  );
  registerEmailRoutes(app, services, {
    path: "/orgs/:org",
    tag: "organization",
    params: orgParam,
    scopeOf: async (request) => {
      const org = await admin(request, (request.params as { org: string }).org);
      return { kind: "org", orgId: org.id };
    },
  });
};
