import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { NotFoundError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { MasterKey } from "../../platform/master-key.js";
import {
  type AlertChannel,
  type AlertComponent,
  type AlertDetails,
  type AlertEmailSubscription,
  type AlertPreference,
  type AlertSeverity,
  alertCatalogue,
  alertComponents,
  alertMessage,
  alertPagePath,
  alertPreferencesPath,
  alertSeverities,
  builtInPreference,
  severityAtLeast,
} from "../../shared/alerts.js";
import { AccountStatus } from "../../shared/identity.js";
import type { Db } from "../../storage/database.js";
import type { AlertPreferenceTable, AlertTable } from "../../storage/schema.js";
import type { AccessService, TenantAccess } from "../access/access-service.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import type { NotificationService } from "../email/notification-service.js";
import { tokenPrefix } from "../identity/secrets.js";

export type NewAlert = Pick<
  AlertTable,
  "tenant_id" | "folder_id" | "severity" | "component" | "kind" | "message" | "link"
> & { details?: AlertDetails };

export interface Alert {
  id: number;
  folderId: number | null;
  severity: AlertTable["severity"];
  component: AlertTable["component"];
  kind: string;
  message: string;
  details: AlertDetails | null;
  link: string | null;
  createdAt: string;
}

/** Encryption context of unsubscribe tokens (they carry the user and component, sealed by the master key). */
const unsubscribeContext = "alert-email.unsubscribe";

/**
 * Alert records for the in-app alerts panel (job faulted, robot disconnected, robot unresponsive)
 * and their e-mails. An alert is raised in the transaction of its event; in the same transaction
 * every organization user who opted in to e-mails of its component and severity, and who may
 * see it (View on its folder, or the tenant's alerts), gets an outbox row. Digests and other
 * channels build on these rows later.
 */
export class AlertService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly access: AccessService,
    private readonly notifications: NotificationService,
    private readonly masterKey: MasterKey,
  ) {}

  async raise(db: Db, alert: NewAlert): Promise<void> {
    const createdAt = isoNow(this.ctx.clock);
    const { details, ...row } = alert;
    await db
      .insertInto("alerts")
      .values({ ...row, details_json: details ? JSON.stringify(details) : null, created_at: createdAt })
      .execute();
    await this.ctx.events?.emit(db, { type: "alert.raised", alert, createdAt });
    await this.email(db, alert, createdAt);
  }

  /**
   * Raises an alert of a catalogued kind: its component and severity come from the catalogue,
   * its English message from its sentence (so a source raises one with one line).
   */
  async raiseKind(
    db: Db,
    kind: string,
    where: { tenantId: number; folderId?: number | null; link?: string | null },
    details: AlertDetails,
  ): Promise<void> {
    const entry = alertCatalogue.find((k) => k.kind === kind);
    if (!entry) throw new Error(`alert kind ${kind} is not in the catalogue`);
    await this.raise(db, {
      tenant_id: where.tenantId,
      folder_id: where.folderId ?? null,
      severity: entry.severity,
      component: entry.component,
      kind,
      message: alertMessage(kind, details, "en") ?? kind,
      link: where.link ?? null,
      details,
    });
  }

  /** Alerts the caller may see (and chose to see in-app), newest first, with their read state. */
  async list(
    access: TenantAccess,
    userId: number | null,
    limit: number,
    before?: number,
    filter: AlertFilter = {},
  ): Promise<ListedAlert[]> {
    const mark = await this.readMark(userId, access.tenantId);
    const prefs = userId === null ? null : await this.effective([userId], access.tenantId);
    const rows = await this.visible(access, prefs?.get(userId as number) ?? null, filter, mark, userId)
      .$if(before !== undefined, (q) => q.where("alerts.id", "<", before ?? 0))
      .selectAll("alerts")
      .$if(userId !== null, (q) =>
        q.select((eb) =>
          eb
            .exists(
              eb
                .selectFrom("alert_reads as r")
                .select("r.alert_id")
                .whereRef("r.alert_id", "=", "alerts.id")
                .where("r.user_id", "=", userId ?? 0),
            )
            .as("has_read"),
        ),
      )
      .orderBy("alerts.id", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      folderId: r.folder_id,
      severity: r.severity,
      component: r.component,
      kind: r.kind,
      message: r.message,
      details: r.details_json ? (JSON.parse(r.details_json) as AlertDetails) : null,
      link: r.link,
      createdAt: r.created_at,
      read: userId === null ? false : r.id <= mark || Boolean((r as unknown as { has_read?: unknown }).has_read),
    }));
  }

  /** How many alerts the caller may see (and chose to see in-app) are unread. */
  async unreadCount(access: TenantAccess, userId: number | null): Promise<number> {
    const mark = await this.readMark(userId, access.tenantId);
    const prefs = userId === null ? null : await this.effective([userId], access.tenantId);
    const row = await this.visible(access, prefs?.get(userId as number) ?? null, { read: false }, mark, userId)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Marks alerts of the tenant read for the user (ids of other tenants are ignored). */
  async markRead(access: TenantAccess, userId: number, ids: number[]): Promise<void> {
    const own = await this.ctx.db
      .selectFrom("alerts")
      .select("id")
      .where("tenant_id", "=", access.tenantId)
      .where("id", "in", ids)
      .execute();
    if (own.length === 0) return;
    const at = isoNow(this.ctx.clock);
    await this.ctx.db
      .insertInto("alert_reads")
      .values(own.map((a) => ({ user_id: userId, alert_id: a.id, read_at: at })))
      .onConflict((oc) => oc.columns(["user_id", "alert_id"]).doNothing())
      .execute();
  }

  /** Marks every alert of the tenant raised so far read for the user. */
  async markAllRead(access: TenantAccess, userId: number): Promise<void> {
    const top = await this.ctx.db
      .selectFrom("alerts")
      .select((eb) => eb.fn.max("id").as("id"))
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    const upTo = Number(top?.id ?? 0);
    if (upTo === 0) return;
    await this.ctx.db
      .insertInto("alert_read_marks")
      .values({ user_id: userId, tenant_id: access.tenantId, up_to_id: upTo })
      .onConflict((oc) => oc.columns(["user_id", "tenant_id"]).doUpdateSet({ up_to_id: upTo }))
      .execute();
  }

  private async readMark(userId: number | null, tenantId: number): Promise<number> {
    if (userId === null) return 0;
    const row = await this.ctx.db
      .selectFrom("alert_read_marks")
      .select("up_to_id")
      .where("user_id", "=", userId)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    return row?.up_to_id ?? 0;
  }

  /** The tenant's alerts the caller may see, chose to see in-app, and that match the filter. */
  private visible(
    access: TenantAccess,
    prefs: Map<AlertComponent, AlertPreference> | null,
    filter: AlertFilter,
    mark: number,
    userId: number | null,
  ) {
    // Who sees what (maySee) is decided in SQL, so a user who sees few folders still gets full pages.
    const folders = access.foldersWith("jobs.view");
    const tenantWide = access.can("alerts.view");
    const minimum = filter.severity ?? "info";
    return this.ctx.db
      .selectFrom("alerts")
      .where("alerts.tenant_id", "=", access.tenantId)
      .where((eb) => {
        const visible = [];
        if (tenantWide) visible.push(eb("alerts.folder_id", "is", null));
        if (folders === "all") visible.push(eb("alerts.folder_id", "is not", null));
        else if (folders.length > 0) visible.push(eb("alerts.folder_id", "in", folders));
        return visible.length > 0 ? eb.or(visible) : eb.lit(false);
      })
      .where((eb) => {
        // Per component, the severities at or above both the filter and the user's in-app choice.
        const wanted = alertComponents
          .filter((c) => filter.component === undefined || filter.component === c)
          .flatMap((c) => {
            const own = prefs ? (prefs.get(c)?.inApp ?? null) : "info";
            if (own === null) return [];
            const severities = alertSeverities.filter((s) => severityAtLeast(s, own) && severityAtLeast(s, minimum));
            return severities.length > 0
              ? [eb.and([eb("alerts.component", "=", c), eb("alerts.severity", "in", severities)])]
              : [];
          });
        return wanted.length > 0 ? eb.or(wanted) : eb.lit(false);
      })
      .$if(filter.from !== undefined, (q) => q.where("alerts.created_at", ">=", filter.from ?? ""))
      .$if(filter.to !== undefined, (q) => q.where("alerts.created_at", "<", filter.to ?? ""))
      .$if(filter.read !== undefined && userId !== null, (q) =>
        q.where((eb) => {
          const readSelf = eb.exists(
            eb
              .selectFrom("alert_reads as r")
              .select("r.alert_id")
              .whereRef("r.alert_id", "=", "alerts.id")
              .where("r.user_id", "=", userId ?? 0),
          );
          return filter.read
            ? eb.or([eb("alerts.id", "<=", mark), readSelf])
            : eb.and([eb("alerts.id", ">", mark), eb.not(readSelf)]);
        }),
      )
      .$if(filter.read === true && userId === null, (q) => q.where((eb) => eb.lit(false)));
  }

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

  /**
   * The active users of the tenant's organization who may see `alert` and chose `channel` for
   * its component at or below its severity, with their effective preferences.
   */
  async recipients(
    db: Db,
    alert: Pick<AlertTable, "tenant_id" | "folder_id" | "component" | "severity">,
    channel: AlertChannel,
  ) {
    const candidates = await this.orgUsers(db, alert.tenant_id);
    const prefs = await this.effective(
      candidates.map((c) => c.id),
      alert.tenant_id,
      db,
    );
    const eligible = candidates.filter((c) => {
      const min = prefs.get(c.id)?.get(alert.component)?.[channel] ?? null;
      return min !== null && severityAtLeast(alert.severity, min);
    });
    const access = await this.access.forUsers(
      eligible.map((c) => ({ id: c.id, role: c.role })),
      alert.tenant_id,
      db,
    );
    return eligible.filter((_, i) => maySee(access[i] as TenantAccess, alert));
  }

  /** The active users of the tenant's (active) organization. */
  async orgUsers(db: Db, tenantId: number) {
    return db
      .selectFrom("users as u")
      .innerJoin("tenants as t", "t.org_id", "u.org_id")
      .innerJoin("organizations as o", "o.id", "u.org_id")
      .select(["u.id", "u.email", "u.name", "u.locale", "u.role", "t.name as tenant", "o.id as orgId"])
      .where("t.id", "=", tenantId)
      .where("u.status", "=", AccountStatus.active)
      .where("o.status", "=", AccountStatus.active)
      .orderBy("u.id")
      .execute();
  }

  /** Queues the alert's e-mail for each user of the tenant's organization who chose immediate mail and may see it. */
  private async email(db: Db, alert: NewAlert, createdAt: string): Promise<void> {
    const recipients = await this.recipients(db, alert, "email");
    if (recipients.length === 0) return;
    const folder = alert.folder_id
      ? await db.selectFrom("folders").select("name").where("id", "=", alert.folder_id).executeTakeFirst()
      : undefined;
    for (const r of recipients) {
      // One row per recipient: each carries its own unsubscribe token, sealed like other link secrets.
      await this.notifications.notify(
        db,
        [{ address: r.email, name: r.name, locale: r.locale }],
        "alert",
        {
          severity: alert.severity,
          component: alert.component,
          kind: alert.kind,
          details: alert.details ?? null,
          message: alert.message,
          tenantName: r.tenant,
          folderName: folder?.name ?? null,
          path: alertPagePath(alert.tenant_id, alert.link) ?? `/org/t/${alert.tenant_id}/alerts`,
          preferencesPath: alertPreferencesPath(alert.tenant_id),
          createdAt,
        },
        {
          orgId: r.orgId,
          secret: this.unsubscribeToken(r.id, alert.component, "email", alert.tenant_id),
        },
      );
    }
  }
}

interface UnsubscribeClaims {
  u: number;
  c: AlertComponent | "all";
  ch?: AlertChannel;
  t?: number;
}

export interface AlertFilter {
  /** Minimum severity. */
  severity?: AlertSeverity;
  component?: AlertComponent;
  /** true = read only, false = unread only. */
  read?: boolean;
  from?: string;
  to?: string;
}

export interface ListedAlert extends Alert {
  read: boolean;
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

/** Who sees an alert: a folder's alert needs Jobs View there; a tenant-wide one needs Alerts View. */
function maySee(access: TenantAccess, alert: Pick<AlertTable, "folder_id">): boolean {
  return alert.folder_id === null ? access.can("alerts.view") : access.canInFolder(alert.folder_id, "jobs.view");
}
