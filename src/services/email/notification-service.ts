import { addSeconds } from "../../platform/clock.js";
import type { MasterKey } from "../../platform/master-key.js";
import { AccountStatus, type Locale, OrgRole } from "../../shared/identity.js";
import type { Db } from "../../storage/database.js";
import type { ServiceContext } from "../context.js";
import { renderEmail, type TemplateName } from "./templates.js";

export interface Recipient {
  address: string;
  name?: string | null;
  locale: Locale;
}

/** How long temporary failures are retried (EMAIL.md §4). */
export const retryWindowSeconds = 48 * 3600;
export const secretContext = "email_outbox.secret";

/**
 * The one way any area sends e-mail: `notify` writes outbox rows inside the caller's
 * transaction, so the mail exists exactly when the event that caused it committed. The mailer
 * sends them later with the organization's effective settings.
 */
export class NotificationService {
  private wakeTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly masterKey: MasterKey,
  ) {}

  /**
   * Queues `template` for each recipient. `orgId` selects whose settings send it (null = host).
   * `secret` (a one-time token for a link) is stored encrypted and only rendered at send time.
   */
  async notify(
    db: Db,
    recipients: Recipient[],
    template: TemplateName,
    data: Record<string, unknown>,
    options: { orgId: number | null; secret?: string },
  ): Promise<number[]> {
    if (recipients.length === 0) return [];
    const now = this.ctx.clock.now();
    const payload = options.secret ? { ...data, _secret: this.masterKey.encrypt(options.secret, secretContext) } : data;
    const rows = await db
      .insertInto("email_outbox")
      .values(
        recipients.map((r) => ({
          org_id: options.orgId,
          template,
          locale: r.locale,
          to_address: r.address,
          to_name: r.name ?? null,
          data_json: JSON.stringify(payload),
          // The subject is rendered now for lists; the whole message again at send time.
          subject: renderEmail(template, r.locale, data, { publicUrl: this.ctx.config.publicUrl, secret: null })
            .subject,
          status: "queued" as const,
          next_attempt_at: now.toISOString(),
          retry_until: addSeconds(now, retryWindowSeconds).toISOString(),
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        })),
      )
      .returning("id")
      .execute();
    this.wakeSoon();
    return rows.map((r) => r.id);
  }

  /** The active organization administrators of the given organizations (all when null). */
  async orgAdministrators(db: Db, orgIds: number[] | null): Promise<(Recipient & { orgId: number })[]> {
    if (orgIds !== null && orgIds.length === 0) return [];
    const rows = await db
      .selectFrom("users")
      .innerJoin("organizations as o", "o.id", "users.org_id")
      .select(["users.email", "users.name", "users.locale", "users.org_id"])
      .where("users.role", "=", OrgRole.orgAdmin)
      .where("users.status", "=", AccountStatus.active)
      .where("o.status", "=", AccountStatus.active)
      .$if(orgIds !== null, (q) => q.where("users.org_id", "in", orgIds ?? []))
      .orderBy("users.id")
      .execute();
    return rows.map((r) => ({ address: r.email, name: r.name, locale: r.locale, orgId: r.org_id }));
  }

  /** Lets the mailer start at once instead of at its next poll (after the caller's commit). */
  wakeSoon(): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      for (const l of this.listeners) l();
    }, 10);
    this.wakeTimer.unref();
  }

  onWake(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
