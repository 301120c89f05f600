import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { isValidTimeZone } from "../../domain/cron.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { TenantSettings } from "../../shared/api/triggers.js";
import type { Db } from "../../storage/database.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";

export type { TenantSettings };

/** Reading needs any access to the tenant; changing needs `settings.edit` (tenant administrators). */
export class TenantSettingsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
  ) {}

  async get(tenantId: number, db: Db = this.ctx.db): Promise<TenantSettings> {
    const row = await db
      .selectFrom("tenants")
      .select([
        "time_zone",
        "trigger_catch_up_seconds",
        "trigger_disable_failed_count",
        "trigger_disable_failing_days",
        "log_retention_days",
        "queue_abandon_hours",
      ])
      .where("id", "=", tenantId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError("The tenant");
    return {
      timeZone: row.time_zone,
      triggerCatchUpSeconds: row.trigger_catch_up_seconds,
      triggerDisableFailedCount: row.trigger_disable_failed_count,
      triggerDisableFailingDays: row.trigger_disable_failing_days,
      logRetentionDays: row.log_retention_days,
      queueAbandonHours: row.queue_abandon_hours,
    };
  }

  async update(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    changes: Partial<TenantSettings>,
  ): Promise<TenantSettings> {
    access.assertTenant("settings.edit");
    if (changes.timeZone !== undefined && !isValidTimeZone(changes.timeZone)) {
      throw ValidationError.field("timeZone", "is not a known IANA time zone");
    }
    return this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.get(access.tenantId, tx);
      await tx
        .updateTable("tenants")
        .set({
          ...(changes.timeZone !== undefined && { time_zone: changes.timeZone }),
          ...(changes.triggerCatchUpSeconds !== undefined && {
            trigger_catch_up_seconds: changes.triggerCatchUpSeconds,
          }),
          ...(changes.triggerDisableFailedCount !== undefined && {
            trigger_disable_failed_count: changes.triggerDisableFailedCount,
          }),
          ...(changes.triggerDisableFailingDays !== undefined && {
            trigger_disable_failing_days: changes.triggerDisableFailingDays,
          }),
          ...(changes.logRetentionDays !== undefined && { log_retention_days: changes.logRetentionDays }),
          ...(changes.queueAbandonHours !== undefined && { queue_abandon_hours: changes.queueAbandonHours }),
          updated_at: isoNow(this.ctx.clock),
        })
        .where("id", "=", access.tenantId)
        .execute();
      const after = await this.get(access.tenantId, tx);
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.settings,
        action: AuditAction.update,
        target: { type: "tenant", id: access.tenantId, name: "settings" },
        before,
        after,
      });
      return after;
    });
  }
}
