import { isoNow } from "../../platform/clock.js";
import type { Db } from "../../storage/database.js";
import type { AlertTable } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { ServiceContext } from "../context.js";

export type NewAlert = Pick<
  AlertTable,
  "tenant_id" | "folder_id" | "severity" | "component" | "kind" | "message" | "link"
>;

export interface Alert {
  id: number;
  folderId: number | null;
  severity: AlertTable["severity"];
  component: AlertTable["component"];
  kind: string;
  message: string;
  link: string | null;
  createdAt: string;
}

/**
 * Alert records for the in-app alerts panel: job faulted, robot disconnected, robot unresponsive.
 * Raised in the transaction of the event (or right after it). Subscriptions, e-mail delivery and
 * digests build on these rows.
 */
export class AlertService {
  constructor(private readonly ctx: ServiceContext) {}

  async raise(db: Db, alert: NewAlert): Promise<void> {
    await db
      .insertInto("alerts")
      .values({ ...alert, created_at: isoNow(this.ctx.clock) })
      .execute();
  }

  /** Alerts the caller may see: tenant-wide ones with `alerts.view`, folder ones with jobs viewing there. */
  async list(access: TenantAccess, limit: number, before?: number): Promise<Alert[]> {
    const rows = await this.ctx.db
      .selectFrom("alerts")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .$if(before !== undefined, (q) => q.where("id", "<", before ?? 0))
      .orderBy("id", "desc")
      .limit(limit * 4)
      .execute();
    return rows
      .filter((r) => (r.folder_id === null ? access.can("alerts.view") : access.canInFolder(r.folder_id, "jobs.view")))
      .slice(0, limit)
      .map((r) => ({
        id: r.id,
        folderId: r.folder_id,
        severity: r.severity,
        component: r.component,
        kind: r.kind,
        message: r.message,
        link: r.link,
        createdAt: r.created_at,
      }));
  }
}
