import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { defaultSecuritySettings } from "../../domain/password-policy.js";
import { isoNow } from "../../platform/clock.js";
import { type SecuritySettings, securitySettingsSchema } from "../../shared/api/auth.js";
import type { Db } from "../../storage/database.js";
import type { RequestCache } from "../access/request-cache.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";

const key = "security";

/** Host-wide password policy and lock-out rules, stored in host_settings. */
export class SecuritySettingsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly cache: RequestCache,
  ) {}

  /** The settings in force: read through the request cache (every login and the login page read them). */
  async get(): Promise<SecuritySettings> {
    return { ...(await this.cache.get("settings", key, () => this.read(this.ctx.db))) };
  }

  private async read(db: Db): Promise<SecuritySettings> {
    const row = await db.selectFrom("host_settings").select("value_json").where("key", "=", key).executeTakeFirst();
    if (!row) return { ...defaultSecuritySettings };
    // Settings written by an older version may lack newer fields: defaults fill them.
    const parsed = securitySettingsSchema.safeParse({ ...defaultSecuritySettings, ...JSON.parse(row.value_json) });
    return parsed.success ? parsed.data : { ...defaultSecuritySettings };
  }

  async update(actor: Actor, next: SecuritySettings): Promise<SecuritySettings> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.read(tx);
      const now = isoNow(this.ctx.clock);
      await tx
        .insertInto("host_settings")
        .values({ key, value_json: JSON.stringify(next), updated_at: now })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value_json: JSON.stringify(next), updated_at: now }))
        .execute();
      const diff = diffFields(before, next);
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.settings,
          action: AuditAction.update,
          target: { type: "settings", id: key, name: "Security" },
          ...diff,
        },
      );
      return next;
    });
  }
}
