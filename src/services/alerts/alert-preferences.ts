import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { NotFoundError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { MasterKey } from "../../platform/master-key.js";
import {
  type AlertChannel,
  type AlertComponent,
  type AlertEmailSubscription,
  type AlertPreference,
  alertComponents,
  builtInPreference,
} from "../../shared/alerts.js";
import type { Db } from "../../storage/database.js";
import type { AlertPreferenceTable } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import { tokenPrefix } from "../identity/secrets.js";

/** Encryption context of unsubscribe tokens (they carry the user and component, sealed by the master key). */
const unsubscribeContext = "alert-email.unsubscribe";

/**
 * Who wants which alerts how: each user's channels per component (in-app, e-mail, digest,
 * summary), the tenant's defaults for users without their own, the e-mail opt-ins, and the
 * signed unsubscribe links of alert e-mails. `AlertService` extends this class, so callers keep
 * reaching these methods through `services.alerts`.
 */
export class AlertPreferences {
  constructor(
    protected readonly ctx: ServiceContext,
    protected readonly audit: AuditService,
    protected readonly masterKey: MasterKey,
  ) {}

  /**
   * Each user's choice per component in the tenant: their own row, else the tenant's default for
   * new users, else the built-in (everything in-app, no mail).
   */
  async effective(
    userIds: number[],
    tenantId: number,
    db: Db = this.ctx.db,
  ): Promise<Map<number, Map<AlertComponent, AlertPreference>>> {
    const out = new Map<number, Map<AlertComponent, AlertPreference>>();
    if (userIds.length === 0) return out;
    const [own, defaults] = await Promise.all([
      db.selectFrom("alert_preferences").selectAll().where("user_id", "in", userIds).execute(),
      db.selectFrom("alert_preference_defaults").selectAll().where("tenant_id", "=", tenantId).execute(),
    ]);
    for (const id of userIds) {
      const mine = own.filter((r) => r.user_id === id);
      const map = new Map<AlertComponent, AlertPreference>();
      for (const c of alertComponents) {
        const row = mine.find((r) => r.component === c) ?? defaults.find((r) => r.component === c);
        map.set(c, row ? fromRow(row) : builtInPreference(c));
      }
      out.set(id, map);
    }
    return out;
  }

  /** The user's preferences in the tenant, and whether they are the user's own or the tenant's defaults. */
  async preferences(
    userId: number,
    tenantId: number,
  ): Promise<{ source: "own" | "defaults"; items: AlertPreference[] }> {
    const own = await this.ctx.db
      .selectFrom("alert_preferences")
      .select("component")
      .where("user_id", "=", userId)
      .executeTakeFirst();
    const map = (await this.effective([userId], tenantId)).get(userId) as Map<AlertComponent, AlertPreference>;
    return { source: own ? "own" : "defaults", items: alertComponents.map((c) => map.get(c) as AlertPreference) };
  }

  /** Replaces the user's own preferences (they apply in every tenant of the organization). */
  async setPreferences(
    actor: Actor,
    user: { id: number; email: string; orgId: number },
    tenantId: number,
    wanted: AlertPreference[],
  ): Promise<{ source: "own" | "defaults"; items: AlertPreference[] }> {
    const before = await this.preferences(user.id, tenantId);
    await this.ctx.db.transaction().execute(async (tx) => {
      await this.writeOwn(tx, user.id, wanted);
      await this.audit.record(
        tx,
        actor,
        { scope: "org", orgId: user.orgId },
        {
          component: AuditComponent.users,
          action: AuditAction.update,
          target: { type: "user", id: user.id, name: user.email },
          before: { alertPreferences: before.items },
          after: { alertPreferences: wanted },
        },
      );
    });
    return this.preferences(user.id, tenantId);
  }

  private async writeOwn(tx: Db, userId: number, wanted: AlertPreference[]): Promise<void> {
    await tx.deleteFrom("alert_preferences").where("user_id", "=", userId).execute();
    if (wanted.length === 0) return;
    const at = isoNow(this.ctx.clock);
    await tx
      .insertInto("alert_preferences")
      .values(wanted.map((p) => ({ user_id: userId, ...toRow(p), updated_at: at })))
      .execute();
  }

  /** The tenant's defaults for users without their own preferences (built-in where none is set). */
  async defaults(tenantId: number): Promise<AlertPreference[]> {
    const rows = await this.ctx.db
      .selectFrom("alert_preference_defaults")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .execute();
    return alertComponents.map((c) => {
      const row = rows.find((r) => r.component === c);
      return row ? fromRow(row) : builtInPreference(c);
    });
  }

  /** Sets the tenant's defaults for users without their own preferences (tenant administrators). */
  async setDefaults(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    wanted: AlertPreference[],
  ): Promise<AlertPreference[]> {
    access.assertTenant("settings.edit");
    const before = await this.defaults(access.tenantId);
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("alert_preference_defaults").where("tenant_id", "=", access.tenantId).execute();
      const at = isoNow(this.ctx.clock);
      if (wanted.length > 0)
        await tx
          .insertInto("alert_preference_defaults")
          .values(wanted.map((p) => ({ tenant_id: access.tenantId, ...toRow(p), updated_at: at })))
          .execute();
      await this.audit.record(
        tx,
        actor,
        { scope: "org", orgId },
        {
          component: AuditComponent.settings,
          action: AuditAction.update,
          target: { type: "tenant", id: access.tenantId, name: String(access.tenantId) },
          before: { alertDefaults: before },
          after: { alertDefaults: wanted },
        },
      );
    });
    return this.defaults(access.tenantId);
  }

  /** The user's alert e-mail opt-ins (the `email` channel of their own preferences). */
  async subscriptions(userId: number): Promise<AlertEmailSubscription[]> {
    const rows = await this.ctx.db
      .selectFrom("alert_preferences")
      .select(["component", "email"])
      .where("user_id", "=", userId)
      .where("email", "is not", null)
      .execute();
    return alertComponents.flatMap((component) => {
      const row = rows.find((r) => r.component === component);
      return row?.email ? [{ component, minSeverity: row.email }] : [];
    });
  }

  /** Replaces the user's e-mail opt-ins (an empty list turns immediate alert e-mails off); other channels stay. */
  async setSubscriptions(
    actor: Actor,
    user: { id: number; email: string; orgId: number },
    wanted: AlertEmailSubscription[],
  ): Promise<AlertEmailSubscription[]> {
    const before = await this.subscriptions(user.id);
    await this.ctx.db.transaction().execute(async (tx) => {
      const own = await tx.selectFrom("alert_preferences").selectAll().where("user_id", "=", user.id).execute();
      const next = alertComponents.flatMap((c) => {
        const row = own.find((r) => r.component === c);
        const email = wanted.find((w) => w.component === c)?.minSeverity ?? null;
        if (!row && email === null) return [];
        return [{ ...(row ? fromRow(row) : builtInPreference(c)), email }];
      });
      await this.writeOwn(tx, user.id, next);
      await this.audit.record(
        tx,
        actor,
        { scope: "org", orgId: user.orgId },
        {
          component: AuditComponent.users,
          action: AuditAction.update,
          target: { type: "user", id: user.id, name: user.email },
          before: { alertEmails: before },
          after: { alertEmails: wanted },
        },
      );
    });
    return this.subscriptions(user.id);
  }

  /**
   * Ends one channel of one component (or all components) from the signed link of an alert
   * e-mail (no sign-in: the token is sealed by the master key and names the user, component,
   * channel and tenant). A user following the tenant's defaults gets own preferences: the
   * defaults without that channel. Repeating it is harmless.
   */
  async unsubscribe(token: string): Promise<{ component: AlertComponent | "all"; channel: AlertChannel }> {
    let parsed: UnsubscribeClaims;
    try {
      if (!token.startsWith(tokenPrefix.unsubscribe)) throw new Error("not an unsubscribe token");
      const sealed = Buffer.from(token.slice(tokenPrefix.unsubscribe.length), "base64url").toString("utf8");
      parsed = JSON.parse(this.masterKey.decrypt(sealed, unsubscribeContext)) as UnsubscribeClaims;
    } catch {
      throw new NotFoundError("This unsubscribe link is not valid (it may be incomplete).");
    }
    const channel: AlertChannel = parsed.ch ?? "email";
    await this.ctx.db.transaction().execute(async (tx) => {
      const user = await tx
        .selectFrom("users")
        .select(["id", "email", "org_id"])
        .where("id", "=", parsed.u)
        .executeTakeFirst();
      if (!user) return;
      const tenant =
        parsed.t ??
        (await tx.selectFrom("tenants").select("id").where("org_id", "=", user.org_id).executeTakeFirst())?.id;
      const current = (await this.effective([user.id], tenant ?? 0, tx)).get(user.id) as Map<
        AlertComponent,
        AlertPreference
      >;
      const own = await tx.selectFrom("alert_preferences").select("component").where("user_id", "=", user.id).execute();
      const base = own.length > 0 ? own.map((r) => current.get(r.component) as AlertPreference) : [...current.values()];
      let changed = false;
      const next = base.map((p) => {
        if ((parsed.c === "all" || p.component === parsed.c) && p[channel] !== null) {
          changed = true;
          return { ...p, [channel]: null };
        }
        return p;
      });
      if (!changed) return;
      await this.writeOwn(tx, user.id, next);
      await this.audit.record(
        tx,
        { kind: "user", id: user.id, name: user.email, orgId: user.org_id, ip: null, userAgent: null },
        { scope: "org", orgId: user.org_id },
        {
          component: AuditComponent.users,
          action: AuditAction.update,
          target: { type: "user", id: user.id, name: user.email },
          before: { alertEmails: `${parsed.c} ${channel}` },
          after: { alertEmails: `${parsed.c} ${channel} unsubscribed by e-mail link` },
        },
      );
    });
    return { component: parsed.c, channel };
  }

  /** The token of an unsubscribe link: user, component, channel and tenant sealed by the master key (nothing is stored). */
  unsubscribeToken(
    userId: number,
    component: AlertComponent | "all",
    channel: AlertChannel = "email",
    tenantId?: number,
  ): string {
    const claims: UnsubscribeClaims = {
      u: userId,
      c: component,
      ...(channel !== "email" && { ch: channel }),
      ...(tenantId !== undefined && { t: tenantId }),
    };
    const sealed = this.masterKey.encrypt(JSON.stringify(claims), unsubscribeContext);
    return `${tokenPrefix.unsubscribe}${Buffer.from(sealed).toString("base64url")}`;
  }
}

interface UnsubscribeClaims {
  u: number;
  c: AlertComponent | "all";
  ch?: AlertChannel;
  t?: number;
}

type ChannelRow = Pick<AlertPreferenceTable, "component" | "in_app" | "email" | "digest" | "summary">;

function fromRow(row: ChannelRow): AlertPreference {
  return {
    component: row.component,
    inApp: row.in_app,
    email: row.email,
    digest: row.digest === "error" || row.digest === "fatal" ? row.digest : null,
    summary: row.summary,
  };
}

function toRow(p: AlertPreference): ChannelRow {
  return { component: p.component, in_app: p.inApp, email: p.email, digest: p.digest, summary: p.summary };
}
