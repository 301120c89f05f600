import { ForbiddenError, NotFoundError, ValidationError } from "../../../domain/errors.js";
import type { Asset } from "../../../services/assets/asset-reader.js";
import type { JobAsset } from "../../../services/assets/job-asset-service.js";
import { present as presentBucket } from "../../../services/buckets/bucket-service.js";
import { AssetType } from "../../../shared/assets.js";
import type { AssetRow, BucketRow } from "../../../storage/schema.js";
import type { ODataContext } from "../context.js";
import { isGuid } from "../context.js";
import {
  type Dto,
  idOf,
  listQuery,
  type ODataResult,
  optionalInt,
  optionalString,
  prop,
  queryOf,
  requiredString,
  selectFields,
  single,
} from "../envelope.js";
import type { EntityModel } from "../query/query-options.js";

const valueTypes: Record<string, AssetType> = {
  text: AssetType.text,
  bool: AssetType.bool,
  integer: AssetType.integer,
  credential: AssetType.credential,
};
const typeNames: Record<AssetType, string> = {
  text: "Text",
  bool: "Bool",
  integer: "Integer",
  credential: "Credential",
};

export const assetModel: EntityModel = {
  set: "Assets",
  defaultOrder: { column: "assets.id", direction: "asc" },
  properties: [
    { name: "Id", column: "assets.id", type: "int" },
    { name: "Key", column: "assets.key", type: "guid" },
    { name: "Name", column: "assets.name", type: "string" },
    { name: "Description", column: "assets.description", type: "string" },
    { name: "ValueType", column: "assets.type", type: { enum: valueTypes } },
    { name: "OrganizationUnitId", column: "assets.folder_id", type: "int" },
    { name: "CreationTime", column: "assets.created_at", type: "date" },
    { name: "LastModificationTime", column: "assets.updated_at", type: "date" },
    ...[
      "ValueScope",
      "Value",
      "StringValue",
      "BoolValue",
      "IntValue",
      "CredentialUsername",
      "CredentialStoreId",
      "ExternalName",
      "HasDefaultValue",
      "CanBeDeleted",
      "KeyValueList",
      "FoldersCount",
      "CreatorUserId",
      "LastModifierUserId",
    ].map((name) => ({ name, type: "string" as const })),
  ],
};

function presentAsset(a: Asset): Dto {
  const v = a.value;
  const credential = typeof v === "object" && v !== null ? v : null;
  return {
    Id: a.id,
    Key: a.key,
    Name: a.name,
    Description: a.description,
    ValueScope: a.machineValues.length > 0 ? "PerRobot" : "Global",
    ValueType: typeNames[a.type],
    Value:
      v === null
        ? null
        : credential
          ? credential.username
          : typeof v === "boolean"
            ? v
              ? "True"
              : "False"
            : String(v),
    StringValue: a.type === "text" && typeof v === "string" ? v : null,
    BoolValue: a.type === "bool" ? v === true : false,
    IntValue: a.type === "integer" && typeof v === "number" ? v : 0,
    CredentialUsername: credential?.username ?? null,
    CredentialPassword: null,
    CredentialStoreId: null,
    ExternalName: null,
    HasDefaultValue: v !== null,
    CanBeDeleted: true,
    KeyValueList: [],
    FoldersCount: 1,
    CreationTime: a.createdAt,
    CreatorUserId: null,
    LastModificationTime: a.updatedAt,
    LastModifierUserId: null,
    OrganizationUnitId: a.folderId,
  };
}

/** `GET …/Assets/…GetFiltered` (folder required), `GET /odata/Assets`, `…GetAssetsAcrossFolders`. */
export async function listAssets(ctx: ODataContext, mode: "folder" | "optional" | "across"): Promise<ODataResult> {
  const folder = mode === "folder" ? await ctx.requireFolder() : mode === "optional" ? await ctx.headerFolder() : null;
  const allowed = ctx.access.foldersWith("assets.view");
  let base = ctx.services.ctx.db.selectFrom("assets").selectAll().where("assets.tenant_id", "=", ctx.tenant.id);
  if (folder) {
    base = base.where(
      "assets.folder_id",
      "=",
      allowed === "all" || allowed.includes(folder.row.id) ? folder.row.id : -1,
    );
  } else if (allowed !== "all") {
    base = allowed.length === 0 ? base.where("assets.id", "<", 0) : base.where("assets.folder_id", "in", allowed);
  }
  // Values are opened through the assets service (passwords never leave it here).
  return listQuery(ctx, assetModel, base, async (rows: AssetRow[]) => {
    const out: Dto[] = [];
    for (const row of rows) out.push(presentAsset(await ctx.services.assets.get(ctx.access, row.id)));
    return out;
  });
}

export async function getAsset(ctx: ODataContext, id: string): Promise<ODataResult> {
  const asset = await ctx.services.assets.get(ctx.access, idOf(id));
  return single(ctx, "Assets", selectFields(presentAsset(asset), queryOf(ctx, assetModel).select));
}

function assetValue(body: unknown, type: AssetType): unknown {
  switch (type) {
    case "text":
      return optionalString(body, "StringValue", 1_000_000) ?? optionalString(body, "Value", 1_000_000) ?? null;
    case "bool": {
      const b = prop(body, "BoolValue");
      return b === undefined ? null : b;
    }
    case "integer": {
      const n = prop(body, "IntValue");
      return n === undefined ? null : n;
    }
    case "credential": {
      const username = optionalString(body, "CredentialUsername", 1000);
      const password = optionalString(body, "CredentialPassword", 1000);
      return username === undefined && password === undefined
        ? null
        : { username: username ?? "", password: password ?? "" };
    }
  }
}

function typeOf(body: unknown): AssetType {
  const name = requiredString(body, "ValueType", 40).toLowerCase();
  const type = valueTypes[name];
  if (!type)
    throw ValidationError.field(
      "ValueType",
      "must be Text, Bool, Integer or Credential (Dirigent has no other asset types)",
    );
  return type;
}

/** `POST /odata/Assets` → 201. */
export async function createAsset(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const folder = await ctx.requireFolder();
  const type = typeOf(body);
  const asset = await ctx.services.assets.create(ctx.actor, ctx.org.id, ctx.access, folder.row.id, {
    name: requiredString(body, "Name", 256),
    description: optionalString(body, "Description", 1000) ?? null,
    type,
    value: assetValue(body, type),
  });
  return single(ctx, "Assets", presentAsset(asset), 201);
}

/** `PUT /odata/Assets({id})` → 204 (the value of the asset's fixed type). */
export async function updateAsset(ctx: ODataContext, id: string, body: unknown): Promise<ODataResult> {
  const current = await ctx.services.assets.get(ctx.access, idOf(id));
  const value = assetValue(body, current.type);
  const name = optionalString(body, "Name", 256);
  const description = optionalString(body, "Description", 1000);
  await ctx.services.assets.update(ctx.actor, ctx.org.id, ctx.access, current.id, {
    ...(name !== undefined && { name }),
    ...(description !== undefined && { description }),
    ...(value !== null && { value }),
  });
  return { status: 204 };
}

export async function deleteAsset(ctx: ODataContext, id: string): Promise<ODataResult> {
  await ctx.services.assets.delete(ctx.actor, ctx.org.id, ctx.access, idOf(id));
  return { status: 204 };
}

function presentRobotAsset(asset: JobAsset, id: number | null): Dto {
  const credential = asset.type === "credential";
  return {
    Id: id,
    Name: asset.name,
    ValueType: typeNames[asset.type],
    Value: credential ? asset.username : asset.type === "bool" ? (asset.value ? "True" : "False") : String(asset.value),
    StringValue: asset.type === "text" ? asset.value : null,
    BoolValue: asset.type === "bool" ? asset.value : false,
    IntValue: asset.type === "integer" ? asset.value : 0,
    CredentialUsername: credential ? asset.username : null,
    CredentialPassword: credential ? asset.password : null,
    SecretValue: null,
    KeyValueList: [],
  };
}

/**
 * `POST …/Assets/…GetRobotAssetByNameForRobotKey {"assetName","robotKey"?}` and OC's
 * `GET …GetRobotAsset(robotId=…,assetName=…)`: for running jobs only (their job token); the
 * job's machine decides the value, as `GET /api/v1/job/assets/{name}`. The only answer with a password.
 */
export async function robotAsset(ctx: ODataContext, name: string): Promise<ODataResult> {
  const job = ctx.job;
  if (!job)
    throw new ForbiddenError("Robot assets are for running jobs: call with the job's token (UIPATH_ACCESS_TOKEN).");
  const asset = await ctx.services.jobAssets.read(
    { orgId: job.orgId, tenantId: job.tenantId, folderId: job.folderId, machineId: job.machineId },
    name,
  );
  const row = await ctx.services.ctx.db
    .selectFrom("assets")
    .select("id")
    .where("tenant_id", "=", job.tenantId)
    .where("folder_id", "=", job.folderId)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()))
    .executeTakeFirst();
  return { status: 200, body: presentRobotAsset(asset, row?.id ?? null) };
}

export function robotAssetByBody(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const robotKey = optionalString(body, "robotKey", 100);
  if (robotKey !== undefined && robotKey !== "" && !isGuid(robotKey))
    throw ValidationError.field("robotKey", "is not a GUID");
  return robotAsset(ctx, requiredString(body, "assetName", 256));
}

// ---- Buckets ----

export const bucketModel: EntityModel = {
  set: "Buckets",
  defaultOrder: { column: "buckets.id", direction: "asc" },
  properties: [
    { name: "Id", column: "buckets.id", type: "int" },
    { name: "Name", column: "buckets.name", type: "string" },
    { name: "Description", column: "buckets.description", type: "string" },
    { name: "Identifier", column: "buckets.key", type: "guid" },
    { name: "OrganizationUnitId", column: "buckets.folder_id", type: "int" },
    ...[
      "StorageProvider",
      "StorageParameters",
      "StorageContainer",
      "Options",
      "CredentialStoreId",
      "ExternalName",
      "Password",
      "FoldersCount",
    ].map((name) => ({ name, type: "string" as const })),
  ],
};

function presentBucketDto(row: BucketRow): Dto {
  const b = presentBucket(row);
  return {
    Id: b.id,
    Name: b.name,
    Description: b.description,
    Identifier: b.key,
    StorageProvider: b.provider === "local" ? null : "Amazon",
    StorageParameters: null,
    StorageContainer: b.s3?.bucket ?? null,
    Options: b.readOnly ? "ReadOnly" : "None",
    CredentialStoreId: null,
    ExternalName: null,
    Password: null,
    FoldersCount: 1,
    OrganizationUnitId: b.folderId,
  };
}

export async function listBuckets(ctx: ODataContext, across: boolean): Promise<ODataResult> {
  const folder = across ? null : await ctx.headerFolder();
  const allowed = ctx.access.foldersWith("buckets.view");
  let base = ctx.services.ctx.db.selectFrom("buckets").selectAll().where("buckets.tenant_id", "=", ctx.tenant.id);
  if (folder) {
    base = base.where(
      "buckets.folder_id",
      "=",
      allowed === "all" || allowed.includes(folder.row.id) ? folder.row.id : -1,
    );
  } else if (allowed !== "all") {
    base = allowed.length === 0 ? base.where("buckets.id", "<", 0) : base.where("buckets.folder_id", "in", allowed);
  }
  return listQuery(ctx, bucketModel, base, (rows: BucketRow[]) => rows.map(presentBucketDto));
}

export async function getBucket(ctx: ODataContext, id: string): Promise<ODataResult> {
  const row = await ctx.services.buckets.find(ctx.access, idOf(id), "buckets.view");
  return single(ctx, "Buckets", selectFields(presentBucketDto(row), queryOf(ctx, bucketModel).select));
}

export async function getBucketByKey(ctx: ODataContext, identifier: string): Promise<ODataResult> {
  const key = identifier.replace(/^'(.*)'$/, "$1");
  if (!isGuid(key)) throw ValidationError.field("identifier", "is not a GUID");
  const row = await ctx.services.ctx.db
    .selectFrom("buckets")
    .select("id")
    .where("tenant_id", "=", ctx.tenant.id)
    .where("key", "=", key.toLowerCase())
    .executeTakeFirst();
  if (!row) throw new NotFoundError("The bucket");
  return getBucket(ctx, String(row.id));
}

export async function createBucket(ctx: ODataContext, body: unknown): Promise<ODataResult> {
  const folder = await ctx.requireFolder();
  const bucket = await ctx.services.buckets.create(ctx.actor, ctx.org.id, ctx.access, folder.row.id, {
    name: requiredString(body, "Name", 200),
    description: optionalString(body, "Description", 1000) ?? null,
  });
  const row = await ctx.services.buckets.find(ctx.access, bucket.id, "buckets.view");
  return single(ctx, "Buckets", presentBucketDto(row), 201);
}

export async function deleteBucket(ctx: ODataContext, id: string): Promise<ODataResult> {
  await ctx.services.buckets.delete(ctx.actor, ctx.org.id, ctx.access, idOf(id));
  return { status: 204 };
}

/** `GET Buckets({id})/…GetReadUri|GetWriteUri?path=&expiryInMinutes=&contentType=`: a signed Dirigent link. */
export async function bucketUri(ctx: ODataContext, id: string, verb: "GET" | "PUT"): Promise<ODataResult> {
  const row = await ctx.services.buckets.find(ctx.access, idOf(id), verb === "GET" ? "buckets.view" : "buckets.edit");
  const path = ctx.query.get("path");
  if (!path) throw ValidationError.field("path", "is required");
  const expiry = optionalInt({ e: ctx.query.get("expiryInMinutes") ?? undefined }, "e", 0, 10_080) || 60;
  const contentType = ctx.query.get("contentType");
  const request = ctx.request;
  const link = await ctx.services.bucketFiles.link(ctx.actor, { orgId: ctx.org.id }, row, {
    path,
    verb,
    expiresInMinutes: expiry,
    contentType: contentType || null,
    baseUrl: `${request.protocol}://${request.host}`,
  });
  const headers = Object.entries(link.headers);
  return {
    status: 200,
    body: {
      "@odata.context": `${ctx.base}/odata/$metadata#UiPath.Application.Dto.BlobFileAccessDto`,
      Uri: link.uri,
      Verb: link.verb,
      RequiresAuth: false,
      Headers: { Keys: headers.map(([k]) => k), Values: headers.map(([, v]) => v) },
    },
  };
}

/** `GET Buckets({id})/…GetFiles?directory=&recursive=&fileNameGlob=&$top=&$skip=` (PY). */
export async function bucketFiles(ctx: ODataContext, id: string): Promise<ODataResult> {
  const row = await ctx.services.buckets.find(ctx.access, idOf(id), "buckets.view");
  const directory = (ctx.query.get("directory") ?? "/").replace(/^\/+/, "");
  const recursive = (ctx.query.get("recursive") ?? "false").toLowerCase() === "true";
  const glob = ctx.query.get("fileNameGlob") ?? "";
  const top = Math.min(Number(/^\d{1,4}$/.test(ctx.query.get("$top") ?? "") ? ctx.query.get("$top") : 1000), 1000);
  const skip = Number(/^\d{1,9}$/.test(ctx.query.get("$skip") ?? "") ? ctx.query.get("$skip") : 0);
  const listing = await ctx.services.bucketFiles.list(row, {
    prefix: directory === "" ? undefined : directory.endsWith("/") ? directory : `${directory}/`,
    recursive,
    limit: Math.min(skip + top, 10_000),
  });
  const pattern = glob ? globPattern(glob) : null;
  const files = listing.items
    .filter((f) => !pattern || pattern.test(f.path.split("/").pop() ?? ""))
    .slice(skip, skip + top)
    .map((f) => ({
      FullPath: `/${f.path}`,
      ContentType: f.contentType,
      Size: f.size,
      LastModified: f.modifiedAt,
      IsDirectory: false,
    }));
  return {
    status: 200,
    body: {
      "@odata.context": `${ctx.base}/odata/$metadata#Collection(UiPath.Application.Dto.Buckets.BlobItemDto)`,
      value: files,
    },
  };
}

function globPattern(glob: string): RegExp {
  const escaped = glob
    .slice(0, 200)
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i");
}

/** `GET …/api/Buckets/{id}/ListFiles?prefix=&takeHint=&continuationToken=` → camelCase items. */
export async function listBucketFiles(ctx: ODataContext, id: string): Promise<ODataResult> {
  const row = await ctx.services.buckets.find(ctx.access, idOf(id), "buckets.view");
  const take =
    Math.min(Number(/^\d{1,5}$/.test(ctx.query.get("takeHint") ?? "") ? ctx.query.get("takeHint") : 500), 1000) || 500;
  const prefix = (ctx.query.get("prefix") ?? "").replace(/^\/+/, "");
  const listing = await ctx.services.bucketFiles.list(row, {
    prefix: prefix || undefined,
    recursive: true,
    cursor: ctx.query.get("continuationToken") ?? undefined,
    limit: take,
  });
  return {
    status: 200,
    body: {
      items: listing.items.map((f) => ({
        fullPath: `/${f.path}`,
        contentType: f.contentType,
        size: f.size,
        lastModified: f.modifiedAt,
      })),
      continuationToken: listing.nextCursor,
    },
  };
}
