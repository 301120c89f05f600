import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { isoNow } from "../../platform/clock.js";
import type { Locale, Principal } from "../../shared/identity.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import { auditScopeOf } from "./auth-service.js";
import { loadActivePrincipal } from "./principals.js";

/** The caller's own profile: display name and language. */
export class ProfileService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
  ) {}

  async update(
    actor: Actor,
    principal: Principal,
    changes: { name?: string | undefined; locale?: Locale | undefined },
  ): Promise<Principal> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const table = principal.kind === "admin" ? "system_admins" : "users";
      await tx
        .updateTable(table)
        .set({
          ...(changes.name !== undefined && { name: changes.name.trim() }),
          ...(changes.locale !== undefined && { locale: changes.locale }),
          updated_at: isoNow(this.ctx.clock),
        })
        .where("id", "=", principal.id)
        .execute();
      const after = await loadActivePrincipal(tx, principal.kind, principal.id);
      if (!after) throw new Error("The account disappeared while it was being updated");
      const diff = diffFields(
        { name: principal.name, locale: principal.locale },
        { name: after.name, locale: after.locale },
      );
      if (Object.keys(diff.after).length > 0) {
        await this.audit.record(tx, actor, auditScopeOf(principal), {
          component: principal.kind === "admin" ? AuditComponent.administrators : AuditComponent.users,
          action: AuditAction.update,
          target: {
            type: principal.kind,
            id: principal.id,
            name: principal.kind === "admin" ? principal.username : principal.email,
          },
          ...diff,
        });
      }
      return after;
    });
  }
}
