import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { NotFoundError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { MasterKey } from "../../platform/master-key.js";
import {
  type AlertComponent,
  type AlertDetails,
  type AlertEmailSubscription,
  alertComponents,
  alertPagePath,
  severityAtLeast,
} from "../../shared/alerts.js";
import { AccountStatus } from "../../shared/identity.js";
import type { Db } from "../../storage/database.js";
import type { AlertTable } from "../../storage/schema.js";
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

  /** Alerts the caller may see, newest first. */
  async list(access: TenantAccess, limit: number, before?: number): Promise<Alert[]> {
    // Who sees what (maySee) is decided in SQL, so a user who sees few folders still gets full pages.
    const folders = access.foldersWith("jobs.view");
    const tenantWide = access.can("alerts.view");
    const rows = await this.ctx.db
      .selectFrom("alerts")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .$if(before !== undefined, (q) => q.where("id", "<", before ?? 0))
      .where((eb) => {
        const visible = [];
        if (tenantWide) visible.push(eb("folder_id", "is", null));
        if (folders === "all") visible.push(eb("folder_id", "is not", null));
        else if (folders.length > 0) visible.push(eb("folder_id", "in", folders));
        return visible.length > 0 ? eb.or(visible) : eb.lit(false);
      })
      .orderBy("id", "desc")
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
    }));
  }

  /** The user's alert e-mail opt-ins, one per component at most. */
  async subscriptions(userId: number): Promise<AlertEmailSubscription[]> {
    const rows = await this.ctx.db
      .selectFrom("alert_email_subscriptions")
      .select(["component", "min_severity"])
      .where("user_id", "=", userId)
      .execute();
    return alertComponents.flatMap((component) => {
      const row = rows.find((r) => r.component === component);
      return row ? [{ component, minSeverity: row.min_severity }] : [];
    });
  }

  /** Replaces the user's opt-ins (an empty list turns alert e-mails off). */
  async setSubscriptions(
    actor: Actor,
    user: { id: number; email: string; orgId: number },
    wanted: AlertEmailSubscription[],
  ): Promise<AlertEmailSubscription[]> {
    const before = await this.subscriptions(user.id);
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("alert_email_subscriptions").where("user_id", "=", user.id).execute();
      if (wanted.length > 0) {
        await tx
          .insertInto("alert_email_subscriptions")
          .values(
            wanted.map((s) => ({
              user_id: user.id,
              component: s.component,
              min_severity: s.minSeverity,
              created_at: isoNow(this.ctx.clock),
            })),
          )
          .execute();
      }
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
   * Ends one opt-in from the signed link of an alert e-mail (no sign-in: the token is sealed by
   * the master key and names the user and component). Repeating it is harmless.
   */
  async unsubscribe(token: string): Promise<{ component: AlertComponent }> {
    let parsed: { u: number; c: AlertComponent };
    try {
      if (!token.startsWith(tokenPrefix.unsubscribe)) throw new Error("not an unsubscribe token");
      const sealed = Buffer.from(token.slice(tokenPrefix.unsubscribe.length), "base64url").toString("utf8");
      parsed = JSON.parse(this.masterKey.decrypt(sealed, unsubscribeContext)) as typeof parsed;
    } catch {
      throw new NotFoundError("This unsubscribe link is not valid (it may be incomplete).");
    }
    await this.ctx.db.transaction().execute(async (tx) => {
      const user = await tx
        .selectFrom("users")
        .select(["id", "email", "org_id"])
        .where("id", "=", parsed.u)
        .executeTakeFirst();
      if (!user) return;
      const removed = await tx
        .deleteFrom("alert_email_subscriptions")
        .where("user_id", "=", user.id)
        .where("component", "=", parsed.c)
        .executeTakeFirst();
      if (Number(removed.numDeletedRows) === 0) return;
      await this.audit.record(
        tx,
        { kind: "user", id: user.id, name: user.email, orgId: user.org_id, ip: null, userAgent: null },
        { scope: "org", orgId: user.org_id },
        {
          component: AuditComponent.users,
          action: AuditAction.update,
          target: { type: "user", id: user.id, name: user.email },
          before: { alertEmails: parsed.c },
          after: { alertEmails: `${parsed.c} unsubscribed by e-mail link` },
        },
      );
    });
    return { component: parsed.c };
  }

  /** The token of an unsubscribe link: the user and component sealed by the master key (nothing is stored). */
  private unsubscribeToken(userId: number, component: AlertComponent): string {
    const sealed = this.masterKey.encrypt(JSON.stringify({ u: userId, c: component }), unsubscribeContext);
    return `${tokenPrefix.unsubscribe}${Buffer.from(sealed).toString("base64url")}`;
  }

  /** Queues the alert's e-mail for each opted-in user of the tenant's organization who may see it. */
  private async email(db: Db, alert: NewAlert, createdAt: string): Promise<void> {
    const candidates = await db
      .selectFrom("alert_email_subscriptions as s")
      .innerJoin("users as u", "u.id", "s.user_id")
      .innerJoin("tenants as t", "t.org_id", "u.org_id")
      .innerJoin("organizations as o", "o.id", "u.org_id")
      .select([
        "u.id",
        "u.email",
        "u.name",
        "u.locale",
        "u.role",
        "s.min_severity",
        "t.name as tenant",
        "o.id as orgId",
      ])
      .where("t.id", "=", alert.tenant_id)
      .where("s.component", "=", alert.component)
      .where("u.status", "=", AccountStatus.active)
      .where("o.status", "=", AccountStatus.active)
      .orderBy("u.id")
      .execute();
    const eligible = candidates.filter((c) => severityAtLeast(alert.severity, c.min_severity));
    const access = await this.access.forUsers(
      eligible.map((c) => ({ id: c.id, role: c.role })),
      alert.tenant_id,
      db,
    );
    const recipients = eligible.filter((_, i) => maySee(access[i] as TenantAccess, alert));
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
          path: alertPagePath(alert.tenant_id, alert.link) ?? `/org/t/${alert.tenant_id}/jobs`,
          createdAt,
        },
        {
          orgId: r.orgId,
          secret: this.unsubscribeToken(r.id, alert.component),
        },
      );
    }
  }
}

/** Who sees an alert: a folder's alert needs Jobs View there; a tenant-wide one needs Alerts View. */
function maySee(access: TenantAccess, alert: Pick<AlertTable, "folder_id">): boolean {
  return alert.folder_id === null ? access.can("alerts.view") : access.canInFolder(alert.folder_id, "jobs.view");
}
