import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { OrgUser } from "../../shared/api/identity.js";
import { AccountStatus, type Locale, OrgRole } from "../../shared/identity.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import { countAll } from "../../storage/dialect.js";
import type { UserRow } from "../../storage/schema.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type Page, type ServiceContext, toPage } from "../context.js";
import type { AccountLinksService } from "../identity/account-links-service.js";
import type { AuthService } from "../identity/auth-service.js";
import { hashPassword } from "../identity/passwords.js";
import { sortedPage, sortedPageOf, sortSpec } from "../sorted-page.js";

/** The user list's sort names and their columns (sorted-page.ts). */
export const userSortColumns = {
  name: "name",
  email: "email",
  role: "role",
  status: "status",
  createdAt: "created_at",
} as const;

export type { OrgUser };

export interface NewOrgUser {
  email: string;
  name?: string | undefined;
  role?: OrgRole | undefined;
  password?: string | undefined;
  locale?: Locale | undefined;
}

export interface OrgUserChanges {
  name?: string | undefined;
  role?: OrgRole | undefined;
  status?: AccountStatus | undefined;
  locale?: Locale | undefined;
}

const target = (u: { id: number; email: string }) => ({ type: "user", id: u.id, name: u.email });

/**
 * Users of one organization, managed by its administrators. Every query carries the org id:
 * a user id of another organization is simply not found. An organization always keeps one
 * active administrator.
 */
export class UserService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly accountLinks: AccountLinksService,
  ) {}

  /**
   * The organization's users, oldest first with the id as cursor; or sorted by `filter.sort`
   * (sorted-page.ts) and searched by name or e-mail address, with the `total` that match.
   */
  async list(
    orgId: number,
    limit: number,
    cursor?: string,
    filter: { q?: string | undefined; sort?: string | undefined } = {},
  ): Promise<Page<OrgUser> & { total: number }> {
    let base = this.ctx.db.selectFrom("users").where("org_id", "=", orgId);
    if (filter.q) {
      const text = filter.q.trim();
      base = base.where((eb) =>
        eb.or([this.ctx.dialect.contains("name", text), this.ctx.dialect.contains("email", text)]),
      );
    }
    const total = Number((await base.select(countAll().as("c")).executeTakeFirstOrThrow()).c);
    const now = this.ctx.clock.now();
    if (filter.sort) {
      const sort = sortSpec(filter.sort, userSortColumns);
      const q = sortedPage(base.selectAll().limit(limit + 1), sort, "id", cursor);
      const page = sortedPageOf(await q.execute(), limit, (r) => r[sort.column as keyof UserRow] as string | number);
      return { items: page.items.map((u) => presentUser(u, now)), nextCursor: page.nextCursor, total };
    }
    let q = base
      .selectAll()
      .orderBy("id")
      .limit(limit + 1);
    if (cursor !== undefined) {
      const after = Number(cursor);
      if (!Number.isInteger(after) || after < 0) throw ValidationError.field("cursor", "is not a valid cursor");
      q = q.where("id", ">", after);
    }
    const page = toPage(await q.execute(), limit);
    return { items: page.items.map((u) => presentUser(u, now)), nextCursor: page.nextCursor, total };
  }

  async create(actor: Actor, orgId: number, input: NewOrgUser): Promise<OrgUser> {
    if (input.password !== undefined) await this.auth.assertPasswordAcceptable(input.password, "password");
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    const email = input.email.trim().toLowerCase();
    const now = isoNow(this.ctx.clock);
    try {
      return await this.ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto("users")
          .values({
            org_id: orgId,
            email,
            name: input.name?.trim() || email,
            password_hash: passwordHash,
            role: input.role ?? OrgRole.user,
            status: AccountStatus.active,
            locale: input.locale ?? "en",
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const user = presentUser(row, this.ctx.clock.now());
        // Without a password the user is invited by e-mail to set one.
        if (passwordHash === null) await this.accountLinks.invite(tx, row.id);
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.users,
          action: AuditAction.create,
          target: target(row),
          after: user,
        });
        return user;
      });
    } catch (error) {
      if (this.ctx.dialect.isUniqueViolation(error)) {
        throw new ConflictError(
          `A user with the e-mail ${email} already exists in this organization.`,
          ProblemType.alreadyExists,
          {
            errors: [{ path: "email", message: "is already taken" }],
          },
        );
      }
      throw error;
    }
  }

  async update(actor: Actor, orgId: number, id: number, changes: OrgUserChanges): Promise<OrgUser> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, orgId, id);
      const losesAdmin =
        isActiveAdmin(before) &&
        ((changes.role !== undefined && changes.role !== OrgRole.orgAdmin) ||
          (changes.status !== undefined && changes.status !== AccountStatus.active));
      if (losesAdmin) await this.assertNotLastAdmin(tx, orgId, id);
      const row = await tx
        .updateTable("users")
        .set({
          ...(changes.name !== undefined && { name: changes.name.trim() }),
          ...(changes.role !== undefined && { role: changes.role }),
          ...(changes.status !== undefined && { status: changes.status }),
          ...(changes.locale !== undefined && { locale: changes.locale }),
          updated_at: isoNow(this.ctx.clock),
        })
        .where("id", "=", id)
        .where("org_id", "=", orgId)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (row.status === AccountStatus.disabled) await this.auth.revokeAllTokens(tx, "user", id);
      const after = presentUser(row, this.ctx.clock.now());
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.users,
        action:
          before.status === row.status
            ? AuditAction.update
            : row.status === AccountStatus.active
              ? AuditAction.activate
              : AuditAction.deactivate,
        target: target(row),
        ...diffFields(presentUser(before, this.ctx.clock.now()), after),
      });
      return after;
    });
  }

  /** Sets a user's password (also for an invited user who has none yet); their sessions end. */
  async setPassword(actor: Actor, orgId: number, id: number, password: string): Promise<void> {
    await this.auth.assertPasswordAcceptable(password, "password");
    const passwordHash = await hashPassword(password);
    await this.ctx.db.transaction().execute(async (tx) => {
      const user = await this.find(tx, orgId, id);
      await tx
        .updateTable("users")
        .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null, updated_at: isoNow(this.ctx.clock) })
        .where("id", "=", id)
        .where("org_id", "=", orgId)
        .execute();
      await this.auth.revokeAllTokens(tx, "user", id);
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.users,
        action: AuditAction.resetPassword,
        target: target(user),
      });
    });
  }

  /** Ends a lock-out after failed sign-ins at once (audited); a user who is not locked stays as is. */
  async unlock(actor: Actor, orgId: number, id: number): Promise<OrgUser> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, orgId, id);
      const row = await tx
        .updateTable("users")
        .set({ failed_logins: 0, locked_until: null, updated_at: isoNow(this.ctx.clock) })
        .where("id", "=", id)
        .where("org_id", "=", orgId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.users,
        action: AuditAction.unlock,
        target: target(before),
        before: { lockedUntil: before.locked_until, failedLogins: before.failed_logins },
        after: { lockedUntil: null, failedLogins: 0 },
      });
      return presentUser(row, this.ctx.clock.now());
    });
  }

  async delete(actor: Actor, orgId: number, id: number): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, orgId, id);
      if (isActiveAdmin(before)) await this.assertNotLastAdmin(tx, orgId, id);
      await tx.deleteFrom("auth_tokens").where("principal_kind", "=", "user").where("principal_id", "=", id).execute();
      await tx.deleteFrom("users").where("id", "=", id).where("org_id", "=", orgId).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.users,
        action: AuditAction.delete,
        target: target(before),
        before: presentUser(before, this.ctx.clock.now()),
      });
    });
  }

  private async assertNotLastAdmin(db: Db, orgId: number, id: number): Promise<void> {
    const admins = await db
      .selectFrom("users")
      .select("id")
      .where("org_id", "=", orgId)
      .where("role", "=", OrgRole.orgAdmin)
      .where("status", "=", AccountStatus.active)
      .$if(this.ctx.dialect.name === "postgres", (q) => q.forUpdate())
      .execute();
    if (!admins.some((a) => a.id !== id)) {
      throw new ConflictError(
        "An organization must keep at least one active organization administrator.",
        ProblemType.lastAdministrator,
      );
    }
  }

  private async find(db: Db, orgId: number, id: number): Promise<UserRow> {
    const row = await db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", id)
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError("The user");
    return row;
  }
}

function isActiveAdmin(u: UserRow): boolean {
  return u.role === OrgRole.orgAdmin && u.status === AccountStatus.active;
}

function presentUser(u: UserRow, now: Date): OrgUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    status: u.status,
    locale: u.locale,
    hasPassword: u.password_hash !== null,
    createdAt: u.created_at,
    lastLoginAt: u.last_login_at,
    lockedUntil: u.locked_until && Date.parse(u.locked_until) > now.getTime() ? u.locked_until : null,
  };
}
