import { isoNow } from "../../platform/clock.js";
import type { MasterKey } from "../../platform/master-key.js";
import {
  type AlertChannel,
  type AlertComponent,
  type AlertDetails,
  type AlertPreference,
  type AlertSeverity,
  alertCatalogue,
  alertComponents,
  alertMessage,
  alertPagePath,
  alertPreferencesPath,
  alertSeverities,
  severityAtLeast,
} from "../../shared/alerts.js";
import type { Alert, ListedAlert } from "../../shared/api/alerts.js";
import { AccountStatus } from "../../shared/identity.js";
import type { Db } from "../../storage/database.js";
import type { AlertTable } from "../../storage/schema.js";
import type { AccessService, TenantAccess } from "../access/access-service.js";
import type { AuditService } from "../audit/audit-service.js";
import type { ServiceContext } from "../context.js";
import type { NotificationService } from "../email/notification-service.js";
import { AlertPreferences } from "./alert-preferences.js";

export type NewAlert = Pick<
  AlertTable,
  "tenant_id" | "folder_id" | "severity" | "component" | "kind" | "message" | "link"
> & { details?: AlertDetails };

export type { Alert, ListedAlert };

/**
 * Alert records for the in-app alerts panel (job faulted, robot disconnected, robot unresponsive)
 * and their e-mails. An alert is raised in the transaction of its event; in the same transaction
 * every organization user who opted in to e-mails of its component and severity, and who may
 * see it (View on its folder, or the tenant's alerts), gets an outbox row. Digests and other
 * channels build on these rows later.
 */
export class AlertService extends AlertPreferences {
  constructor(
    ctx: ServiceContext,
    audit: AuditService,
    private readonly access: AccessService,
    private readonly notifications: NotificationService,
    masterKey: MasterKey,
  ) {
    super(ctx, audit, masterKey);
  }

  async raise(db: Db, alert: NewAlert): Promise<void> {
    const createdAt = isoNow(this.ctx.clock);
    const { details, ...row } = alert;
    await db
      .insertInto("alerts")
      .values({ ...row, details_json: details ? JSON.stringify(details) : null, created_at: createdAt })
      .execute();
    await this.ctx.events?.emit(db, { type: "alert.raised", alert, createdAt });
    // That e-mail is failing is told in-app and by webhook, not by another mail into the same outage.
    if (alert.kind !== "email-delivery-failing") await this.email(db, alert, createdAt);
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

export interface AlertFilter {
  /** Minimum severity. */
  severity?: AlertSeverity;
  component?: AlertComponent;
  /** true = read only, false = unread only. */
  read?: boolean;
  from?: string;
  to?: string;
}

/** Who sees an alert: a folder's alert needs Jobs View there; a tenant-wide one needs Alerts View. */
function maySee(access: TenantAccess, alert: Pick<AlertTable, "folder_id">): boolean {
  return alert.folder_id === null ? access.can("alerts.view") : access.canInFolder(alert.folder_id, "jobs.view");
}
