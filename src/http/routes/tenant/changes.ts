import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { mayHear, type TenantChange } from "../../../services/changes/tenant-changes.js";
import type { Services } from "../../../services/index.js";
import { endStreamsOnClose } from "../monitoring/snapshot-stream.js";
import { tenantOf } from "./context.js";
import { tenantParams } from "./folders.js";

/** A comment this often keeps proxies and the browser from taking a quiet stream for a dead one. */
export const keepAliveMs = 20_000;
/** Streams end after this long; EventSource reconnects, and permissions are then computed afresh. */
const streamLifetimeMs = 15 * 60_000;

/**
 * The tenant change feed for the live pages: server-sent events naming what changed (jobs,
 * machines, queues and their items, triggers, webhook deliveries) in the folders the caller may
 * read, merged per kind and folder over a quarter second, from every node of the cluster.
 */
export const changeRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  const open = endStreamsOnClose(app);
  app.get(
    "/changes",
    {
      schema: {
        tags: ["monitoring"],
        summary:
          'What changed in the tenant, as server-sent events: `ready` at once, then `change` events such as {"kind":"jobs","folderId":3,"ids":[12]}',
        description:
          "Kinds: `jobs`, `machines`, `queues` (queues and their items), `triggers`, `webhooks` (deliveries). " +
          "`folderId` is null for the tenant-wide kinds (machines, webhooks); `ids` is left out when many changed. " +
          "Only changes in what the caller may view are sent; the stream ends after 15 minutes (EventSource reconnects, " +
          "and the caller's permissions are read again). A client reads its lists again on `ready` (after a reconnect it may have missed changes).",
        params: tenantParams,
        produces: ["text/event-stream"],
      },
    },
    async (request, reply) => {
      const { access, tenant } = tenantOf(request);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write(`retry: 3000\nevent: ready\ndata: {}\n\n`);
      const send = (change: TenantChange) => {
        if (mayHear(access, change)) res.write(`event: change\ndata: ${JSON.stringify(change)}\n\n`);
      };
      const unsubscribe = services.changes.subscribe(tenant.id, send);
      const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), keepAliveMs);
      const end = () => {
        if (!open.delete(end)) return;
        clearInterval(keepAlive);
        clearTimeout(lifetime);
        unsubscribe();
        res.end();
      };
      open.add(end);
      const lifetime = setTimeout(end, streamLifetimeMs);
      request.raw.on("close", end);
      res.on("error", end);
    },
  );
};
