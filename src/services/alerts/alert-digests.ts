import { localDate, Schedule } from "../../domain/cron.js";
import {
  type AlertComponent,
  type AlertDetails,
  type AlertSeverity,
  alertComponents,
  alertPagePath,
  alertPreferencesPath,
  alertSeverities,
  alertsPagePath,
  digestSeverities,
  severityAtLeast,
} from "../../shared/alerts.js";
import { AccountStatus } from "../../shared/identity.js";
import type { Db } from "../../storage/database.js";
import type { AlertTable } from "../../storage/schema.js";
import type { AccessService, TenantAccess } from "../access/access-service.js";
import type { ServiceContext } from "../context.js";
import type { NotificationService } from "../email/notification-service.js";
import type { DomainEvents } from "../events/domain-events.js";
import type { AlertService } from "./alert-service.js";

/** The batched digest's window: Error and Fatal alerts of each 10 minutes, in one mail. */
export const digestWindowMs = 10 * 60_000;
/** A window is mailed this long after it ends, so alerts raised in its last moment have committed. */
export const digestGraceMs = 5_000;
/** Windows missed while no node ran (a restart) are still mailed for this long. */
const digestCatchUpWindows = 6;
/** The daily summary's hour in the tenant's time zone, and how late it may still be sent after a downtime. */
export const summaryCron = "0 7 * * *";
const summaryLateMs = 12 * 3600_000;
/** The faults a daily summary names. */
const topFaults = 5;

type AlertRow = AlertTable & { id: number };

/**
 * The e-mail digests of alerts: every 10 minutes one mail per user listing the Error and Fatal
 * alerts of the window they chose the `digest` channel for, and at 07:00 in each tenant's time
 * zone a summary of the last 24 hours (counts per component, the top faults, links). Both go
 * through the outbox; a row in `alert_digests` per (user, tenant, kind, period), written in the
 * transaction of the outbox row, makes each digest go out exactly once however many nodes run.
 */
export class AlertDigests {
  private readonly schedules = new Map<string, Schedule>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly alerts: AlertService,
    private readonly access: AccessService,
    private readonly notifications: NotificationService,
  ) {}

  /** Raises the alerts whose source tells the domain events (a job stopped). */
  listen(events: DomainEvents): void {
    events.on(async (db, event) => {
      if (event.type === "job.stateChanged" && event.job.state === "stopped" && event.from !== "pending") {
        await this.alerts.raiseKind(
          db,
          "job-stopped",
          { tenantId: event.job.tenant_id, folderId: event.job.folder_id, link: `/jobs/${event.job.id}` },
          { jobId: event.job.id, processName: event.job.process_name },
        );
      }
    });
  }

  /** Sends the digests and summaries that are due; returns how many mails were queued. */
  async run(): Promise<{ batches: number; summaries: number }> {
    return { batches: await this.batches(), summaries: await this.summaries() };
  }

  /** The batched digests of the windows that ended (and of a few missed before them). */
  async batches(): Promise<number> {
    const now = this.ctx.clock.now().getTime();
    const lastEnd = Math.floor((now - digestGraceMs) / digestWindowMs) * digestWindowMs;
    let sent = 0;
    for (let i = digestCatchUpWindows - 1; i >= 0; i--) {
      const end = lastEnd - i * digestWindowMs;
      sent += await this.batch(new Date(end - digestWindowMs), new Date(end));
    }
    return sent;
  }

  private async batch(from: Date, to: Date): Promise<number> {
    const rows = (await this.ctx.db
      .selectFrom("alerts")
      .selectAll()
      .where("created_at", ">=", from.toISOString())
      .where("created_at", "<", to.toISOString())
      .where("severity", "in", [...digestSeverities])
      .orderBy("id")
      .execute()) as AlertRow[];
    if (rows.length === 0) return 0;
    const period = from.toISOString();
    let sent = 0;
    for (const tenantId of new Set(rows.map((r) => r.tenant_id))) {
      const tenantAlerts = rows.filter((r) => r.tenant_id === tenantId);
      const done = await this.claimed(tenantId, "batch", period);
      const perUser = new Map<number, { user: Recipient; alerts: AlertRow[] }>();
      for (const alert of tenantAlerts) {
        for (const r of await this.alerts.recipients(this.ctx.db, alert, "digest")) {
          if (done.has(r.id)) continue;
          const entry = perUser.get(r.id) ?? { user: r, alerts: [] };
          entry.alerts.push(alert);
          perUser.set(r.id, entry);
        }
      }
      if (perUser.size === 0) continue;
      const tz = await this.timeZone(tenantId);
      const folders = await this.folderNames(tenantAlerts);
      for (const { user, alerts } of perUser.values()) {
        const ok = await this.claimAndSend(user, tenantId, "batch", period, alerts.length, "alert-digest", {
          tenantName: user.tenant,
          timeZone: tz,
          from: from.toISOString(),
          to: to.toISOString(),
          alerts: alerts.map((a) => ({
            severity: a.severity,
            component: a.component,
            kind: a.kind,
            message: a.message,
            details: a.details_json ? (JSON.parse(a.details_json) as AlertDetails) : null,
            folderName: a.folder_id ? (folders.get(a.folder_id) ?? null) : null,
            path: alertPagePath(tenantId, a.link) ?? alertsPagePath(tenantId),
            createdAt: a.created_at,
          })),
          alertsPath: alertsPagePath(tenantId),
          preferencesPath: alertPreferencesPath(tenantId),
        });
        if (ok) sent += 1;
      }
    }
    return sent;
  }

  /** The daily summaries due now: the latest 07:00 of each tenant's zone, not older than 12 h. */
  async summaries(): Promise<number> {
    const now = this.ctx.clock.now();
    const tenants = await this.ctx.db
      .selectFrom("tenants as t")
      .innerJoin("organizations as o", "o.id", "t.org_id")
      .select(["t.id", "t.time_zone"])
      .where("t.status", "=", AccountStatus.active)
      .where("o.status", "=", AccountStatus.active)
      .execute();
    let sent = 0;
    for (const tenant of tenants) {
      const at = this.schedule(tenant.time_zone).previous(new Date(now.getTime() + 1));
      if (!at || now.getTime() - at.getTime() > summaryLateMs) continue;
      sent += await this.summary(tenant.id, tenant.time_zone, at);
    }
    return sent;
  }

  private async summary(tenantId: number, timeZone: string, at: Date): Promise<number> {
    const period = localDate(at, timeZone);
    const users = await this.alerts.orgUsers(this.ctx.db, tenantId);
    const prefs = await this.alerts.effective(
      users.map((u) => u.id),
      tenantId,
    );
    const done = await this.claimed(tenantId, "daily", period);
    const wanting = users.filter(
      (u) => !done.has(u.id) && alertComponents.some((c) => prefs.get(u.id)?.get(c)?.summary != null),
    );
    if (wanting.length === 0) return 0;
    const from = new Date(at.getTime() - 24 * 3600_000);
    const rows = (await this.ctx.db
      .selectFrom("alerts")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("created_at", ">=", from.toISOString())
      .where("created_at", "<", at.toISOString())
      .orderBy("id", "desc")
      .limit(100_000)
      .execute()) as AlertRow[];
    const accesses = await this.access.forUsers(
      wanting.map((u) => ({ id: u.id, role: u.role })),
      tenantId,
    );
    let sent = 0;
    for (const [i, user] of wanting.entries()) {
      const access = accesses[i] as TenantAccess;
      const mine = prefs.get(user.id);
      const seen = rows.filter((a) => {
        const min = mine?.get(a.component)?.summary ?? null;
        if (min === null || !severityAtLeast(a.severity, min)) return false;
        return a.folder_id === null ? access.can("alerts.view") : access.canInFolder(a.folder_id, "jobs.view");
      });
      const counts = alertComponents
        .filter((c) => mine?.get(c)?.summary != null)
        .map((component) => {
          const of = seen.filter((a) => a.component === component);
          return {
            component,
            total: of.length,
            bySeverity: Object.fromEntries(
              alertSeverities.map((s) => [s, of.filter((a) => a.severity === s).length]),
            ) as Record<AlertSeverity, number>,
          };
        });
      const ok = await this.claimAndSend(user, tenantId, "daily", period, seen.length, "alert-summary", {
        tenantName: user.tenant,
        timeZone,
        from: from.toISOString(),
        to: at.toISOString(),
        total: seen.length,
        counts,
        top: faultsOf(seen, tenantId),
        alertsPath: alertsPagePath(tenantId),
        preferencesPath: alertPreferencesPath(tenantId),
      });
      if (ok) sent += 1;
    }
    return sent;
  }

  /** The users who got the digest of this period already (another node, or an earlier run). */
  private async claimed(tenantId: number, kind: "batch" | "daily", period: string): Promise<Set<number>> {
    const rows = await this.ctx.db
      .selectFrom("alert_digests")
      .select("user_id")
      .where("tenant_id", "=", tenantId)
      .where("kind", "=", kind)
      .where("period", "=", period)
      .execute();
    return new Set(rows.map((r) => r.user_id));
  }

  /**
   * Claims (user, tenant, kind, period) and queues the mail in one transaction: the primary key
   * lets one node win, and a crash before the commit leaves neither the claim nor the mail.
   */
  private async claimAndSend(
    user: Recipient,
    tenantId: number,
    kind: "batch" | "daily",
    period: string,
    count: number,
    template: "alert-digest" | "alert-summary",
    data: Record<string, unknown>,
  ): Promise<boolean> {
    return this.ctx.db.transaction().execute(async (tx: Db) => {
      const claim = await tx
        .insertInto("alert_digests")
        .values({
          user_id: user.id,
          tenant_id: tenantId,
          kind,
          period,
          alert_count: count,
          created_at: this.ctx.clock.now().toISOString(),
        })
        .onConflict((oc) => oc.columns(["user_id", "tenant_id", "kind", "period"]).doNothing())
        .executeTakeFirst();
      if (Number(claim.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      await this.notifications.notify(
        tx,
        [{ address: user.email, name: user.name, locale: user.locale }],
        template,
        data,
        {
          orgId: user.orgId,
          secret: this.alerts.unsubscribeToken(user.id, "all", kind === "batch" ? "digest" : "summary", tenantId),
        },
      );
      return true;
    });
  }

  private schedule(timeZone: string): Schedule {
    let s = this.schedules.get(timeZone);
    if (!s) {
      s = new Schedule(summaryCron, timeZone);
      this.schedules.set(timeZone, s);
    }
    return s;
  }

  private async timeZone(tenantId: number): Promise<string> {
    const row = await this.ctx.db
      .selectFrom("tenants")
      .select("time_zone")
      .where("id", "=", tenantId)
      .executeTakeFirst();
    return row?.time_zone ?? "UTC";
  }

  private async folderNames(alerts: AlertRow[]): Promise<Map<number, string>> {
    const ids = [...new Set(alerts.flatMap((a) => (a.folder_id ? [a.folder_id] : [])))];
    if (ids.length === 0) return new Map();
    const rows = await this.ctx.db.selectFrom("folders").select(["id", "name"]).where("id", "in", ids).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}

type Recipient = Awaited<ReturnType<AlertService["orgUsers"]>>[number];

/** What a fault is about: the process, robot, queue or trigger its alert names. */
function subjectOf(details: AlertDetails | null): string {
  if (!details) return "";
  return String(
    details.processName ?? details.machineName ?? details.queueName ?? details.triggerName ?? details.tenantName ?? "",
  );
}

/** The most frequent Error and Fatal alerts (by kind and subject), the newest of each with its link. */
function faultsOf(alerts: AlertRow[], tenantId: number) {
  const groups = new Map<string, { alert: AlertRow; count: number }>();
  for (const a of alerts) {
    if (!severityAtLeast(a.severity, "error")) continue;
    const details = a.details_json ? (JSON.parse(a.details_json) as AlertDetails) : null;
    const key = `${a.kind}\u0000${subjectOf(details)}`;
    const g = groups.get(key);
    if (g) g.count += 1;
    else groups.set(key, { alert: a, count: 1 });
  }
  return [...groups.values()]
    .sort((x, y) => y.count - x.count || y.alert.id - x.alert.id)
    .slice(0, topFaults)
    .map(({ alert, count }) => ({
      kind: alert.kind,
      severity: alert.severity,
      component: alert.component as AlertComponent,
      message: alert.message,
      details: alert.details_json ? (JSON.parse(alert.details_json) as AlertDetails) : null,
      count,
      path: alertPagePath(tenantId, alert.link) ?? alertsPagePath(tenantId),
    }));
}
