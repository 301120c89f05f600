import { Readable } from "node:stream";
import { sql } from "kysely";
import semver from "semver";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { AppError, ConflictError, NotFoundError } from "../../domain/errors.js";
import { type Manifest, manifestFile, manifestSchema } from "../../domain/manifest.js";
import { isoNow } from "../../platform/clock.js";
import type { PackageVersion } from "../../shared/api/packages.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { PackageRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import { ArchiveError, type ArchiveSummary, inspectArchive } from "./archive.js";

export type { PackageVersion };

/** Bytes of an archive read per query while it is downloaded. */
export const packageChunkBytes = 1024 * 1024;

/** Largest package archive accepted. */
export const maxPackageBytes = 50 * 1024 * 1024;

/**
 * The tenant's package feed: archives with a validated dirigent.json, one row per name and
 * version, the archive itself in the database so every node can hand it to its robots.
 */
export class PackageService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
  ) {}

  async upload(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    file: { filename: string; content: Buffer },
  ): Promise<PackageVersion> {
    access.assertTenant("packages.create");
    const { manifest, summary } = await readPackage(file.content);
    try {
      return await this.ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto("packages")
          .values({
            tenant_id: access.tenantId,
            name: manifest.name,
            version: manifest.version,
            description: manifest.description ?? null,
            manifest_json: JSON.stringify(manifest),
            format: summary.format,
            size: file.content.length,
            sha256: summary.sha256,
            uploaded_by: actor.name,
            created_at: isoNow(this.ctx.clock),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await tx.insertInto("package_blobs").values({ package_id: row.id, content: file.content }).execute();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.packages,
          action: AuditAction.upload,
          target: { type: "package", id: row.id, name: `${row.name} ${row.version}` },
          after: { name: row.name, version: row.version, size: row.size, sha256: row.sha256, file: file.filename },
        });
        return present(row);
      });
    } catch (error) {
      if (this.ctx.dialect.isUniqueViolation(error)) {
        throw new ConflictError(
          `Version ${manifest.version} of ${manifest.name} already exists; raise the version.`,
          ProblemType.alreadyExists,
          {
            errors: [{ path: "version", message: "already exists for this package" }],
          },
        );
      }
      throw error;
    }
  }

  /** Packages by name with their versions, newest version first. */
  async list(access: TenantAccess) {
    access.assertTenant("packages.view");
    const rows = await this.ctx.db
      .selectFrom("packages")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .execute();
    const byName = new Map<string, PackageVersion[]>();
    for (const row of rows) {
      const list = byName.get(row.name.toLowerCase()) ?? [];
      list.push(present(row));
      byName.set(row.name.toLowerCase(), list);
    }
    return [...byName.values()]
      .map((versions) => {
        versions.sort((a, b) => semver.rcompare(a.version, b.version));
        const latest = versions[0] as PackageVersion;
        return { name: latest.name, latestVersion: latest.version, description: latest.description, versions };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async version(access: TenantAccess, name: string, version: string): Promise<PackageVersion> {
    access.assertTenant("packages.view");
    return present(await this.find(this.ctx.db, access.tenantId, name, version));
  }

  /**
   * The archive itself, for downloads by users and robots, streamed from the database in slices
   * of `packageChunkBytes` (a 50 MiB archive never sits in memory whole; each slice is one query).
   */
  async content(tenantId: number, packageId: number): Promise<{ row: PackageRow; size: number; body: Readable }> {
    const row = await this.ctx.db
      .selectFrom("packages")
      .selectAll()
      .where("id", "=", packageId)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError("The package");
    const { size } = await this.ctx.db
      .selectFrom("package_blobs")
      .select(sql<number>`length(content)`.as("size"))
      .where("package_id", "=", packageId)
      .executeTakeFirstOrThrow();
    const db = this.ctx.db;
    async function* slices() {
      // substr on a BLOB (SQLite) and on a bytea (PostgreSQL) both count bytes from 1.
      for (let offset = 0; offset < Number(size); offset += packageChunkBytes) {
        const slice = await db
          .selectFrom("package_blobs")
          .select(sql<Uint8Array>`substr(content, ${offset + 1}, ${packageChunkBytes})`.as("bytes"))
          .where("package_id", "=", packageId)
          .executeTakeFirstOrThrow();
        yield Buffer.from(slice.bytes);
      }
    }
    return { row, size: Number(size), body: Readable.from(slices()) };
  }

  /** The package version a process runs: its pinned version, or the newest one. */
  async resolve(db: Db, tenantId: number, name: string, version: string | null): Promise<PackageRow | undefined> {
    if (version !== null) return this.find(db, tenantId, name, version).catch(() => undefined);
    const rows = await db
      .selectFrom("packages")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()))
      .execute();
    return rows.sort((a, b) => semver.rcompare(a.version, b.version))[0];
  }

  /** Deletes a version no process uses (pinned, or as the latest version of its package). */
  async delete(actor: Actor, orgId: number, access: TenantAccess, name: string, version: string): Promise<void> {
    access.assertTenant("packages.delete");
    await this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.find(tx, access.tenantId, name, version);
      const latest = await this.resolve(tx, access.tenantId, name, null);
      const users = await tx
        .selectFrom("processes")
        .select(["name", "package_version"])
        .where("tenant_id", "=", access.tenantId)
        .where((eb) => eb(eb.fn("lower", ["package_name"]), "=", name.toLowerCase()))
        .execute();
      const using = users.filter(
        (p) => p.package_version === row.version || (p.package_version === null && latest?.id === row.id),
      );
      if (using.length > 0) {
        throw new ConflictError(
          `Version ${row.version} is used by the process${using.length > 1 ? "es" : ""} ${using.map((p) => `"${p.name}"`).join(", ")}.`,
          ProblemType.packageInUse,
        );
      }
      await tx.deleteFrom("packages").where("id", "=", row.id).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.packages,
        action: AuditAction.delete,
        target: { type: "package", id: row.id, name: `${row.name} ${row.version}` },
        before: { name: row.name, version: row.version },
      });
    });
  }

  private async find(db: Db, tenantId: number, name: string, version: string): Promise<PackageRow> {
    const row = await db
      .selectFrom("packages")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()))
      .where("version", "=", version)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`Version ${version} of the package ${name}`);
    return row;
  }
}

/** Checks the archive and its dirigent.json; every problem becomes a 400 `invalid-package` naming it. */
async function readPackage(content: Buffer): Promise<{ manifest: Manifest; summary: ArchiveSummary }> {
  if (content.length === 0) throw invalid("The file is empty.");
  if (content.length > maxPackageBytes)
    throw invalid(`The package is larger than ${maxPackageBytes / 1024 / 1024} MiB.`);
  let summary: ArchiveSummary;
  try {
    summary = await inspectArchive(content);
  } catch (error) {
    if (error instanceof ArchiveError) throw invalid(error.message);
    throw error;
  }
  const text = summary.manifest;
  if (text === null) throw invalid(`The archive has no ${manifestFile} at its root.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`${manifestFile} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw invalid(
      `${manifestFile} is invalid.`,
      parsed.error.issues.map((i) => ({ path: [manifestFile, ...i.path].join("."), message: i.message })),
    );
  }
  return { manifest: parsed.data, summary };
}

function invalid(detail: string, errors: { path: string; message: string }[] = []) {
  return new AppError(400, ProblemType.invalidPackage, "Invalid package", detail, errors.length ? { errors } : {});
}

function present(r: PackageRow): PackageVersion {
  const manifest = JSON.parse(r.manifest_json) as Manifest;
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    description: r.description,
    entryPoints: manifest.entryPoints,
    format: r.format,
    size: r.size,
    sha256: r.sha256,
    uploadedBy: r.uploaded_by,
    createdAt: r.created_at,
  };
}
