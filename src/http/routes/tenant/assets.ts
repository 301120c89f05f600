import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Services } from "../../../services/index.js";
import {
  assetChangeSchema,
  assetCreateSchema,
  assetSchema,
  assetValueBodySchema,
  assetValueViewSchema,
} from "../../../shared/api/assets.js";
import { limited } from "../../../shared/api/fields.js";
import { assetLimits } from "../../../shared/assets.js";
import { actorOf } from "../../auth.js";
import { folderRef, pageQuery, positiveId, problems } from "../../schemas.js";
import { folderOf, tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

/** Asset values are up to 1,000,000 characters of text, which can be several MB of JSON. */
export const assetBodyLimit = 8 * 1024 * 1024;

export const assetValueView = assetValueViewSchema;

const folderParams = tenantParams.extend({ folder: folderRef });
const assetParams = tenantParams.extend({ id: positiveId });
const machineValueParams = assetParams.extend({ machineId: positiveId });

/** Assets: `T/folders/{folder}/assets`, `T/assets/{id}` and its per-machine values. */
export const assetRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.post(
    "/folders/:folder/assets",
    {
      bodyLimit: assetBodyLimit,
      schema: {
        tags: ["assets"],
        summary: "Creates an asset in a folder (its type is fixed from now on)",
        description: "A credential's password is write-only: no answer ever contains it (`hasPassword` instead).",
        params: folderParams,
        body: assetCreateSchema,
        response: { 201: assetSchema, ...problems(400, 401, 403, 404, 409, 413, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply
        .status(201)
        .send(await services.assets.create(actorOf(request), org.id, access, folderOf(request), request.body));
    },
  );

  app.get(
    "/folders/:folder/assets",
    {
      schema: {
        tags: ["assets"],
        summary: "A folder's assets by name; `q` matches part of the name",
        params: folderParams,
        querystring: z
          .object({ q: limited(assetLimits.name).optional(), limit: pageQuery.limit, cursor: limited(2048).optional() })
          .strict(),
        response: {
          200: z.object({ items: z.array(assetSchema), nextCursor: z.string().nullable() }),
          ...problems(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => services.assets.list(tenantOf(request).access, folderOf(request), request.query),
  );

  app.get(
    "/assets/:id",
    {
      schema: {
        tags: ["assets"],
        summary: "One asset with its global and per-machine values (never a password)",
        params: assetParams,
        response: { 200: assetSchema, ...problems(400, 401, 404, 503) },
      },
    },
    async (request) => services.assets.get(tenantOf(request).access, request.params.id),
  );

  app.patch(
    "/assets/:id",
    {
      bodyLimit: assetBodyLimit,
      schema: {
        tags: ["assets"],
        summary: "Renames an asset, changes its description or its global value (null removes it)",
        description: "`type` may be sent but not changed: another type is a 409 `asset-type-immutable`.",
        params: assetParams,
        body: assetChangeSchema,
        response: { 200: assetSchema, ...problems(400, 401, 403, 404, 409, 413, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.assets.update(actorOf(request), org.id, access, request.params.id, request.body);
    },
  );

  app.delete(
    "/assets/:id",
    {
      schema: {
        tags: ["assets"],
        summary: "Deletes an asset with all its values",
        params: assetParams,
        response: { 204: z.null(), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.assets.delete(actorOf(request), org.id, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.put(
    "/assets/:id/machine-values/:machineId",
    {
      bodyLimit: assetBodyLimit,
      schema: {
        tags: ["assets"],
        summary: "Sets the value a machine's jobs get (it wins over the global value)",
        params: machineValueParams,
        body: assetValueBodySchema,
        response: { 200: assetSchema, ...problems(400, 401, 403, 404, 413, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      const { id, machineId } = request.params;
      return services.assets.setMachineValue(actorOf(request), org.id, access, id, machineId, request.body.value);
    },
  );

  app.delete(
    "/assets/:id/machine-values/:machineId",
    {
      schema: {
        tags: ["assets"],
        summary: "Removes a machine's own value (its jobs get the global value again)",
        params: machineValueParams,
        response: { 204: z.null(), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      const { id, machineId } = request.params;
      await services.assets.deleteMachineValue(actorOf(request), org.id, access, id, machineId);
      return reply.status(204).send(null);
    },
  );
};
