import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { AppError, AuthenticationError, ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { afterFailedLogin, isLocked, passwordProblems } from "../../domain/password-policy.js";
import { addSeconds, isoNow } from "../../platform/clock.js";
import type { AccessToken as PersonalToken } from "../../shared/api/identity.js";
import type { Principal } from "../../shared/identity.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { AuthTokenKind, AuthTokenRow } from "../../storage/schema.js";
import type { RequestCache } from "../access/request-cache.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import type { SecuritySettingsService } from "../host/security-settings-service.js";
import type { MaintenanceService } from "../maintenance/maintenance-service.js";
import { hashPassword, verifyAgainstNothing, verifyPassword } from "./passwords.js";
import { adminPrincipal, loadActivePrincipal, userPrincipal } from "./principals.js";
import { hashToken, newToken } from "./secrets.js";

export type Credentials =
  | { username: string; password: string }
  | { organization: string; email: string; password: string };

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface IssuedToken {
  principal: Principal;
  token: string;
  expiresIn: number;
  csrfToken: string | null;
}

export type { PersonalToken };

/** Bearer and session tokens touch `last_used_at` at most this often, not on every request. */
const touchIntervalMs = 60_000;

/**
 * Logins, tokens and the principal behind a request. Wrong credentials always produce the
 * same answer, whether the account is unknown, disabled, locked out or the password is wrong.
 */
export class AuthService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly security: SecuritySettingsService,
    private readonly maintenance: MaintenanceService,
    private readonly cache: RequestCache,
  ) {}

  /** Checks credentials and issues a UI session (with CSRF token) or a bearer token. */
  async login(
    credentials: Credentials,
    kind: "session" | "bearer",
    client: ClientInfo,
    /** The tenant a compatibility login is for (root URLs of the original's clients take it from the token). */
    tenantId: number | null = null,
  ): Promise<IssuedToken> {
    const principal = await this.checkCredentials(credentials, client);
    const ttl = kind === "session" ? this.ctx.config.sessionTtlSeconds : this.ctx.config.tokenTtlSeconds;
    const token = newToken(kind);
    const csrfToken = kind === "session" ? newToken("session").slice(4) : null;
    const now = this.ctx.clock.now();
    await this.ctx.db
      .insertInto("auth_tokens")
      .values({
        token_hash: hashToken(token),
        kind,
        principal_kind: principal.kind,
        principal_id: principal.id,
        org_id: principal.kind === "user" ? principal.organization.id : null,
        name: null,
        csrf_token: csrfToken,
        tenant_id: tenantId,
        created_at: now.toISOString(),
        expires_at: addSeconds(now, ttl).toISOString(),
        ip: client.ip,
        user_agent: client.userAgent?.slice(0, 512) ?? null,
      })
      .execute();
    return { principal, token, expiresIn: ttl, csrfToken };
  }

  /** Resolves a presented token to its principal, or throws 401. */
  async authenticate(
    token: string,
    kinds: readonly AuthTokenKind[],
  ): Promise<{ principal: Principal; tokenRow: AuthTokenRow }> {
    // Cached per token hash (RequestCache): a revoked token, a disabled account or organization
    // and a changed role make every node forget it. Unknown tokens are never cached.
    const hash = hashToken(token);
    const found = await this.cache.get("tokens", hash, async () => {
      const row = await this.ctx.db
        .selectFrom("auth_tokens")
        .selectAll()
        .where("token_hash", "=", hash)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (!row) throw new AuthenticationError(undefined, "The token is invalid or has expired.");
      return { row, principal: await loadActivePrincipal(this.ctx.db, row.principal_kind, row.principal_id) };
    });
    const { row, principal } = found;
    const now = this.ctx.clock.now();
    if (!kinds.includes(row.kind) || (row.expires_at !== null && row.expires_at <= now.toISOString())) {
      throw new AuthenticationError(undefined, "The token is invalid or has expired.");
    }
    if (!principal) throw new AuthenticationError(undefined, "The account behind this token can no longer sign in.");
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > touchIntervalMs) {
      const update: { last_used_at: string; expires_at?: string } = { last_used_at: now.toISOString() };
      // UI sessions expire after a period of inactivity, so each use pushes the deadline out.
      if (row.kind === "session") update.expires_at = addSeconds(now, this.ctx.config.sessionTtlSeconds).toISOString();
      await this.ctx.db.updateTable("auth_tokens").set(update).where("id", "=", row.id).execute();
      // The cached copy (shared by this node's requests) follows the row.
      found.row = { ...row, ...update };
    }
    return { principal, tokenRow: row };
  }

  async logout(tokenId: number): Promise<void> {
    await this.ctx.db
      .updateTable("auth_tokens")
      .set({ revoked_at: isoNow(this.ctx.clock) })
      .where("id", "=", tokenId)
      .execute();
  }

  async listPersonalTokens(principal: Principal): Promise<PersonalToken[]> {
    const rows = await this.ctx.db
      .selectFrom("auth_tokens")
      .selectAll()
      .where("principal_kind", "=", principal.kind)
      .where("principal_id", "=", principal.id)
      .where("kind", "=", "personal")
      .where("revoked_at", "is", null)
      .orderBy("id", "desc")
      .execute();
    return rows.map(presentPersonalToken);
  }

  /** Creates a personal access token; the token itself is returned this once only. */
  async createPersonalToken(
    actor: Actor,
    principal: Principal,
    input: { name: string; expiresInDays?: number | undefined },
  ): Promise<PersonalToken & { token: string }> {
    const token = newToken("personal");
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto("auth_tokens")
        .values({
          token_hash: hashToken(token),
          kind: "personal",
          principal_kind: principal.kind,
          principal_id: principal.id,
          org_id: principal.kind === "user" ? principal.organization.id : null,
          name: input.name,
          csrf_token: null,
          created_at: now.toISOString(),
          expires_at: input.expiresInDays ? addSeconds(now, input.expiresInDays * 86_400).toISOString() : null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(tx, actor, auditScopeOf(principal), {
        component: AuditComponent.tokens,
        action: AuditAction.create,
        target: { type: "token", id: row.id, name: input.name },
        after: { name: input.name, expiresAt: row.expires_at },
      });
      return { ...presentPersonalToken(row), token };
    });
  }

  async revokePersonalToken(actor: Actor, principal: Principal, id: number): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable("auth_tokens")
        .set({ revoked_at: isoNow(this.ctx.clock) })
        .where("id", "=", id)
        .where("kind", "=", "personal")
        .where("principal_kind", "=", principal.kind)
        .where("principal_id", "=", principal.id)
        .where("revoked_at", "is", null)
        .returning(["id", "name"])
        .executeTakeFirst();
      if (!row) throw new NotFoundError("The token");
      await this.audit.record(tx, actor, auditScopeOf(principal), {
        component: AuditComponent.tokens,
        action: AuditAction.revoke,
        target: { type: "token", id: row.id, name: row.name ?? "" },
      });
    });
  }

  /** Changes the caller's own password after checking the current one; other sessions end. */
  async changeOwnPassword(
    actor: Actor,
    principal: Principal,
    input: { currentPassword: string; newPassword: string },
    keepTokenId: number | null,
  ): Promise<void> {
    const table = principal.kind === "admin" ? "system_admins" : "users";
    const row = await this.ctx.db
      .selectFrom(table)
      .select("password_hash")
      .where("id", "=", principal.id)
      .executeTakeFirstOrThrow();
    if (!row.password_hash || !(await verifyPassword(row.password_hash, input.currentPassword))) {
      throw ValidationError.field("currentPassword", "is not your current password");
    }
    await this.assertPasswordAcceptable(input.newPassword, "newPassword");
    const passwordHash = await hashPassword(input.newPassword);
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx
        .updateTable(table)
        .set({ password_hash: passwordHash, updated_at: isoNow(this.ctx.clock) })
        .where("id", "=", principal.id)
        .execute();
      await this.revokeAllTokens(tx, principal.kind, principal.id, keepTokenId);
      await this.audit.record(tx, actor, auditScopeOf(principal), {
        component: principal.kind === "admin" ? AuditComponent.administrators : AuditComponent.users,
        action: AuditAction.changePassword,
        target: { type: principal.kind, id: principal.id, name: principal.name },
      });
    });
  }

  /**
   * The first sign-in of the bootstrap administrator: its own password (the generated one stops
   * working) and an e-mail address for recovery, in one step; other sessions end.
   */
  async completeSetup(
    actor: Actor,
    principal: Principal,
    input: { email: string; newPassword: string },
    keepTokenId: number | null,
  ): Promise<Principal> {
    if (principal.kind !== "admin" || !principal.setupRequired) {
      throw new ConflictError("This account has been set up already.", ProblemType.invalidStateTransition);
    }
    await this.assertPasswordAcceptable(input.newPassword, "newPassword");
    const passwordHash = await hashPassword(input.newPassword);
    const now = isoNow(this.ctx.clock);
    return this.ctx.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable("system_admins")
        .set({ password_hash: passwordHash, email: input.email, must_change_password: 0, updated_at: now })
        .where("id", "=", principal.id)
        .where("must_change_password", "=", 1)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new ConflictError("This account has been set up already.", ProblemType.invalidStateTransition);
      await this.revokeAllTokens(tx, "admin", principal.id, keepTokenId);
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.administrators,
          action: AuditAction.changePassword,
          target: { type: "admin", id: principal.id, name: principal.name },
          before: { email: principal.email },
          after: { email: input.email },
        },
      );
      return adminPrincipal(row);
    });
  }

  /** Throws a validation error naming `field` when the password breaks the host's policy. */
  async assertPasswordAcceptable(password: string, field: string): Promise<void> {
    const problems = passwordProblems(password, await this.security.get());
    if (problems.length > 0) throw ValidationError.field(field, problems.join("; "));
  }

  /** Ends every session and token of an account (password reset, disable, delete), except one. */
  async revokeAllTokens(
    db: Db,
    kind: "admin" | "user",
    id: number,
    exceptTokenId: number | null = null,
  ): Promise<void> {
    let q = db
      .updateTable("auth_tokens")
      .set({ revoked_at: isoNow(this.ctx.clock) })
      .where("principal_kind", "=", kind)
      .where("principal_id", "=", id)
      .where("revoked_at", "is", null);
    if (exceptTokenId !== null) q = q.where("id", "!=", exceptTokenId);
    await q.execute();
  }

  private async checkCredentials(credentials: Credentials, client: ClientInfo): Promise<Principal> {
    const now = this.ctx.clock.now();
    if ("username" in credentials) {
      const admin = await this.ctx.db
        .selectFrom("system_admins")
        .selectAll()
        .where("username", "=", credentials.username.trim().toLowerCase())
        .executeTakeFirst();
      if (!admin) {
        await verifyAgainstNothing(credentials.password);
        throw AuthenticationError.invalidCredentials();
      }
      const actor = { kind: "admin", id: admin.id, name: admin.username, orgId: null, ...client } as const;
      // The password is checked first, whatever the account's state: a locked or disabled account
      // costs the same hashing time as any other, so timing tells nothing about it.
      const passwordMatches = await verifyPassword(admin.password_hash, credentials.password);
      if (passwordMatches && admin.status === "active" && isLocked(admin.locked_until, now)) {
        await this.recordFailure("system_admins", admin.id, admin.failed_logins, admin.locked_until, actor, null);
        throw accountLocked(admin.locked_until);
      }
      const ok = passwordMatches && admin.status === "active" && !isLocked(admin.locked_until, now);
      if (!ok) {
        await this.recordFailure("system_admins", admin.id, admin.failed_logins, admin.locked_until, actor, null);
        throw AuthenticationError.invalidCredentials();
      }
      await this.recordSuccess("system_admins", admin.id, actor, null);
      return adminPrincipal({ ...admin, last_login_at: now.toISOString() });
    }

    const user = await this.ctx.db
      .selectFrom("users")
      .innerJoin("organizations as o", "o.id", "users.org_id")
      .selectAll("users")
      .select(["o.slug as org_slug", "o.name as org_name", "o.status as org_status"])
      .where("o.slug", "=", credentials.organization.trim().toLowerCase())
      .where("users.email", "=", credentials.email.trim().toLowerCase())
      .executeTakeFirst();
    if (!user || user.password_hash === null) {
      await verifyAgainstNothing(credentials.password);
      throw AuthenticationError.invalidCredentials();
    }
    const actor = { kind: "user", id: user.id, name: user.email, orgId: user.org_id, ...client } as const;
    const passwordMatches = await verifyPassword(user.password_hash, credentials.password);
    if (
      passwordMatches &&
      user.status === "active" &&
      user.org_status === "active" &&
      isLocked(user.locked_until, now)
    ) {
      await this.recordFailure("users", user.id, user.failed_logins, user.locked_until, actor, user.org_id);
      throw accountLocked(user.locked_until);
    }
    const ok =
      passwordMatches && user.status === "active" && user.org_status === "active" && !isLocked(user.locked_until, now);
    if (!ok) {
      await this.recordFailure("users", user.id, user.failed_logins, user.locked_until, actor, user.org_id);
      throw AuthenticationError.invalidCredentials();
    }
    // Maintenance refuses the login before it counts as one (no Login row, no lastLoginAt).
    await this.maintenance.assertUserMayProceed();
    await this.recordSuccess("users", user.id, actor, user.org_id);
    return userPrincipal(user, { id: user.org_id, slug: user.org_slug, name: user.org_name });
  }

  private async recordFailure(
    table: "system_admins" | "users",
    id: number,
    failedLogins: number,
    lockedUntil: string | null,
    actor: Actor,
    orgId: number | null,
  ): Promise<void> {
    const now = this.ctx.clock.now();
    const policy = await this.security.get();
    // While locked, failures neither count nor extend the lock: the lock ends when it said it would.
    const next = isLocked(lockedUntil, now)
      ? { failedLogins, lockedUntil }
      : afterFailedLogin(failedLogins, now, policy);
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx
        .updateTable(table)
        .set({ failed_logins: next.failedLogins, locked_until: next.lockedUntil })
        .where("id", "=", id)
        .execute();
      await this.audit.record(tx, actor, orgId === null ? { scope: "host" } : { scope: "org", orgId }, {
        component: AuditComponent.authentication,
        action: AuditAction.loginFailed,
        target: { type: table === "users" ? "user" : "admin", id, name: actor.name },
        after: next.lockedUntil && next.lockedUntil !== lockedUntil ? { lockedUntil: next.lockedUntil } : undefined,
      });
    });
  }

  private async recordSuccess(table: "system_admins" | "users", id: number, actor: Actor, orgId: number | null) {
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx
        .updateTable(table)
        .set({ failed_logins: 0, locked_until: null, last_login_at: isoNow(this.ctx.clock) })
        .where("id", "=", id)
        .execute();
      await this.audit.record(tx, actor, orgId === null ? { scope: "host" } : { scope: "org", orgId }, {
        component: AuditComponent.authentication,
        action: AuditAction.login,
        target: { type: table === "users" ? "user" : "admin", id, name: actor.name },
      });
    });
  }
}

/** Host audit log for system administrators, the org's own log for its users. */
export function auditScopeOf(principal: Principal) {
  return principal.kind === "admin"
    ? ({ scope: "host" } as const)
    : ({ scope: "org", orgId: principal.organization.id } as const);
}

function presentPersonalToken(row: AuthTokenRow): PersonalToken {
  return {
    id: row.id,
    name: row.name ?? "",
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

/**
 * The answer to the right password of a locked account. Only someone who knows the password
 * learns of the lock: a wrong password, or an unknown account, still gets "credentials not valid".
 */
function accountLocked(lockedUntil: string | null): AppError {
  return new AppError(
    401,
    ProblemType.accountLocked,
    "Account temporarily locked",
    `The account is locked after too many failed sign-ins until ${lockedUntil}. Try again then, or ask an administrator to unlock it.`,
    { lockedUntil },
  );
}
