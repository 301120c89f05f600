import type { FastifyRequest } from "fastify";
import { AppError, AuthenticationError, NotFoundError, ValidationError } from "../../domain/errors.js";
import type { TenantAccess } from "../../services/access/access-service.js";
import type { Actor } from "../../services/context.js";
import type { Tenant } from "../../services/host/organization-service.js";
import type { Services } from "../../services/index.js";
import type { QueueCaller } from "../../services/queues/queue-model.js";
import { AccountStatus } from "../../shared/identity.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { FolderRow, OrganizationRow } from "../../storage/schema.js";
import { actorOf, requireAuth } from "../auth.js";
import { hasJobToken, type JobAuth, jobAccess, requireJobToken } from "../job-auth.js";
import { signedInTenant } from "../routes/tenant/context.js";

/** A folder as the original's clients name it: with its key and fully qualified path. */
export interface ODataFolder {
  row: FolderRow;
  path: string;
}

/** Everything an OData operation works with: who calls, in which tenant, with which rights. */
export interface ODataContext {
  services: Services;
  request: FastifyRequest;
  org: OrganizationRow;
  tenant: Tenant;
  access: TenantAccess;
  actor: Actor;
  job: JobAuth | null;
  /** `http://host:port/{org}/{tenant}/orchestrator_` or `http://host:port` (root form): for `@odata.context`. */
  base: string;
  query: URLSearchParams;
  /** The tenant's folders by id (cached across requests until a folder changes). */
  folders(): Promise<ReadonlyMap<number, ODataFolder>>;
  /** The folder the headers name (path > key > id); null when none was sent. 404 when not visible. */
  headerFolder(): Promise<ODataFolder | null>;
  /** The headers' folder, 400 when none was sent. */
  requireFolder(): Promise<ODataFolder>;
  caller(): QueueCaller;
}

const guid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isGuid(text: string): boolean {
  return guid.test(text);
}

/** An org or tenant reference that can name something (ids beyond 32 bits or long texts cannot). */
function isReference(ref: string): boolean {
  return ref.length > 0 && ref.length <= 200 && (!/^\d+$/.test(ref) || (ref.length <= 10 && Number(ref) < 2 ** 31));
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === "" ? undefined : text.trim();
}

/**
 * Authenticates an OData request: a job token (`dgj_…`, a robot's rights in its job's folder) or
 * a user's bearer token (personal access token or a token from Authenticate), exactly as
 * `/api/v1` does, then resolves the tenant: from the path (`/{org}/{tenant}/…`), else the
 * `X-UIPATH-TenantName` header, else the tenant the token was minted for.
 */
export async function resolveContext(
  services: Services,
  request: FastifyRequest,
  path: { org?: string; tenant?: string },
  base: string,
  query: URLSearchParams,
): Promise<ODataContext> {
  if (!request.headers.authorization) throw new AuthenticationError(undefined, "Send `Authorization: Bearer <token>`.");
  let org: OrganizationRow;
  let tenant: Tenant;
  let access: TenantAccess;
  let job: JobAuth | null = null;
  const tenantHeader = header(request, "x-uipath-tenantname");
  if (hasJobToken(request)) {
    await requireJobToken(services)(request);
    job = request.jobAuth as JobAuth;
    const found = await services.organizations.find(services.ctx.db, String(job.orgId));
    if (path.org !== undefined && path.tenant !== undefined) {
      if (!isReference(path.org) || !isReference(path.tenant)) throw new NotFoundError("The tenant");
      const named = await services.organizations.find(services.ctx.db, path.org).catch(() => null);
      if (!named || named.id !== job.orgId) throw new NotFoundError("The organization");
      const t = await services.organizations.getTenant(named.id, path.tenant);
      if (t.id !== job.tenantId) throw new NotFoundError("The tenant");
    }
    org = found;
    tenant = await services.organizations.getTenant(org.id, String(job.tenantId));
    if (tenant.status !== AccountStatus.active)
      throw new AppError(409, ProblemType.tenantDisabled, "Tenant disabled", "This tenant is disabled.");
    access = jobAccess(job);
  } else {
    await requireAuth(services)(request, undefined as never);
    const auth = request.auth;
    if (!auth) throw new AuthenticationError();
    const principal = auth.principal;
    let orgRef = path.org;
    let tenantRef = path.tenant;
    if (orgRef === undefined) {
      // Root form: "{tenant}" within the caller's organization, or "{org}/{tenant}".
      const named = tenantHeader?.split("/");
      if (named && named.length === 2) [orgRef, tenantRef] = named;
      else if (named && named.length === 1) tenantRef = named[0];
      if (orgRef === undefined && principal.kind === "user") orgRef = String(principal.organization.id);
      if (tenantRef === undefined && auth.tokenRow.tenant_id !== null) tenantRef = String(auth.tokenRow.tenant_id);
      if (orgRef === undefined || tenantRef === undefined)
        throw new ValidationError(
          [
            {
              path: "X-UIPATH-TenantName",
              message: "is required: name the tenant (or use /{org}/{tenant}/orchestrator_/…)",
            },
          ],
          "Which tenant? Use the URL /{org}/{tenant}/orchestrator_/…, the X-UIPATH-TenantName header, or a token from /api/Account/Authenticate.",
        );
    }
    if (!isReference(orgRef) || !isReference(tenantRef as string)) throw new NotFoundError("The tenant");
    // Also refuses a disabled tenant (409) and a user's tenant under maintenance.
    ({ org, tenant, access } = await signedInTenant(services, request, orgRef, tenantRef as string));
  }

  let folderCache: Promise<ReadonlyMap<number, ODataFolder>> | null = null;
  // Cached across requests (RequestCache `folders`): every folder write makes every node forget it.
  const folders = () => {
    const tenantId = tenant.id;
    folderCache ??= services.requestCache.get("folders", String(tenantId), () => tenantFolders(services, tenantId));
    return folderCache;
  };
  const visible = (folder: ODataFolder | undefined): ODataFolder => {
    if (!folder || !access.seesFolder(folder.row.id)) throw new NotFoundError("The folder");
    return folder;
  };
  const headerFolder = async (): Promise<ODataFolder | null> => {
    const encoded = header(request, "x-uipath-folderpath-encoded");
    const plain = header(request, "x-uipath-folderpath");
    const key = header(request, "x-uipath-folderkey");
    const id = header(request, "x-uipath-organizationunitid");
    if (encoded === undefined && plain === undefined && key === undefined && id === undefined) return null;
    const all = await folders();
    // Precedence as the original: path > key > id.
    if (encoded !== undefined || plain !== undefined) {
      const wanted = encoded !== undefined ? decodeFolderPath(encoded) : (plain as string);
      const normalized = wanted.replace(/^\/+|\/+$/g, "").toLowerCase();
      return visible([...all.values()].find((f) => f.path.toLowerCase() === normalized));
    }
    if (key !== undefined) {
      if (!isGuid(key)) throw ValidationError.field("X-UIPATH-FolderKey", "is not a GUID");
      return visible([...all.values()].find((f) => f.row.key === key.toLowerCase()));
    }
    if (!/^\d{1,10}$/.test(id as string) || Number(id) >= 2 ** 31)
      throw ValidationError.field("X-UIPATH-OrganizationUnitId", "is not a folder id (a whole number)");
    return visible(all.get(Number(id)));
  };
  return {
    services,
    request,
    org,
    tenant,
    access,
    actor: actorOf(request),
    job,
    base,
    query,
    folders,
    headerFolder,
    async requireFolder() {
      const folder = await headerFolder();
      if (!folder)
        throw new ValidationError(
          [{ path: "X-UIPATH-OrganizationUnitId", message: "is required: name the folder" }],
          "This operation needs a folder: send X-UIPATH-OrganizationUnitId, X-UIPATH-FolderKey or X-UIPATH-FolderPath(-Encoded).",
        );
      return folder;
    },
    caller() {
      return {
        actor: actorOf(request),
        orgId: org.id,
        ...(job && { job: { id: job.jobId, machineId: job.machineId } }),
      };
    },
  };
}

/**
 * `X-UIPATH-FolderPath-Encoded`: Base64 of the path's UTF-16LE bytes. Anything that is not
 * strict Base64 of an even number of bytes, or holds unpaired surrogates or NUL, is a 400.
 */
export function decodeFolderPath(encoded: string): string {
  const invalid = () => ValidationError.field("X-UIPATH-FolderPath-Encoded", "is not Base64 of a UTF-16LE path");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0 || encoded.length > 8000) throw invalid();
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length === 0 || bytes.length % 2 !== 0) throw invalid();
  const text = bytes.toString("utf16le");
  if (text.includes("\u0000") || loneSurrogate.test(text)) throw invalid();
  return text;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The other direction, for tests and docs. */
export function encodeFolderPath(path: string): string {
  return Buffer.from(path, "utf16le").toString("base64");
}

/** A tenant's folders by id, each with its path of names (`Finance/Invoices`). */
async function tenantFolders(services: Services, tenantId: number): Promise<ReadonlyMap<number, ODataFolder>> {
  const rows = await services.ctx.db.selectFrom("folders").selectAll().where("tenant_id", "=", tenantId).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const pathOf = (row: FolderRow): string => {
    const names: string[] = [];
    for (let r: FolderRow | undefined = row; r; r = r.parent_id === null ? undefined : byId.get(r.parent_id))
      names.unshift(r.name);
    return names.join("/");
  };
  return new Map(rows.map((r) => [r.id, { row: r, path: pathOf(r) }]));
}
