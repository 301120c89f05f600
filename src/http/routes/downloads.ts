import fs from "node:fs";
import type { FastifyInstance } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../domain/errors.js";
import type { Config } from "../../platform/config.js";
import { ProblemType } from "../../shared/problem-types.js";
import { agentBundle, agentDownloadPath } from "../agent-download.js";
import { problems } from "../schemas.js";

const notBuilt = () =>
  new AppError(
    404,
    ProblemType.notFound,
    "Not found",
    "The robot agent tarball has not been built on this server (run `npm run build`).",
  );

/**
 * The robot agent for robot hosts, public like the web UI's own files (it holds no secret: the
 * machine key is given on the command line): `GET /downloads/dirigent-agent.tgz` and its checksum.
 */
export async function registerDownloads(app: FastifyInstance): Promise<void> {
  app.get(agentDownloadPath, { schema: { hide: true } }, async (_request, reply) => {
    const bundle = await agentBundle();
    if (!bundle) throw notBuilt();
    return reply
      .type("application/gzip")
      .header("Content-Length", bundle.size)
      .header("Content-Disposition", 'attachment; filename="dirigent-agent.tgz"')
      .header("Cache-Control", "no-cache")
      .header("X-Checksum-Sha256", bundle.sha256)
      .send(fs.createReadStream(bundle.file));
  });
  app.get(`${agentDownloadPath}.sha256`, { schema: { hide: true } }, async (_request, reply) => {
    const bundle = await agentBundle();
    if (!bundle) throw notBuilt();
    return reply.type("text/plain; charset=utf-8").send(`${bundle.sha256}  dirigent-agent.tgz\n`);
  });
}

/** `GET /api/v1/downloads/agent`: where to fetch the agent and its checksum (for the machine page). */
export const downloadRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  app.get(
    "/downloads/agent",
    {
      schema: {
        tags: ["robots"],
        summary: "The robot agent tarball: its URL, SHA-256 checksum and size",
        description:
          "Run it on any machine with Node ≥ 20: `npx --yes --package=<url> dirigent robot --url <server> --key <machine key>`.",
        security: [],
        response: {
          200: z.object({ url: z.string(), sha256: z.string(), size: z.number() }),
          ...problems(404),
        },
      },
    },
    async () => {
      const bundle = await agentBundle();
      if (!bundle) throw notBuilt();
      return {
        url: `${config.publicUrl.replace(/\/+$/, "")}${agentDownloadPath}`,
        sha256: bundle.sha256,
        size: bundle.size,
      };
    },
  );
};
