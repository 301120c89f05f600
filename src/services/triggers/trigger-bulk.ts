import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { isoNow } from "../../platform/clock.js";
import { TriggerKind } from "../../shared/triggers.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import { assertFolderOfTenant } from "../folders/folder-service.js";
import { noteTrigger } from "./trigger-jobs.js";
import { compile } from "./trigger-schedule.js";

/**
 * "Pause all": switches every trigger of a folder (`triggers.edit` there) or of the whole tenant
 * (`settings.edit`, tenant administrators) off or on at once, in one transaction with one audit
 * row. Switching on plans each trigger's next fire time from now; a trigger whose end date has
 * passed stays off.
 */
export class TriggerBulk {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly onChange: () => void,
  ) {}

  async setEnabled(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    enabled: boolean,
    folderId?: number,
  ): Promise<{ count: number }> {
    if (folderId !== undefined) {
      access.assertFolder(folderId, "triggers.edit");
      await assertFolderOfTenant(this.ctx.db, access.tenantId, folderId);
    } else {
      access.assertTenant("settings.edit");
    }
    const now = this.ctx.clock.now();
    const count = await this.ctx.db.transaction().execute(async (tx) => {
      let q = tx
        .selectFrom("triggers")
        .selectAll()
        .where("tenant_id", "=", access.tenantId)
        .where("kind", "in", [TriggerKind.time, TriggerKind.queue])
        .where("enabled", "=", enabled ? 0 : 1);
      if (folderId !== undefined) q = q.where("folder_id", "=", folderId);
      const rows = await q.execute();
      let changed = 0;
      for (const row of rows) {
        let next: string | null = null;
        if (enabled && row.kind === TriggerKind.time) {
          if (!row.cron || !row.time_zone) continue;
          next = compile(row.cron, row.time_zone).next(now)?.toISOString() ?? null;
          if (next === null || (row.end_at !== null && next >= row.end_at)) continue;
        }
        await tx
          .updateTable("triggers")
          .set({
            enabled: enabled ? 1 : 0,
            next_fire_at: next,
            disabled_reason: enabled ? null : row.disabled_reason,
            disabled_reason_code: enabled ? null : row.disabled_reason_code,
            disabled_reason_params: enabled ? null : row.disabled_reason_params,
            updated_by: actor.name,
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", row.id)
          .execute();
        noteTrigger(this.ctx, row);
        changed += 1;
      }
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.triggers,
        action: enabled ? AuditAction.activate : AuditAction.deactivate,
        target:
          folderId !== undefined
            ? { type: "folder", id: folderId, name: "all triggers" }
            : { type: "tenant", id: access.tenantId, name: "all triggers" },
        after: { enabled, count: changed, triggerIds: rows.map((r) => r.id) },
      });
      return changed;
    });
    this.onChange();
    return { count };
  }
}
