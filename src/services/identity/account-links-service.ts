import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { AppError, NotFoundError } from "../../domain/errors.js";
import { addSeconds, isoNow } from "../../platform/clock.js";
import { AccountStatus, type Locale } from "../../shared/identity.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { AccountTokenTable, PrincipalKind } from "../../storage/schema.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import type { EmailSettingsService } from "../email/email-settings-service.js";
import type { NotificationService } from "../email/notification-service.js";
import type { AuthService, ClientInfo } from "./auth-service.js";
import { hashPassword } from "./passwords.js";
import { hashToken, newToken } from "./secrets.js";

type Purpose = AccountTokenTable["purpose"];

/** Password-reset links are valid 60 minutes, invitations 7 days (EMAIL.md §3). */
export const linkLifetimeSeconds: Record<Purpose, number> = { "password-reset": 3600, invitation: 7 * 86_400 };

interface Account {
  kind: PrincipalKind;
  id: number;
  orgId: number | null;
  email: string;
  name: string;
  locale: Locale;
}

/**
 * One-time links sent by e-mail: password recovery and invitations. Only a hash of each token is
 * stored; a token works once (a conditional UPDATE spends it) and only until it expires.
 */
export class AccountLinksService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly notifications: NotificationService,
    private readonly emailSettings: EmailSettingsService,
  ) {}

  /**
   * Starts password recovery. The answer is the same whether or not the account exists; the
   * only thing it tells is whether e-mail can be delivered at all (so the page can say "contact
   * your administrator"), judged from the host when the organization is unknown.
   */
  async requestRecovery(input: { organization?: string | undefined; email: string }, client: ClientInfo) {
    const email = input.email.trim().toLowerCase();
    const orgSlug = input.organization?.trim().toLowerCase();
    const account = await this.findAccount(orgSlug, email);
    if (account) {
      await this.ctx.db.transaction().execute(async (tx) => {
        const token = await this.issue(tx, account, "password-reset");
        await this.notifications.notify(
          tx,
          [recipient(account)],
          "password-reset",
          { name: account.name },
          { orgId: account.orgId, secret: token },
        );
        await this.audit.record(
          tx,
          { kind: account.kind, id: account.id, name: account.email, orgId: account.orgId, ...client },
          account.orgId === null ? { scope: "host" } : { scope: "org", orgId: account.orgId },
          {
            component: AuditComponent.authentication,
            action: AuditAction.passwordResetRequest,
            target: { type: account.kind, id: account.id, name: account.email },
          },
        );
      });
    }
    // Judged from the organization asked for, never from the account found: an organization's
    // own settings must not tell its existing accounts from unknown ones.
    const org = orgSlug
      ? await this.ctx.db.selectFrom("organizations").select("id").where("slug", "=", orgSlug).executeTakeFirst()
      : undefined;
    const settings = await this.emailSettings.effective(this.ctx.db, org?.id ?? null);
    return { emailDelivery: settings ? ("available" as const) : ("unavailable" as const) };
  }

  /** Sets a new password with a recovery link; the link is spent and all sessions end. */
  async resetPassword(token: string, password: string, client: ClientInfo): Promise<void> {
    await this.redeemLink(token, "password-reset", password, client);
  }

  /** Accepts an invitation: sets the first password (and optionally the display name). */
  async acceptInvitation(token: string, password: string, name: string | undefined, client: ClientInfo): Promise<void> {
    await this.redeemLink(token, "invitation", password, client, name);
  }

  /** What an invitation page shows before the user sets a password. */
  async describeInvitation(token: string) {
    const row = await this.validRow(this.ctx.db, token, "invitation");
    const user = await this.ctx.db
      .selectFrom("users")
      .innerJoin("organizations as o", "o.id", "users.org_id")
      .select(["users.email", "users.name", "o.name as org_name", "o.slug as org_slug"])
      .where("users.id", "=", row.principal_id)
      .executeTakeFirstOrThrow();
    return {
      email: user.email,
      name: user.name,
      organization: { name: user.org_name, slug: user.org_slug },
      expiresAt: row.expires_at,
    };
  }

  /**
   * Invites an organization user who has no password yet: a 7-day link by e-mail, written in the
   * caller's transaction. Earlier invitation links of the user stop working.
   */
  async invite(db: Db, userId: number): Promise<void> {
    const user = await db
      .selectFrom("users")
      .innerJoin("organizations as o", "o.id", "users.org_id")
      .select([
        "users.id",
        "users.email",
        "users.name",
        "users.locale",
        "users.org_id",
        "o.name as org_name",
        "o.slug as org_slug",
      ])
      .where("users.id", "=", userId)
      .executeTakeFirstOrThrow();
    const account: Account = {
      kind: "user",
      id: user.id,
      orgId: user.org_id,
      email: user.email,
      name: user.name,
      locale: user.locale,
    };
    const token = await this.issue(db, account, "invitation");
    await this.notifications.notify(
      db,
      [recipient(account)],
      "invitation",
      { name: user.name, orgName: user.org_name, orgSlug: user.org_slug, email: user.email },
      { orgId: user.org_id, secret: token },
    );
  }

  /** Sends a new invitation to a user who has not set a password yet. */
  async resendInvitation(actor: Actor, orgId: number, userId: number): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const user = await this.invitedUser(tx, orgId, userId);
      await this.invite(tx, user.id);
      await this.audit.record(tx, actor, actor.kind === "user" ? { scope: "org", orgId } : { scope: "host" }, {
        component: AuditComponent.users,
        action: AuditAction.invite,
        target: { type: "user", id: user.id, name: user.email },
      });
    });
  }

  /** Makes every open invitation link of the user stop working. */
  async revokeInvitation(actor: Actor, orgId: number, userId: number): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const user = await this.invitedUser(tx, orgId, userId);
      await this.spendAll(tx, "user", user.id, "invitation");
      await this.audit.record(tx, actor, actor.kind === "user" ? { scope: "org", orgId } : { scope: "host" }, {
        component: AuditComponent.users,
        action: AuditAction.revoke,
        target: { type: "user", id: user.id, name: user.email },
        after: { invitation: "revoked" },
      });
    });
  }

  private async invitedUser(db: Db, orgId: number, userId: number) {
    const user = await db
      .selectFrom("users")
      .select(["id", "email", "password_hash"])
      .where("id", "=", userId)
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    if (!user) throw new NotFoundError("The user");
    if (user.password_hash !== null) {
      throw new AppError(409, ProblemType.conflict, "Conflict", "This user has already set a password.");
    }
    return user;
  }

  private async redeemLink(token: string, purpose: Purpose, password: string, client: ClientInfo, name?: string) {
    await this.auth.assertPasswordAcceptable(password, "password");
    const passwordHash = await hashPassword(password);
    await this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.validRow(tx, token, purpose);
      const now = isoNow(this.ctx.clock);
      const spent = await tx
        .updateTable("account_tokens")
        .set({ used_at: now })
        .where("id", "=", row.id)
        .where("used_at", "is", null)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) === 0) throw invalidLink();
      const table = row.principal_kind === "admin" ? "system_admins" : "users";
      await tx
        .updateTable(table)
        .set({
          password_hash: passwordHash,
          failed_logins: 0,
          locked_until: null,
          updated_at: now,
          ...(name?.trim() && { name: name.trim() }),
        })
        .where("id", "=", row.principal_id)
        .execute();
      // Every other link of the account and every session end with the new password.
      await this.spendAll(tx, row.principal_kind, row.principal_id, purpose);
      await this.auth.revokeAllTokens(tx, row.principal_kind, row.principal_id);
      const account = await this.accountById(tx, row.principal_kind, row.principal_id);
      if (purpose === "password-reset") {
        await this.notifications.notify(
          tx,
          [recipient(account)],
          "password-changed",
          { name: account.name, changedAt: now },
          { orgId: account.orgId },
        );
      }
      await this.audit.record(
        tx,
        { kind: account.kind, id: account.id, name: account.email, orgId: account.orgId, ...client },
        account.orgId === null ? { scope: "host" } : { scope: "org", orgId: account.orgId },
        {
          component: account.kind === "admin" ? AuditComponent.administrators : AuditComponent.users,
          action: purpose === "password-reset" ? AuditAction.resetPassword : AuditAction.activate,
          target: { type: account.kind, id: account.id, name: account.email },
          after: { via: purpose },
        },
      );
    });
  }

  private async validRow(db: Db, token: string, purpose: Purpose) {
    const row = await db
      .selectFrom("account_tokens")
      .selectAll()
      .where("token_hash", "=", hashToken(token))
      .where("purpose", "=", purpose)
      .executeTakeFirst();
    if (!row || row.used_at !== null || row.expires_at <= isoNow(this.ctx.clock)) throw invalidLink();
    const account = await this.accountById(db, row.principal_kind, row.principal_id).catch(() => null);
    if (!account) throw invalidLink();
    return row;
  }

  private async issue(db: Db, account: Account, purpose: Purpose): Promise<string> {
    await this.spendAll(db, account.kind, account.id, purpose);
    const token = newToken("link");
    const now = this.ctx.clock.now();
    await db
      .insertInto("account_tokens")
      .values({
        token_hash: hashToken(token),
        purpose,
        principal_kind: account.kind,
        principal_id: account.id,
        org_id: account.orgId,
        expires_at: addSeconds(now, linkLifetimeSeconds[purpose]).toISOString(),
        created_at: now.toISOString(),
      })
      .execute();
    return token;
  }

  private async spendAll(db: Db, kind: PrincipalKind, id: number, purpose: Purpose) {
    await db
      .updateTable("account_tokens")
      .set({ used_at: isoNow(this.ctx.clock) })
      .where("principal_kind", "=", kind)
      .where("principal_id", "=", id)
      .where("purpose", "=", purpose)
      .where("used_at", "is", null)
      .execute();
  }

  private async findAccount(orgSlug: string | undefined, email: string): Promise<Account | null> {
    if (!orgSlug) {
      const admin = await this.ctx.db
        .selectFrom("system_admins")
        .selectAll()
        .where("email", "=", email)
        .where("status", "=", AccountStatus.active)
        .executeTakeFirst();
      return admin?.email
        ? { kind: "admin", id: admin.id, orgId: null, email: admin.email, name: admin.name, locale: admin.locale }
        : null;
    }
    const user = await this.ctx.db
      .selectFrom("users")
      .innerJoin("organizations as o", "o.id", "users.org_id")
      .selectAll("users")
      .where("o.slug", "=", orgSlug)
      .where("o.status", "=", AccountStatus.active)
      .where("users.email", "=", email)
      .where("users.status", "=", AccountStatus.active)
      .executeTakeFirst();
    return user
      ? { kind: "user", id: user.id, orgId: user.org_id, email: user.email, name: user.name, locale: user.locale }
      : null;
  }

  private async accountById(db: Db, kind: PrincipalKind, id: number): Promise<Account> {
    if (kind === "admin") {
      const a = await db.selectFrom("system_admins").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      return { kind, id, orgId: null, email: a.email ?? a.username, name: a.name, locale: a.locale };
    }
    const u = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    return { kind, id, orgId: u.org_id, email: u.email, name: u.name, locale: u.locale };
  }
}

function recipient(a: Account) {
  return { address: a.email, name: a.name, locale: a.locale };
}

function invalidLink() {
  return new AppError(
    400,
    ProblemType.invalidLink,
    "Invalid link",
    "This link is invalid, has expired or was already used. Ask for a new one.",
  );
}
