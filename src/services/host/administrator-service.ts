import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { ConflictError, NotFoundError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { Administrator } from "../../shared/api/identity.js";
import { AccountStatus, type Locale } from "../../shared/identity.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import { countAll } from "../../storage/dialect.js";
import type { SystemAdminRow } from "../../storage/schema.js";
import type { AuditService } from "../audit/audit-service.js";
import { type Actor, type Page, type ServiceContext, toPage } from "../context.js";
import type { AuthService } from "../identity/auth-service.js";
import { hashPassword } from "../identity/passwords.js";

export type { Administrator };

export interface NewAdministrator {
  username: string;
  name?: string | undefined;
  email?: string | null | undefined;
  password: string;
  locale?: Locale | undefined;
}

export interface AdministratorChanges {
  name?: string | undefined;
  email?: string | null | undefined;
  status?: AccountStatus | undefined;
  locale?: Locale | undefined;
}

const target = (a: { id: number; username: string }) => ({ type: "admin", id: a.id, name: a.username });

/**
 * System administrators. There is always at least one active administrator: disabling or
 * deleting the last one is refused with a `last-administrator` conflict, checked inside the
 * write transaction so two concurrent requests cannot both remove "one of two".
 */
export class AdministratorService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
  ) {}

  async list(limit: number, cursor?: number): Promise<Page<Administrator>> {
    let q = this.ctx.db
      .selectFrom("system_admins")
      .selectAll()
      .orderBy("id")
      .limit(limit + 1);
    if (cursor !== undefined) q = q.where("id", ">", cursor);
    const page = toPage(await q.execute(), limit);
    return { items: page.items.map(presentAdministrator), nextCursor: page.nextCursor };
  }

  async get(id: number): Promise<Administrator> {
    return presentAdministrator(await this.find(this.ctx.db, id));
  }

  async create(actor: Actor, input: NewAdministrator): Promise<Administrator> {
    await this.auth.assertPasswordAcceptable(input.password, "password");
    const passwordHash = await hashPassword(input.password);
    const username = input.username.trim().toLowerCase();
    const now = isoNow(this.ctx.clock);
    try {
      return await this.ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto("system_admins")
          .values({
            username,
            name: input.name?.trim() || username,
            email: input.email?.trim().toLowerCase() || null,
            password_hash: passwordHash,
            status: AccountStatus.active,
            locale: input.locale ?? "en",
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const admin = presentAdministrator(row);
        await this.audit.record(
          tx,
          actor,
          { scope: "host" },
          {
            component: AuditComponent.administrators,
            action: AuditAction.create,
            target: target(row),
            after: admin,
          },
        );
        return admin;
      });
    } catch (error) {
      if (this.ctx.dialect.isUniqueViolation(error)) {
        throw new ConflictError(`An administrator named "${username}" already exists.`, ProblemType.alreadyExists, {
          errors: [{ path: "username", message: "is already taken" }],
        });
      }
      throw error;
    }
  }

  async update(actor: Actor, id: number, changes: AdministratorChanges): Promise<Administrator> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, id);
      if (changes.status === AccountStatus.disabled && before.status === AccountStatus.active) {
        await this.assertNotLastActive(tx, id, "disable");
      }
      const row = await tx
        .updateTable("system_admins")
        .set({
          ...(changes.name !== undefined && { name: changes.name.trim() }),
          ...(changes.email !== undefined && { email: changes.email?.trim().toLowerCase() || null }),
          ...(changes.status !== undefined && { status: changes.status }),
          ...(changes.locale !== undefined && { locale: changes.locale }),
          updated_at: isoNow(this.ctx.clock),
        })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (row.status === AccountStatus.disabled) await this.auth.revokeAllTokens(tx, "admin", id);
      const after = presentAdministrator(row);
      const statusChanged = before.status !== row.status;
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.administrators,
          action: statusChanged
            ? row.status === AccountStatus.active
              ? AuditAction.activate
              : AuditAction.deactivate
            : AuditAction.update,
          target: target(row),
          ...diffFields(presentAdministrator(before), after),
        },
      );
      return after;
    });
  }

  async delete(actor: Actor, id: number): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, id);
      if (before.status === AccountStatus.active) await this.assertNotLastActive(tx, id, "delete");
      await tx.deleteFrom("auth_tokens").where("principal_kind", "=", "admin").where("principal_id", "=", id).execute();
      await tx.deleteFrom("system_admins").where("id", "=", id).execute();
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.administrators,
          action: AuditAction.delete,
          target: target(before),
          before: presentAdministrator(before),
        },
      );
    });
  }

  /** Sets another administrator's password; all of that administrator's sessions end. */
  async resetPassword(actor: Actor, id: number, password: string): Promise<void> {
    await this.auth.assertPasswordAcceptable(password, "password");
    const passwordHash = await hashPassword(password);
    await this.ctx.db.transaction().execute(async (tx) => {
      const admin = await this.find(tx, id);
      await tx
        .updateTable("system_admins")
        .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null, updated_at: isoNow(this.ctx.clock) })
        .where("id", "=", id)
        .execute();
      await this.auth.revokeAllTokens(tx, "admin", id);
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.administrators,
          action: AuditAction.resetPassword,
          target: target(admin),
        },
      );
    });
  }

  /** Creates the first administrator `admin` on an empty installation; returns whether it did. */
  /**
   * Creates `admin` on an empty installation. With a generated password (`mustChangePassword`) the
   * account must choose its own and give an e-mail address at the first sign-in (POST /me/setup).
   */
  async bootstrap(
    password: string,
    options: { mustChangePassword: boolean } = { mustChangePassword: false },
  ): Promise<boolean> {
    const passwordHash = await hashPassword(password);
    const now = isoNow(this.ctx.clock);
    try {
      return await this.ctx.db.transaction().execute(async (tx) => {
        const { count } = await tx.selectFrom("system_admins").select(countAll().as("count")).executeTakeFirstOrThrow();
        if (count > 0) return false;
        const row = await tx
          .insertInto("system_admins")
          .values({
            username: "admin",
            name: "Administrator",
            email: null,
            password_hash: passwordHash,
            status: AccountStatus.active,
            locale: "en",
            must_change_password: options.mustChangePassword ? 1 : 0,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(
          tx,
          { kind: "system", id: null, name: "system", orgId: null, ip: null, userAgent: null },
          { scope: "host" },
          {
            component: AuditComponent.administrators,
            action: AuditAction.create,
            target: target(row),
            after: presentAdministrator(row),
          },
        );
        return true;
      });
    } catch (error) {
      // Another node bootstrapped at the same moment. Caught outside the transaction: on
      // PostgreSQL the failed insert aborts it, and committing it would throw instead.
      if (this.ctx.dialect.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  private async assertNotLastActive(db: Db, id: number, verb: string): Promise<void> {
    // Lock the active administrators' rows (PostgreSQL; SQLite writers are serialised anyway) so
    // two requests removing "one of the last two" cannot both see another one left.
    const active = await db
      .selectFrom("system_admins")
      .select("id")
      .where("status", "=", AccountStatus.active)
      .$if(this.ctx.dialect.name === "postgres", (q) => q.forUpdate())
      .execute();
    if (!active.some((a) => a.id !== id)) {
      throw new ConflictError(
        `You cannot ${verb} the last active system administrator.`,
        ProblemType.lastAdministrator,
      );
    }
  }

  private async find(db: Db, id: number): Promise<SystemAdminRow> {
    const row = await db.selectFrom("system_admins").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new NotFoundError("The administrator");
    return row;
  }
}

function presentAdministrator(a: SystemAdminRow): Administrator {
  return {
    id: a.id,
    username: a.username,
    name: a.name,
    email: a.email,
    status: a.status,
    locale: a.locale,
    createdAt: a.created_at,
    lastLoginAt: a.last_login_at,
  };
}
