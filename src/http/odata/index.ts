import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, AuthenticationError, NotFoundError, ValidationError } from "../../domain/errors.js";
import type { Config } from "../../platform/config.js";
import type { Services } from "../../services/index.js";
import { ProblemType } from "../../shared/problem-types.js";
import { clientOf } from "../auth.js";
import { sendNoEndpoint } from "../problem.js";
import { resolveContext } from "./context.js";
import { optionalString, prop, requiredString } from "./envelope.js";
import { knownButUnsupported, operations } from "./operations.js";

/** The tag of the compatibility layer in the OpenAPI document. */
export const compatibilityTag = "compatibility";

/** The original's numeric error codes for Dirigent's problem types (the TS client needs a number). */
const errorCodes: Partial<Record<string, number>> = {
  [ProblemType.validationFailed]: 1000,
  [ProblemType.authenticationRequired]: 0,
  [ProblemType.invalidCredentials]: 0,
  [ProblemType.forbidden]: 1001,
  [ProblemType.notFound]: 1002,
  [ProblemType.conflict]: 1003,
  [ProblemType.alreadyExists]: 1004,
  [ProblemType.duplicateReference]: 1016,
  [ProblemType.invalidStateTransition]: 1005,
  [ProblemType.notImplemented]: 1501,
};

const description = `The original product's REST/OData API as its official clients call it (docs/compatibility.md):
\`/{org}/{tenant}/orchestrator_/odata/…\` and \`…/api/…\`, or \`/odata/…\` and \`/api/…\` at the root with the tenant from the
\`X-UIPATH-TenantName\` header or the token. Bearer tokens are Dirigent's personal access tokens, job tokens, or tokens from
\`POST …/api/Account/Authenticate\`. Folder context: \`X-UIPATH-OrganizationUnitId\`, \`X-UIPATH-FolderKey\`,
\`X-UIPATH-FolderPath-Encoded\` (Base64 of UTF-16LE) or \`X-UIPATH-FolderPath\`. Query options: $filter, $select, $orderby,
$top (≤ 1000), $skip, $count, $expand. Operations:\n\n${operations.map((o) => `- \`${o.name}\``).join("\n")}`;

/**
 * The compatibility layer for the original product's clients: it reads their URLs, headers,
 * query options and bodies, calls the same services as /api/v1 (same permissions, audit,
 * maintenance rules and transactions) and answers in the original's shapes.
 */
export async function odataRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  await app.register(async (scope) => {
    // The clients send `Content-Type: application/json` on bodiless DELETEs and POSTs too.
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
      const text = String(body);
      if (text.trim() === "") return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(
          new ValidationError([{ path: "body", message: "is not valid JSON" }], "The request body is not valid JSON."),
          undefined,
        );
      }
    });
    scope.addHook("onSend", async (request, reply, payload) => reshapeProblem(request, reply, payload));

    const handler = (prefix: "tenant" | "root") => async (request: FastifyRequest, reply: FastifyReply) =>
      dispatch(services, request, reply, prefix);
    const schema = (summary: string) => ({ schema: { tags: [compatibilityTag], summary, description } });
    scope.all(
      "/:org/:tenant/orchestrator_/*",
      schema("The original's API below /{org}/{tenant}/orchestrator_"),
      handler("tenant"),
    );
    scope.all(
      "/:org/:tenant/api/*",
      schema("The original's /api below /{org}/{tenant} (bucket file lists)"),
      handler("tenant"),
    );
    scope.all("/odata", schema("The original's OData API at the root"), handler("root"));
    scope.all("/odata/*", schema("The original's OData API at the root"), handler("root"));
    // Only the original's controllers at the root /api (Dirigent's own /api/v1 and /api/docs keep their 404s and 414s).
    for (const controller of [
      "FoldersNavigation",
      "Buckets",
      "Status",
      "Stats",
      "RobotsService",
      "logs",
      "JobTriggers",
      "JobAttachments",
    ])
      scope.all(`/api/${controller}/*`, schema("The original's /api at the root"), handler("root"));

    const rateLimit = {
      max: config.loginRateLimit,
      timeWindow: "1 minute",
      hook: "preHandler" as const,
      keyGenerator: (request: FastifyRequest) => {
        const account = prop(request.body, "UsernameOrEmailAddress");
        return `${request.ip}|${typeof account === "string" ? account.toLowerCase() : ""}`;
      },
    };
    const authenticate = async (request: FastifyRequest, reply: FastifyReply) =>
      accountAuthenticate(services, request, reply);
    for (const path of ["/api/Account/Authenticate", "/api/account/authenticate"]) {
      scope.post(
        path,
        {
          config: { rateLimit },
          ...schema("Signs in with e-mail and password for a tenant (the original's on-premises login)"),
        },
        authenticate,
      );
      scope.post(
        `/:org/:tenant/orchestrator_${path}`,
        { config: { rateLimit }, ...schema("Signs in for this tenant") },
        authenticate,
      );
    }
  });
}

async function dispatch(services: Services, request: FastifyRequest, reply: FastifyReply, form: "tenant" | "root") {
  const raw = request.url;
  const q = raw.indexOf("?");
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  // The root /api also holds Dirigent's own API and docs: its unknown paths keep its 404.
  if (form === "root" && /^\/api\/(v1|docs)(\/|$)/.test(rawPath)) return sendNoEndpoint(request, reply);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw ValidationError.field("path", "is not a valid URL path (malformed percent-encoding)");
  }
  const params = request.params as { org?: string; tenant?: string };
  let rest = path;
  let base = `${request.protocol}://${request.host}`;
  if (form === "tenant") {
    const segments = path.split("/");
    // "", org, tenant, ("orchestrator_"), …
    const skip = segments[3]?.toLowerCase() === "orchestrator_" ? 4 : 3;
    rest = `/${segments.slice(skip).join("/")}`;
    base += `/${encodeURIComponent(params.org ?? "")}/${encodeURIComponent(params.tenant ?? "")}/orchestrator_`;
  }
  rest = rest.replace(/\/+$/, "");
  const method = request.method.toUpperCase();
  const candidates = operations.filter((o) => o.path.test(rest));
  const operation = candidates.find((o) => o.method === method);
  if (!operation) {
    if (candidates.length > 0 || knownButUnsupported.test(rest))
      throw new AppError(
        501,
        ProblemType.notImplemented,
        "Not implemented",
        `Dirigent does not offer the original's operation ${method} ${rest} (docs/compatibility.md lists what it does).`,
        { operation: `${method} ${rest}` },
      );
    throw new NotFoundError(`The operation ${method} ${rest}`);
  }
  const query = new URLSearchParams(q === -1 ? "" : raw.slice(q + 1));
  const ctx = await resolveContext(
    services,
    request,
    form === "tenant" ? { org: params.org ?? "", tenant: params.tenant ?? "" } : {},
    base,
    query,
  );
  const match = operation.path.exec(rest) ?? [];
  const result = await operation.run(ctx, match.slice(1), request.body);
  if (result.status === 204 || result.body === undefined)
    return reply.status(result.status === 200 ? 204 : result.status).send();
  return reply.status(result.status).type("application/json; charset=utf-8").send(result.body);
}

/**
 * `POST …/api/Account/Authenticate {"TenancyName","UsernameOrEmailAddress","Password"}`: an
 * ordinary Dirigent bearer token for that tenant (the same login, lock-out and rate limits as
 * `POST /api/v1/auth/token`). Prefixed: the tenant of the path (`TenancyName` must agree); root:
 * `TenancyName` = `{org}/{tenant}`.
 */
async function accountAuthenticate(services: Services, request: FastifyRequest, reply: FastifyReply) {
  const body = request.body;
  const params = request.params as { org?: string; tenant?: string };
  const refuse = (message: string) =>
    reply
      .status(400)
      .type("application/json; charset=utf-8")
      .send({
        result: null,
        targetUrl: null,
        success: false,
        error: { code: 0, message, details: null, validationErrors: null },
        unAuthorizedRequest: false,
        __abp: true,
      });
  let email: string;
  let password: string;
  let tenancy: string | undefined;
  try {
    email = requiredString(body, "UsernameOrEmailAddress", 254);
    password = requiredString(body, "Password", 1000);
    tenancy = optionalString(body, "TenancyName", 300);
  } catch (error) {
    if (error instanceof ValidationError) return refuse("UsernameOrEmailAddress and Password are required.");
    throw error;
  }
  let orgRef: string;
  let tenantRef: string;
  if (params.org !== undefined && params.tenant !== undefined) {
    orgRef = params.org;
    tenantRef = params.tenant;
    if (
      tenancy &&
      tenancy.toLowerCase() !== params.tenant.toLowerCase() &&
      tenancy.toLowerCase() !== `${params.org}/${params.tenant}`.toLowerCase()
    )
      return refuse("TenancyName does not name the tenant of this URL.");
  } else {
    const parts = tenancy?.split("/") ?? [];
    if (parts.length !== 2 || !parts[0] || !parts[1])
      return refuse(
        'TenancyName must be "{organization}/{tenant}" at this URL (or use /{org}/{tenant}/orchestrator_/api/Account/Authenticate).',
      );
    [orgRef, tenantRef] = parts as [string, string];
  }
  const org = await services.organizations.find(services.ctx.db, orgRef.slice(0, 200)).catch(() => null);
  const tenant = org ? await services.organizations.getTenant(org.id, tenantRef.slice(0, 200)).catch(() => null) : null;
  try {
    // An unknown organization or tenant answers exactly like wrong credentials.
    if (!org || !tenant) throw new AuthenticationError(ProblemType.invalidCredentials);
    const issued = await services.auth.login(
      { organization: org.slug, email, password },
      "bearer",
      clientOf(request),
      tenant.id,
    );
    return reply.status(200).type("application/json; charset=utf-8").send({
      result: issued.token,
      targetUrl: null,
      success: true,
      error: null,
      unAuthorizedRequest: false,
      __abp: true,
    });
  } catch (error) {
    if (error instanceof AuthenticationError) return refuse("Invalid username or password!");
    throw error;
  }
}

/**
 * Errors leave in the original's shape as well as Dirigent's: the problem fields plus
 * `message`, `errorCode` and `traceId`, as `application/json` (all three clients parse it).
 */
async function reshapeProblem(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  const type = String(reply.getHeader("content-type") ?? "");
  if (!type.startsWith("application/problem+json") || typeof payload !== "string") return payload;
  // Dirigent's own /api/v1 and docs pass through the root /api/* route when unknown: they keep problem+json.
  if (/^\/api\/(v1|docs)(\/|$|\?)/.test(request.url)) return payload;
  try {
    const problem = JSON.parse(payload) as {
      type?: string;
      title?: string;
      detail?: string;
      status?: number;
      errors?: { path: string; message: string }[];
    };
    reply.type("application/json; charset=utf-8");
    // The clients show `message` only: it names every invalid field, as the problem's `errors` do.
    const fields = (problem.errors ?? []).map((e) => `${e.path} ${e.message}`).join("; ");
    return JSON.stringify({
      message:
        fields && problem.detail === "One or more fields are invalid."
          ? `${fields}.`
          : (problem.detail ?? problem.title ?? "Error"),
      errorCode: errorCodes[problem.type ?? ""] ?? (problem.status ?? 500) * 10,
      traceId: request.id,
      ...problem,
    });
  } catch {
    return payload;
  }
}
