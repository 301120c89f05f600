import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../../domain/errors.js";
import type { Services } from "../../../services/index.js";
import { maxPackageBytes } from "../../../services/packages/package-service.js";
import {
  packageSummarySchema,
  packageVersionSchema,
  processCreateSchema,
  processInputSchema,
  processSchema,
} from "../../../shared/api/packages.js";
import { ProblemType } from "../../../shared/problem-types.js";
import { actorOf } from "../../auth.js";
import { folderRef, positiveId, problems } from "../../schemas.js";
import { folderOf, tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

const packageVersion = packageVersionSchema;
const versionParams = tenantParams.extend({ name: z.string().min(1).max(100), version: z.string().min(1).max(64) });

/** Packages (`T/packages`) and processes (`T/folders/{folder}/processes`, `T/processes/{id}`). */
export const packageRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.post(
    "/packages",
    {
      config: { multipart: true },
      schema: {
        tags: ["packages"],
        summary: "Uploads a package (.zip or .tgz with dirigent.json at its root; multipart field `file`)",
        consumes: ["multipart/form-data"],
        params: tenantParams,
        response: { 201: packageVersion, ...problems(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new AppError(
          415,
          ProblemType.unsupportedMediaType,
          "Unsupported media type",
          "Upload the package as multipart/form-data with the field `file`.",
        );
      }
      const file = await request.file({ limits: { fileSize: maxPackageBytes, files: 1 } });
      if (file?.fieldname !== "file") {
        throw new AppError(
          400,
          ProblemType.validationFailed,
          "Validation failed",
          "The upload needs the field `file`.",
          {
            errors: [{ path: "file", message: "is required" }],
          },
        );
      }
      const content = await file.toBuffer();
      if (file.file.truncated) {
        throw new AppError(
          413,
          ProblemType.payloadTooLarge,
          "Payload too large",
          `Packages may be at most ${maxPackageBytes / 1024 / 1024} MiB.`,
        );
      }
      const { org, access } = tenantOf(request);
      return reply
        .status(201)
        .send(await services.packages.upload(actorOf(request), org.id, access, { filename: file.filename, content }));
    },
  );

  app.get(
    "/packages",
    {
      schema: {
        tags: ["packages"],
        summary: "Packages by name with their versions (newest first)",
        params: tenantParams,
        response: {
          200: z.object({
            items: z.array(packageSummarySchema),
          }),
          ...problems(401, 403, 404, 503),
        },
      },
    },
    async (request) => ({ items: await services.packages.list(tenantOf(request).access) }),
  );

  app.get(
    "/packages/:name/:version",
    {
      schema: {
        tags: ["packages"],
        summary: "One package version",
        params: versionParams,
        response: { 200: packageVersion, ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => services.packages.version(tenantOf(request).access, request.params.name, request.params.version),
  );

  app.get(
    "/packages/:name/:version/download",
    {
      schema: {
        tags: ["packages"],
        summary: "Downloads the package archive",
        params: versionParams,
        produces: ["application/octet-stream"],
      },
    },
    async (request, reply) => {
      const { access } = tenantOf(request);
      const meta = await services.packages.version(access, request.params.name, request.params.version);
      const { row, size, body } = await services.packages.content(access.tenantId, meta.id);
      return reply
        .type(row.format === "zip" ? "application/zip" : "application/gzip")
        .header("Content-Disposition", `attachment; filename="${row.name}-${row.version}.${row.format}"`)
        .header("Content-Length", size)
        .send(body);
    },
  );

  app.delete(
    "/packages/:name/:version",
    {
      schema: {
        tags: ["packages"],
        summary: "Deletes a package version no process uses",
        params: versionParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.packages.delete(actorOf(request), org.id, access, request.params.name, request.params.version);
      return reply.status(204).send(null);
    },
  );

  const folderParams = tenantParams.extend({ folder: folderRef });
  const processParams = tenantParams.extend({ id: positiveId });

  app.post(
    "/folders/:folder/processes",
    {
      schema: {
        tags: ["processes"],
        summary: "Creates a process in a folder (packageVersion absent = always the latest)",
        description: "inputArguments are checked against the entry point's inputSchema when it has one.",
        params: folderParams,
        body: processCreateSchema,
        response: { 201: processSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      return reply
        .status(201)
        .send(await services.processes.create(actorOf(request), org.id, access, folderOf(request), request.body));
    },
  );

  app.get(
    "/folders/:folder/processes",
    {
      schema: {
        tags: ["processes"],
        summary: "Processes of a folder",
        params: folderParams,
        response: { 200: z.object({ items: z.array(processSchema) }), ...problems(401, 403, 404, 503) },
      },
    },
    async (request) => ({ items: await services.processes.list(tenantOf(request).access, folderOf(request)) }),
  );

  app.get(
    "/processes",
    {
      schema: {
        tags: ["processes"],
        summary: "Processes of every folder the caller may see",
        params: tenantParams,
        response: { 200: z.object({ items: z.array(processSchema) }), ...problems(401, 404, 503) },
      },
    },
    async (request) => ({ items: await services.processes.list(tenantOf(request).access) }),
  );

  app.get(
    "/processes/:id",
    {
      schema: {
        tags: ["processes"],
        summary: "One process",
        params: processParams,
        response: { 200: processSchema, ...problems(401, 404, 503) },
      },
    },
    async (request) => services.processes.get(tenantOf(request).access, request.params.id),
  );

  app.patch(
    "/processes/:id",
    {
      schema: {
        tags: ["processes"],
        summary: "Edits a process",
        params: processParams,
        body: processInputSchema,
        response: { 200: processSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { org, access } = tenantOf(request);
      return services.processes.update(actorOf(request), org.id, access, request.params.id, request.body);
    },
  );

  app.delete(
    "/processes/:id",
    {
      schema: {
        tags: ["processes"],
        summary: "Deletes a process",
        params: processParams,
        response: { 204: z.null(), ...problems(401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { org, access } = tenantOf(request);
      await services.processes.delete(actorOf(request), org.id, access, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
