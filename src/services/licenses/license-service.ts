import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { NotFoundError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { TenantLicense } from "../../shared/api/host.js";
import type { AlertService } from "../alerts/alert-service.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import type { NotificationService } from "../email/notification-service.js";

export type { TenantLicense };

/** Days before expiry at which organization administrators are warned, then "expired". */
export const noticeDays = [30, 7, 1] as const;

/** The notice that is due for a license now, or null (e.g. 12 days left → "30"). */
export function dueNotice(expiresAt: string, now: Date): "30" | "7" | "1" | "expired" | null {
  const msLeft = Date.parse(expiresAt) - now.getTime();
  if (msLeft <= 0) return "expired";
  const days = msLeft / 86_400_000;
  const stage = [...noticeDays].reverse().find((d) => days <= d);
  return stage === undefined ? null : (String(stage) as "30" | "7" | "1");
}

const stageRank: Record<string, number> = { "30": 1, "7": 2, "1": 3, expired: 4 };

/**
 * License allocation per tenant (robot runtime slots and an optional expiry date), set by
 * system administrators, and the expiry notices to organization administrators.
 */
export class LicenseService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly alerts?: AlertService,
  ) {}

  async list(orgId?: number): Promise<TenantLicense[]> {
    const now = this.ctx.clock.now();
    const rows = await this.ctx.db
      .selectFrom("tenants as t")
      .innerJoin("organizations as o", "o.id", "t.org_id")
      .leftJoin("tenant_licenses as l", "l.tenant_id", "t.id")
      .select([
        "t.id as tenant_id",
        "t.name as tenant_name",
        "t.status as tenant_status",
        "o.id as org_id",
        "o.slug as org_slug",
        "o.name as org_name",
        "l.robot_slots",
        "l.expires_at",
        "l.updated_at",
      ])
      .$if(orgId !== undefined, (q) => q.where("o.id", "=", orgId ?? 0))
      .orderBy("o.name")
      .orderBy("t.name")
      .execute();
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      tenantName: r.tenant_name,
      tenantStatus: r.tenant_status,
      orgId: r.org_id,
      orgSlug: r.org_slug,
      orgName: r.org_name,
      robotSlots: r.robot_slots,
      expiresAt: r.expires_at,
      daysLeft: r.expires_at ? Math.ceil((Date.parse(r.expires_at) - now.getTime()) / 86_400_000) : null,
      updatedAt: r.updated_at,
    }));
  }

  /** Allocates slots and an expiry to a tenant; a new expiry date restarts its notices. */
  async allocate(
    actor: Actor,
    tenantId: number,
    input: { robotSlots: number; expiresAt: string | null },
  ): Promise<TenantLicense> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const tenant = await tx
        .selectFrom("tenants")
        .select(["id", "name"])
        .where("id", "=", tenantId)
        .executeTakeFirst();
      if (!tenant) throw new NotFoundError("The tenant");
      const before = await tx
        .selectFrom("tenant_licenses")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .executeTakeFirst();
      const now = isoNow(this.ctx.clock);
      const values = {
        robot_slots: input.robotSlots,
        expires_at: input.expiresAt,
        notified_stage: before && before.expires_at === input.expiresAt ? before.notified_stage : null,
        updated_at: now,
      };
      if (before) await tx.updateTable("tenant_licenses").set(values).where("tenant_id", "=", tenantId).execute();
      else
        await tx
          .insertInto("tenant_licenses")
          .values({ tenant_id: tenantId, ...values })
          .execute();
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.licenses,
          action: AuditAction.allocate,
          target: { type: "tenant", id: tenant.id, name: tenant.name },
          ...diffFields(
            { robotSlots: before?.robot_slots ?? null, expiresAt: before?.expires_at ?? null },
            { robotSlots: input.robotSlots, expiresAt: input.expiresAt },
          ),
        },
      );
    });
    const license = (await this.list()).find((l) => l.tenantId === tenantId);
    if (!license) throw new NotFoundError("The tenant");
    // A new expiry date may already be within a notice window: send that notice now, not at the next hourly run.
    await this.sendDueNotices();
    return license;
  }

  /**
   * Queues the expiry notices that are due (30, 7 and 1 days before, and once expired), each
   * once per expiry date: the stage is recorded with a conditional update in the same
   * transaction as the e-mails, so two nodes checking at once cannot both send.
   */
  async sendDueNotices(): Promise<number> {
    const now = this.ctx.clock.now();
    const licenses = await this.ctx.db
      .selectFrom("tenant_licenses as l")
      .innerJoin("tenants as t", "t.id", "l.tenant_id")
      .innerJoin("organizations as o", "o.id", "t.org_id")
      .select([
        "l.tenant_id",
        "l.expires_at",
        "l.notified_stage",
        "l.robot_slots",
        "t.name as tenant_name",
        "o.id as org_id",
        "o.name as org_name",
      ])
      .where("l.expires_at", "is not", null)
      .where("t.status", "=", "active")
      .where("o.status", "=", "active")
      .execute();
    let queued = 0;
    for (const l of licenses) {
      const expiresAt = l.expires_at as string;
      const stage = dueNotice(expiresAt, now);
      if (!stage || (l.notified_stage && (stageRank[l.notified_stage] ?? 0) >= (stageRank[stage] ?? 0))) continue;
      await this.ctx.db.transaction().execute(async (tx) => {
        const claimed = await tx
          .updateTable("tenant_licenses")
          .set({ notified_stage: stage })
          .where("tenant_id", "=", l.tenant_id)
          .where("expires_at", "=", expiresAt)
          .where((eb) =>
            l.notified_stage === null ? eb("notified_stage", "is", null) : eb("notified_stage", "=", l.notified_stage),
          )
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0) return;
        const admins = await this.notifications.orgAdministrators(tx, [l.org_id]);
        const data = { tenantName: l.tenant_name, orgName: l.org_name, expiresAt, robotSlots: l.robot_slots };
        const ids = await this.notifications.notify(
          tx,
          admins,
          stage === "expired" ? "license-expired" : "license-expiring",
          stage === "expired" ? data : { ...data, days: Number(stage) },
          { orgId: l.org_id },
        );
        queued += ids.length;
        await this.alerts?.raiseKind(
          tx,
          stage === "expired" ? "license-expired" : "license-expiring",
          { tenantId: l.tenant_id },
          stage === "expired" ? data : { ...data, days: Number(stage) },
        );
      });
    }
    return queued;
  }
}
