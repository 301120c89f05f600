import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { AppError } from "../domain/errors.js";
import type { Config } from "../platform/config.js";
import type { Logger } from "../platform/logger.js";
import type { Services } from "../services/index.js";
import { ProblemType } from "../shared/problem-types.js";
import { installInputGuard } from "./input-guard.js";
import { odataRoutes } from "./odata/index.js";
import { handleFrameworkError, installErrorHandling, sendNoEndpoint } from "./problem.js";
import { alertEmailRoutes } from "./routes/alert-emails.js";
import { authRoutes } from "./routes/auth.js";
import { bucketLinkRoutes } from "./routes/bucket-links.js";
import { downloadRoutes, registerDownloads } from "./routes/downloads.js";
import { healthRoutes } from "./routes/health.js";
import { hostRoutes } from "./routes/host/index.js";
import { jobTokenRoutes } from "./routes/job/index.js";
import { meRoutes } from "./routes/me.js";
import { orgRoutes } from "./routes/org/index.js";
import { registerRobotEndpoint } from "./routes/robot.js";
import { tenantRoutes } from "./routes/tenant/index.js";

export interface AppOptions {
  config: Config;
  logger: Logger;
  services: Services;
  /** Folder of the built web UI; defaults to web/dist of this checkout. */
  webRoot?: string;
}

/** A request taking longer than this is logged at info (everything else at debug). */
const slowRequestMs = 2000;

/** Largest JSON body any endpoint accepts (package uploads get their own limit later). */
const bodyLimit = 256 * 1024;

export const defaultWebRoot = fileURLToPath(new URL("../../web/dist", import.meta.url));

/** Builds the HTTP server: API under /api/v1, OpenAPI at /api/docs, and the web UI at /. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, services } = options;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit,
    trustProxy: config.trustProxy,
    // Route params and query strings beyond this are certainly not ours. The longest is an asset
    // name in /api/v1/job/assets/{name}: 256 characters, up to 9 each when percent-encoded.
    routerOptions: { maxParamLength: 2400 },
    // Malformed percent-encoding and over-long path parameters are refused before routing; they
    // leave as problem+json like every other error.
    frameworkErrors: handleFrameworkError,
    // Fastify's two info lines per request drowned everything else (12,000 lines in 25 minutes of
    // clicking, the sign-in banner lost among them): requests are logged by the hook below.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // One line per request at debug; at info only server errors and slow requests. The path is
  // logged without its query string (signed links and job tokens may travel there).
  app.addHook("onResponse", async (request, reply) => {
    const ms = Math.round(reply.elapsedTime);
    const line = { method: request.method, path: request.url.split("?")[0], status: reply.statusCode, ms };
    if (reply.statusCode >= 500) request.log.info(line, "request failed");
    else if (ms >= slowRequestMs) request.log.info(line, "slow request");
    else request.log.debug(line, "request");
  });
  // The API speaks JSON only: a text/plain body would reach the schemas as a string and fail
  // there with a misleading 400; without its parser it gets 415 unsupported-media-type.
  app.removeContentTypeParser("text/plain");
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest("auth", null);
  app.decorateRequest("tenantContext", null);
  app.decorateRequest("jobAuth", null);
  installErrorHandling(app);
  installInputGuard(app);

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Mantine sets style attributes at run time.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // HSTS is only meaningful (and only sent) over HTTPS: see the onSend hook below.
    strictTransportSecurity: false,
  });
  app.addHook("onSend", async (request, reply) => {
    if (request.protocol === "https") reply.header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    // API answers carry account data and tokens: no browser or proxy keeps them.
    if (request.url.startsWith("/api/v1/") && !reply.hasHeader("Cache-Control"))
      reply.header("Cache-Control", "no-store");
  });
  await app.register(rateLimit, { global: false });
  // Multipart is only for package uploads (routes with `config.multipart`); their size limit is
  // set per request. Everywhere else a multipart body is the wrong content type.
  await app.register(multipart, { limits: { files: 1, fields: 5 } });
  app.addHook("preValidation", async (request) => {
    if (request.isMultipart() && !(request.routeOptions.config as { multipart?: boolean }).multipart) {
      throw new AppError(
        415,
        ProblemType.unsupportedMediaType,
        "Unsupported media type",
        "Send the request body as application/json.",
      );
    }
  });
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });

  await app.register(swagger, {
    openapi: {
      info: {
        title: "Dirigent API",
        version: "1",
        description:
          "The HTTP API of Dirigent. Errors are application/problem+json with a stable `type`. Authenticate with `Authorization: Bearer <token>` from POST /api/v1/auth/token or a personal access token.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: "/api/docs",
    staticCSP: true,
    // Over plain HTTP on a host name other than localhost, the browser would upgrade the page's
    // own scripts to https and render nothing.
    // Swagger UI sets style attributes at run time (like Mantine in our UI): its default
    // `style-src 'self' https:` made the browser log a CSP violation on every page load.
    transformStaticCSP: (header) =>
      header
        .replace(/\s*upgrade-insecure-requests;?/, "")
        .replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'"),
  });

  await app.register(
    async (api) => {
      await api.register(healthRoutes, { services });
      await api.register(authRoutes, { services, config });
      await api.register(meRoutes, { services });
      await api.register(alertEmailRoutes, { services });
      await api.register(hostRoutes, { services, prefix: "/host" });
      await api.register(orgRoutes, { services });
      await api.register(tenantRoutes, { services, config, prefix: "/orgs/:org/tenants/:tenant" });
      await api.register(jobTokenRoutes, { services, prefix: "/job" });
      await api.register(bucketLinkRoutes, { services });
      await api.register(downloadRoutes, { config });
    },
    { prefix: "/api/v1" },
  );

  await registerRobotEndpoint(app, services, config);
  // The original product's clients (docs/compatibility.md): /{org}/{tenant}/orchestrator_/…, /odata/…, /api/….
  await odataRoutes(app, { services, config });
  await registerDownloads(app);
  await serveWebUi(app, options.webRoot ?? defaultWebRoot);
  return app;
}

/**
 * Serves the built SPA. Any GET outside /api that is not a file gets index.html so client-side
 * routes survive a reload; everything else keeps the problem+json 404. Files are looked up per
 * request, so a rebuilt UI is served without a restart. Fastify allows one not-found handler
 * per instance, so this function sets it in both cases.
 */
async function serveWebUi(app: FastifyInstance, root: string): Promise<void> {
  const index = path.join(root, "index.html");
  if (!fs.existsSync(index)) {
    app.log.warn({ root }, "web UI not built (run `npm run build:web`); serving the API only");
    app.setNotFoundHandler(sendNoEndpoint);
    return;
  }
  await app.register(fastifyStatic, { root, prefix: "/", wildcard: true, index: "index.html" });
  app.setNotFoundHandler(async (request, reply) => {
    const url = request.url.split("?")[0] ?? "/";
    if (request.method === "GET" && !url.startsWith("/api/") && !path.extname(url)) {
      const html = await fs.promises.readFile(index, "utf8");
      return reply.type("text/html; charset=utf-8").header("Cache-Control", "no-cache").send(html);
    }
    return sendNoEndpoint(request, reply);
  });
}
