import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { reservedSlugs, slugify, slugPattern } from "../../domain/slugs.js";
import { isoNow } from "../../platform/clock.js";
import type { Tenant } from "../../shared/api/identity.js";
import { AccountStatus, type Locale, OrgRole } from "../../shared/identity.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import { countAll } from "../../storage/dialect.js";
import type { OrganizationRow, TenantRow } from "../../storage/schema.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type Page, type ServiceContext, toPage } from "../context.js";
import type { AccountLinksService } from "../identity/account-links-service.js";
import type { AuthService } from "../identity/auth-service.js";
import { hashPassword } from "../identity/passwords.js";

export interface Organization {
  id: number;
  name: string;
  slug: string;
  status: AccountStatus;
  createdAt: string;
  updatedAt: string;
}

export interface OrganizationSummary extends Organization {
  tenantCount: number;
  userCount: number;
}

export type { Tenant };

export interface NewOrganization {
  name: string;
  slug?: string | undefined;
  admin: { email: string; name?: string | undefined; password?: string | undefined; locale?: Locale | undefined };
}

/** Name of the tenant every new organization starts with. */
export const defaultTenantName = "Default";

const orgTarget = (o: { id: number; name: string }) => ({ type: "organization", id: o.id, name: o.name });
const tenantTarget = (t: { id: number; name: string }) => ({ type: "tenant", id: t.id, name: t.name });

/**
 * Organizations and their tenants. Host actions are written to the host audit log; tenant
 * changes made by an organization's own administrators go to that organization's log.
 */
export class OrganizationService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly accountLinks: AccountLinksService,
  ) {}

  async list(filter: { q?: string | undefined }, limit: number, cursor?: number): Promise<Page<OrganizationSummary>> {
    const db = this.ctx.db;
    let q = db
      .selectFrom("organizations as o")
      .selectAll("o")
      .select((eb) => [
        eb.selectFrom("tenants").select(countAll().as("c")).whereRef("tenants.org_id", "=", "o.id").as("tenant_count"),
        eb.selectFrom("users").select(countAll().as("c")).whereRef("users.org_id", "=", "o.id").as("user_count"),
      ])
      .orderBy("o.id")
      .limit(limit + 1);
    if (cursor !== undefined) q = q.where("o.id", ">", cursor);
    if (filter.q) {
      const text = filter.q;
      q = q.where((eb) =>
        eb.or([this.ctx.dialect.contains("o.name", text), this.ctx.dialect.contains("o.slug", text)]),
      );
    }
    const page = toPage(await q.execute(), limit);
    return {
      items: page.items.map((r) => ({
        ...presentOrganization(r),
        tenantCount: Number(r.tenant_count ?? 0),
        userCount: Number(r.user_count ?? 0),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** Whether any organization exists: on a fresh installation the sign-in page opens on the system administrator's form. */
  async anyExists(): Promise<boolean> {
    const row = await this.ctx.db.selectFrom("organizations").select("id").limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** Finds an organization by numeric id or slug. */
  async get(ref: string): Promise<OrganizationSummary> {
    const org = await this.find(this.ctx.db, ref);
    const [tenants, users] = await Promise.all([
      this.ctx.db
        .selectFrom("tenants")
        .select(countAll().as("c"))
        .where("org_id", "=", org.id)
        .executeTakeFirstOrThrow(),
      this.ctx.db.selectFrom("users").select(countAll().as("c")).where("org_id", "=", org.id).executeTakeFirstOrThrow(),
    ]);
    return { ...presentOrganization(org), tenantCount: tenants.c, userCount: users.c };
  }

  /** Creates an organization with its `Default` tenant and its first organization administrator. */
  async create(actor: Actor, input: NewOrganization): Promise<OrganizationSummary> {
    const slug = input.slug?.trim().toLowerCase() || slugify(input.name);
    const errors = [];
    if (!slugPattern.test(slug)) {
      errors.push({
        path: input.slug ? "slug" : "name",
        message: input.slug
          ? "must be 1–63 lower-case letters, digits or dashes, not starting or ending with a dash"
          : "gives no usable slug; enter a slug",
      });
    } else if (reservedSlugs.has(slug)) {
      errors.push({ path: "slug", message: `"${slug}" is reserved` });
    }
    if (errors.length > 0) throw new ValidationError(errors);
    if (input.admin.password !== undefined)
      await this.auth.assertPasswordAcceptable(input.admin.password, "admin.password");
    const passwordHash = input.admin.password === undefined ? null : await hashPassword(input.admin.password);
    const now = isoNow(this.ctx.clock);
    try {
      const org = await this.ctx.db.transaction().execute(async (tx) => {
        const org = await tx
          .insertInto("organizations")
          .values({ name: input.name.trim(), slug, status: AccountStatus.active, created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        const tenant = await tx
          .insertInto("tenants")
          .values({
            org_id: org.id,
            name: defaultTenantName,
            status: AccountStatus.active,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const email = input.admin.email.trim().toLowerCase();
        const user = await tx
          .insertInto("users")
          .values({
            org_id: org.id,
            email,
            name: input.admin.name?.trim() || email,
            password_hash: passwordHash,
            role: OrgRole.orgAdmin,
            status: AccountStatus.active,
            locale: input.admin.locale ?? "en",
            created_at: now,
            updated_at: now,
          })
          .returning(["id", "email", "name", "role", "locale"])
          .executeTakeFirstOrThrow();
        // Without a password the first administrator is invited by e-mail to set one.
        if (passwordHash === null) await this.accountLinks.invite(tx, user.id);
        await this.audit.record(
          tx,
          actor,
          { scope: "host" },
          {
            component: AuditComponent.organizations,
            action: AuditAction.create,
            target: orgTarget(org),
            after: {
              ...presentOrganization(org),
              tenants: [tenant.name],
              admin: { email: user.email, name: user.name, locale: user.locale, hasPassword: passwordHash !== null },
            },
          },
        );
        return org;
      });
      return { ...presentOrganization(org), tenantCount: 1, userCount: 1 };
    } catch (error) {
      if (this.ctx.dialect.isUniqueViolation(error)) {
        throw new ConflictError(`An organization with the slug "${slug}" already exists.`, ProblemType.alreadyExists, {
          errors: [{ path: "slug", message: "is already taken" }],
        });
      }
      throw error;
    }
  }

  async update(
    actor: Actor,
    ref: string,
    changes: { name?: string | undefined; status?: AccountStatus | undefined },
  ): Promise<OrganizationSummary> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, ref);
      const row = await tx
        .updateTable("organizations")
        .set({
          ...(changes.name !== undefined && { name: changes.name.trim() }),
          ...(changes.status !== undefined && { status: changes.status }),
          updated_at: isoNow(this.ctx.clock),
        })
        .where("id", "=", before.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (row.status === AccountStatus.disabled && before.status !== AccountStatus.disabled) {
        // A disabled organization's sessions and tokens stop at once, not when they expire.
        await tx
          .updateTable("auth_tokens")
          .set({ revoked_at: isoNow(this.ctx.clock) })
          .where("org_id", "=", row.id)
          .where("revoked_at", "is", null)
          .execute();
      }
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.organizations,
          action: statusAction(before.status, row.status),
          target: orgTarget(row),
          ...diffFields(presentOrganization(before), presentOrganization(row)),
        },
      );
    });
    return this.get(ref);
  }

  /** Deletes an organization and everything it owns (tenants, users, tokens cascade). */
  async delete(actor: Actor, ref: string): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const org = await this.find(tx, ref);
      await tx.deleteFrom("auth_tokens").where("org_id", "=", org.id).execute();
      await tx.deleteFrom("organizations").where("id", "=", org.id).execute();
      // The org's own audit rows go with it; the host log keeps the deletion.
      await tx.deleteFrom("audit_logs").where("scope", "=", "org").where("org_id", "=", org.id).execute();
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.organizations,
          action: AuditAction.delete,
          target: orgTarget(org),
          before: presentOrganization(org),
        },
      );
    });
  }

  async listTenants(orgId: number): Promise<Tenant[]> {
    const rows = await this.ctx.db
      .selectFrom("tenants")
      .selectAll()
      .where("org_id", "=", orgId)
      .orderBy("id")
      .execute();
    return rows.map(presentTenant);
  }

  /** Finds a tenant of the organization by id or name (another org's tenant is not found). */
  async getTenant(orgId: number, ref: string): Promise<Tenant> {
    return presentTenant(await this.findTenant(this.ctx.db, orgId, ref));
  }

  async createTenant(actor: Actor, orgId: number, name: string): Promise<Tenant> {
    const now = isoNow(this.ctx.clock);
    try {
      return await this.ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto("tenants")
          .values({ org_id: orgId, name: name.trim(), status: AccountStatus.active, created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        const tenant = presentTenant(row);
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.tenants,
          action: AuditAction.create,
          target: tenantTarget(row),
          after: tenant,
        });
        return tenant;
      });
    } catch (error) {
      if (this.ctx.dialect.isUniqueViolation(error)) throw tenantNameTaken(name);
      throw error;
    }
  }

  async updateTenant(
    actor: Actor,
    orgId: number,
    ref: string,
    changes: { name?: string | undefined; status?: AccountStatus | undefined; logRetentionDays?: number | undefined },
  ): Promise<Tenant> {
    try {
      return await this.ctx.db.transaction().execute(async (tx) => {
        const before = await this.findTenant(tx, orgId, ref);
        const row = await tx
          .updateTable("tenants")
          .set({
            ...(changes.name !== undefined && { name: changes.name.trim() }),
            ...(changes.status !== undefined && { status: changes.status }),
            ...(changes.logRetentionDays !== undefined && { log_retention_days: changes.logRetentionDays }),
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", before.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        const after = presentTenant(row);
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.tenants,
          action: statusAction(before.status, row.status),
          target: tenantTarget(row),
          ...diffFields(presentTenant(before), after),
        });
        return after;
      });
    } catch (error) {
      if (this.ctx.dialect.isUniqueViolation(error) && changes.name) throw tenantNameTaken(changes.name);
      throw error;
    }
  }

  async dashboard() {
    const db = this.ctx.db;
    const [orgs, tenants, users, admins] = await Promise.all([
      db
        .selectFrom("organizations")
        .select(["status", countAll().as("c")])
        .groupBy("status")
        .execute(),
      db.selectFrom("tenants").select(countAll().as("c")).executeTakeFirstOrThrow(),
      db.selectFrom("users").select(countAll().as("c")).executeTakeFirstOrThrow(),
      db
        .selectFrom("system_admins")
        .select(["status", countAll().as("c")])
        .groupBy("status")
        .execute(),
    ]);
    const by = (rows: { status: string; c: number }[], status: string) => rows.find((r) => r.status === status)?.c ?? 0;
    return {
      organizations: {
        total: by(orgs, "active") + by(orgs, "disabled"),
        active: by(orgs, "active"),
        disabled: by(orgs, "disabled"),
      },
      tenants: { total: tenants.c },
      users: { total: users.c },
      administrators: { total: by(admins, "active") + by(admins, "disabled"), active: by(admins, "active") },
    };
  }

  /** Finds an organization by numeric id or slug, or throws 404. */
  async find(db: Db, ref: string): Promise<OrganizationRow> {
    const byId = /^\d+$/.test(ref);
    const row = await db
      .selectFrom("organizations")
      .selectAll()
      .$if(byId, (q) => q.where("id", "=", Number(ref)))
      .$if(!byId, (q) => q.where("slug", "=", ref.toLowerCase()))
      .executeTakeFirst();
    if (!row) throw new NotFoundError("The organization");
    return row;
  }

  private async findTenant(db: Db, orgId: number, ref: string): Promise<TenantRow> {
    const byId = /^\d+$/.test(ref);
    const row = await db
      .selectFrom("tenants")
      .selectAll()
      .where("org_id", "=", orgId)
      .$if(byId, (q) => q.where("id", "=", Number(ref)))
      .$if(!byId, (q) => q.where((eb) => eb(eb.fn("lower", ["name"]), "=", ref.toLowerCase())))
      .executeTakeFirst();
    if (!row) throw new NotFoundError("The tenant");
    return row;
  }
}

function statusAction(before: AccountStatus, after: AccountStatus) {
  if (before === after) return AuditAction.update;
  return after === AccountStatus.active ? AuditAction.activate : AuditAction.deactivate;
}

function tenantNameTaken(name: string) {
  return new ConflictError(
    `A tenant named "${name.trim()}" already exists in this organization.`,
    ProblemType.alreadyExists,
    {
      errors: [{ path: "name", message: "is already taken" }],
    },
  );
}

function presentOrganization(o: OrganizationRow): Organization {
  return { id: o.id, name: o.name, slug: o.slug, status: o.status, createdAt: o.created_at, updatedAt: o.updated_at };
}

function presentTenant(t: TenantRow): Tenant {
  return {
    id: t.id,
    orgId: t.org_id,
    name: t.name,
    status: t.status,
    logRetentionDays: t.log_retention_days,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}
