import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Config } from "../../../platform/config.js";
import type { Services } from "../../../services/index.js";
import { machineSchema, machineWithKeySchema } from "../../../shared/api/machines.js";
import { agentBundle, agentCommand } from "../../agent-download.js";
import { actorOf } from "../../auth.js";
import { bodyId, positiveId, problems, text } from "../../schemas.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

const machine = machineSchema;
const machineWithKey = machineWithKeySchema;
const machineParams = tenantParams.extend({ id: positiveId });
const fields = {
  name: text(100),
  description: z.string().trim().max(500).nullable().optional(),
  slots: z.number().int().min(1).max(100),
  folderIds: z.array(bodyId).max(1000),
};

/** Machines of a tenant: `T/machines`. */
export const machineRoutes: FastifyPluginAsyncZod<{ services: Services; config: Config }> = async (
  app,
  { services, config },
) => {
  const withCommand = async <T extends { key: string }>(m: T) => ({
    ...m,
    connectCommand: agentCommand(config.publicUrl, m.key, (await agentBundle())?.sha256),
  });

  app.get(
    "/machines",
    {
      schema: {
        tags: ["robots"],
        summary: "Machines with their robot sessions and states",
        params: tenantParams,
        response: { 200: z.object({ items: z.array(machine) }), ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => ({ items: await services.machines.list(tenantOf(request).access) }),
  );

  app.post(
    "/machines",
    {
      schema: {
        tags: ["robots"],
        summary: "Creates a machine; the answer carries its key (shown this once)",
        params: tenantParams,
        body: z.object({ ...fields, folderIds: fields.folderIds.default([]) }).strict(),
        response: { 201: machineWithKey, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply
        .status(201)
        .send(await withCommand(await services.machines.create(actorOf(request), org.id, access, request.body)));
    },
  );

  app.get(
    "/machines/:id",
    {
      schema: {
        tags: ["robots"],
        summary: "One machine",
        params: machineParams,
        response: { 200: machine, ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => services.machines.get(tenantOf(request).access, request.params.id),
  );

  app.patch(
    "/machines/:id",
    {
      schema: {
        tags: ["robots"],
        summary: "Edits a machine's name, description, slots or folders",
        params: machineParams,
        body: z
          .object({
            name: fields.name.optional(),
            description: fields.description,
            slots: fields.slots.optional(),
            folderIds: fields.folderIds.optional(),
          })
          .strict(),
        response: { 200: machine, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.machines.update(actorOf(request), org.id, access, request.params.id, request.body);
    },
  );

  app.delete(
    "/machines/:id",
    {
      schema: {
        tags: ["robots"],
        summary: "Deletes a machine (its robots are disconnected)",
        params: machineParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.machines.delete(actorOf(request), org.id, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/machines/:id/key",
    {
      schema: {
        tags: ["robots"],
        summary: "Regenerates the machine key (shown once); robots using the old key are disconnected",
        params: machineParams,
        response: { 200: machineWithKey, ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return await withCommand(
        await services.machines.regenerateKey(actorOf(request), org.id, access, request.params.id),
      );
    },
  );
};
