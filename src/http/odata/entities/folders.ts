import { NotFoundError } from "../../../domain/errors.js";
import type { ProcessRow } from "../../../storage/schema.js";
import type { ODataContext, ODataFolder } from "../context.js";
import {
  type Dto,
  idOf,
  listQuery,
  type ODataResult,
  priorityName,
  queryOf,
  selectFields,
  single,
} from "../envelope.js";
import type { FilterNode, Literal } from "../query/filter-parser.js";
import type { EntityModel } from "../query/query-options.js";

export const folderModel: EntityModel = {
  set: "Folders",
  defaultOrder: { column: "id", direction: "asc" },
  properties: [
    { name: "Id", column: "Id", type: "int" },
    { name: "Key", column: "Key", type: "guid" },
    { name: "DisplayName", column: "DisplayName", type: "string" },
    { name: "FullyQualifiedName", column: "FullyQualifiedName", type: "string" },
    { name: "Description", column: "Description", type: "string" },
    { name: "ParentId", column: "ParentId", type: "int" },
    { name: "ParentKey", column: "ParentKey", type: "guid" },
    ...["FolderType", "ProvisionType", "PermissionModel", "IsActive", "FeedType"].map((name) => ({
      name,
      type: "string" as const,
    })),
  ],
};

function presentFolder(folder: ODataFolder, all: ReadonlyMap<number, ODataFolder>): Dto {
  const parent = folder.row.parent_id === null ? undefined : all.get(folder.row.parent_id);
  return {
    Id: folder.row.id,
    Key: folder.row.key,
    DisplayName: folder.row.name,
    FullyQualifiedName: folder.path,
    Description: folder.row.description,
    ParentId: folder.row.parent_id,
    ParentKey: parent?.row.key ?? null,
    FolderType: "Standard",
    ProvisionType: "Automatic",
    PermissionModel: "FineGrained",
    IsActive: true,
    FeedType: "Processes",
  };
}

/**
 * The folder tree is small and its paths are computed, so Folders are filtered in memory with the
 * same parsed `$filter` (the same whitelist; text compares case-insensitively, as the original).
 */
function matches(node: FilterNode, dto: Dto): boolean {
  switch (node.kind) {
    case "and":
      return matches(node.left, dto) && matches(node.right, dto);
    case "or":
      return matches(node.left, dto) || matches(node.right, dto);
    case "not":
      return !matches(node.operand, dto);
    case "function": {
      const value = fieldOf(dto, node.property);
      const text = typeof value === "string" ? value.toLowerCase() : "";
      const wanted = node.value.type === "string" ? node.value.value.toLowerCase() : "";
      const hit =
        node.name === "contains"
          ? text.includes(wanted)
          : node.name === "startswith"
            ? text.startsWith(wanted)
            : text.endsWith(wanted);
      return hit !== node.negated;
    }
    case "in":
      return node.values.some((v) => compare(fieldOf(dto, node.property), v) === 0);
    case "compare": {
      const c = compare(fieldOf(dto, node.property), node.value);
      if (c === null) return node.op === "ne";
      return { eq: c === 0, ne: c !== 0, gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0 }[node.op];
    }
  }
}

function fieldOf(dto: Dto, property: string): unknown {
  const lower = property.toLowerCase();
  const key = Object.keys(dto).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : dto[key];
}

function compare(actual: unknown, literal: Literal): number | null {
  if (literal.type === "null") return actual === null || actual === undefined ? 0 : 1;
  if (actual === null || actual === undefined) return null;
  if (typeof actual === "number") {
    const n =
      literal.type === "number" ? literal.value : Number(literal.type === "string" ? literal.value : Number.NaN);
    return Number.isNaN(n) ? 1 : actual - n;
  }
  const a = String(actual).toLowerCase();
  const b = String(literal.value).toLowerCase();
  return a === b ? 0 : a < b ? -1 : 1;
}

/** `GET /odata/Folders`: the folders the caller can see. */
export async function listFolders(ctx: ODataContext): Promise<ODataResult> {
  const query = queryOf(ctx, folderModel);
  const all = await ctx.folders();
  let dtos = [...all.values()]
    .filter((f) => ctx.access.seesFolder(f.row.id))
    .sort((a, b) => a.row.id - b.row.id)
    .map((f) => presentFolder(f, all));
  if (query.filter) dtos = dtos.filter((d) => matches(query.filter as FilterNode, d));
  for (const o of [...query.orderBy].reverse()) {
    const name = o.column;
    dtos.sort((x, y) => {
      const c = compare(x[name], { type: "string", value: String(y[name] ?? "") }) ?? -1;
      return o.direction === "desc" ? -c : c;
    });
  }
  const count = dtos.length;
  dtos = dtos.slice(query.skip, query.skip + query.top).map((d) => selectFields(d, query.select));
  return {
    status: 200,
    body: {
      "@odata.context": `${ctx.base}/odata/$metadata#Folders`,
      ...(query.count && { "@odata.count": count }),
      value: dtos,
    },
  };
}

export async function getFolder(ctx: ODataContext, id: string): Promise<ODataResult> {
  const all = await ctx.folders();
  const folder = all.get(idOf(id));
  if (!folder || !ctx.access.seesFolder(folder.row.id)) throw new NotFoundError("The folder");
  return single(ctx, "Folders", selectFields(presentFolder(folder, all), queryOf(ctx, folderModel).select));
}

/** `GET /api/FoldersNavigation/GetFoldersForCurrentUser?searchText=&skip=&take=` (the Python client's folder lookup). */
export async function foldersForCurrentUser(ctx: ODataContext): Promise<ODataResult> {
  const search = (ctx.query.get("searchText") ?? "").toLowerCase();
  const skip = Math.min(Number(/^\d{1,9}$/.test(ctx.query.get("skip") ?? "") ? ctx.query.get("skip") : 0), 1e9);
  const takeRaw = Number(/^\d{1,4}$/.test(ctx.query.get("take") ?? "") ? ctx.query.get("take") : 20);
  const take = Math.min(Math.max(takeRaw, 1), 1000);
  const all = await ctx.folders();
  const found = [...all.values()]
    .filter((f) => ctx.access.seesFolder(f.row.id) && f.row.name.toLowerCase().includes(search))
    .sort((a, b) => a.path.localeCompare(b.path));
  return {
    status: 200,
    body: { PageItems: found.slice(skip, skip + take).map((f) => presentFolder(f, all)), Count: found.length },
  };
}

// ---- Releases (Dirigent's processes) ----

export const releaseModel: EntityModel = {
  set: "Releases",
  defaultOrder: { column: "processes.id", direction: "asc" },
  properties: [
    { name: "Id", column: "processes.id", type: "int" },
    { name: "Key", column: "processes.key", type: "guid" },
    { name: "Name", column: "processes.name", type: "string" },
    { name: "Description", column: "processes.description", type: "string" },
    { name: "ProcessKey", column: "processes.package_name", type: "string" },
    { name: "ProcessVersion", column: "processes.package_version", type: "string" },
    { name: "EntryPointPath", column: "processes.entry_point", type: "string" },
    { name: "OrganizationUnitId", column: "processes.folder_id", type: "int" },
    { name: "SpecificPriorityValue", column: "processes.priority", type: "int" },
    { name: "CreationTime", column: "processes.created_at", type: "date" },
    { name: "LastModificationTime", column: "processes.updated_at", type: "date" },
    ...[
      "IsLatestVersion",
      "IsProcessDeleted",
      "EntryPointId",
      "InputArguments",
      "Arguments",
      "ProcessType",
      "JobPriority",
      "FolderKey",
      "OrganizationUnitFullyQualifiedName",
      "CreatorUserId",
      "LastModifierUserId",
      "SupportsMultipleEntryPoints",
      "RequiresUserInteraction",
      "IsConversational",
      "IsCompiled",
      "AutoUpdate",
      "TargetFramework",
      "RobotSize",
      "FeedId",
    ].map((name) => ({ name, type: "string" as const })),
  ],
};

interface ManifestEntryPoint {
  name: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
}

async function presentReleases(ctx: ODataContext, rows: ProcessRow[]): Promise<Dto[]> {
  const folders = await ctx.folders();
  const names = [...new Set(rows.map((r) => r.package_name))];
  const packages =
    names.length === 0
      ? []
      : await ctx.services.ctx.db
          .selectFrom("packages")
          .select(["id", "name", "version", "manifest_json", "created_at"])
          .where("tenant_id", "=", ctx.tenant.id)
          .where("name", "in", names)
          .orderBy("id", "desc")
          .execute();
  return rows.map((r) => {
    // No version pinned = the latest uploaded one (the newest row of that name).
    const pkg = packages.find(
      (p) => p.name === r.package_name && (r.package_version === null || p.version === r.package_version),
    );
    const entry = pkg
      ? ((JSON.parse(pkg.manifest_json) as { entryPoints?: ManifestEntryPoint[] }).entryPoints ?? []).find(
          (e) => e.name === r.entry_point,
        )
      : undefined;
    const folder = folders.get(r.folder_id);
    return {
      Id: r.id,
      Key: r.key,
      Name: r.name,
      Description: r.description,
      ProcessKey: r.package_name,
      ProcessVersion: r.package_version ?? pkg?.version ?? null,
      IsLatestVersion: r.package_version === null,
      IsProcessDeleted: pkg === undefined,
      EntryPointId: null,
      EntryPointPath: r.entry_point,
      InputArguments: r.input_json === "{}" ? null : r.input_json,
      Arguments: {
        Input: entry?.inputSchema ? JSON.stringify(entry.inputSchema) : null,
        Output: entry?.outputSchema ? JSON.stringify(entry.outputSchema) : null,
      },
      ProcessType: "Process",
      JobPriority: priorityName(r.priority),
      SpecificPriorityValue: r.priority,
      FolderKey: folder?.row.key ?? null,
      OrganizationUnitId: r.folder_id,
      OrganizationUnitFullyQualifiedName: folder?.path ?? null,
      CreationTime: r.created_at,
      CreatorUserId: null,
      LastModificationTime: r.updated_at,
      LastModifierUserId: null,
      SupportsMultipleEntryPoints: false,
      RequiresUserInteraction: false,
      IsConversational: false,
      IsCompiled: false,
      AutoUpdate: false,
      TargetFramework: null,
      RobotSize: null,
      FeedId: null,
    };
  });
}

/** `GET /odata/Releases`: the header's folder, or every folder the caller may see processes in. */
export async function listReleases(ctx: ODataContext): Promise<ODataResult> {
  const folder = await ctx.headerFolder();
  const allowed = ctx.access.foldersWith("processes.view");
  let base = ctx.services.ctx.db.selectFrom("processes").selectAll().where("processes.tenant_id", "=", ctx.tenant.id);
  if (folder) {
    if (allowed !== "all" && !allowed.includes(folder.row.id)) base = base.where("processes.id", "<", 0);
    base = base.where("processes.folder_id", "=", folder.row.id);
  } else if (allowed !== "all") {
    base = allowed.length === 0 ? base.where("processes.id", "<", 0) : base.where("processes.folder_id", "in", allowed);
  }
  return listQuery(ctx, releaseModel, base, (rows: ProcessRow[]) => presentReleases(ctx, rows));
}

export async function getRelease(ctx: ODataContext, id: string): Promise<ODataResult> {
  const folder = await ctx.headerFolder();
  // The service's read checks the caller's permission (processes.view, 404 otherwise).
  await ctx.services.processes.get(ctx.access, idOf(id));
  const row = await ctx.services.ctx.db
    .selectFrom("processes")
    .selectAll()
    .where("id", "=", idOf(id))
    .where("tenant_id", "=", ctx.tenant.id)
    .executeTakeFirst();
  if (!row || (folder && row.folder_id !== folder.row.id)) throw new NotFoundError("The release");
  const [dto] = await presentReleases(ctx, [row]);
  return single(ctx, "Releases", selectFields(dto as Dto, queryOf(ctx, releaseModel).select));
}
