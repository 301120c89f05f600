import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { addSeconds } from "../../platform/clock.js";
import type { OutboxMessage } from "../../shared/api/email.js";
import type { OutboxStatus } from "../../shared/outbox.js";
import type { Db } from "../../storage/database.js";
import { countAll } from "../../storage/dialect.js";
import type { EmailOutboxRow } from "../../storage/schema.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, Page, ServiceContext } from "../context.js";
import { retryWindowSeconds } from "./notification-service.js";
import { type RenderedEmail, renderEmail, type TemplateName } from "./templates.js";

export type { OutboxMessage };

/** Which outbox a caller sees: the host sees every message, an organization its own. */
export type OutboxScope = { kind: "host" } | { kind: "org"; orgId: number };

/**
 * What an organization reads instead of the error of a message sent through the installation's
 * server: that server's host name, port, sender and replies are the system administrators'
 * business (issue #12, defect 15). The UI shows its own translation of this (`hostDeliveryFailed`).
 */
export const hostDeliveryFailed = "The installation's e-mail server could not deliver this message.";

/** The last error as `scope` may read it: redacted for an organization when the host's server sent it. */
export function visibleLastError(
  scope: OutboxScope,
  row: Pick<EmailOutboxRow, "last_error" | "settings_source">,
): string | null {
  if (row.last_error === null) return null;
  return scope.kind === "org" && row.settings_source === "host" ? hostDeliveryFailed : row.last_error;
}

/** The outbox as administrators see it: lists, a rendered preview, Resend, and the health of delivery. */
export class OutboxService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly wake: () => void,
  ) {}

  async list(scope: OutboxScope, filter: { status?: OutboxStatus | undefined }, limit: number, cursor?: string) {
    let q = this.scoped(this.ctx.db, scope)
      .selectAll()
      .orderBy("id", "desc")
      .limit(limit + 1);
    if (filter.status) q = q.where("status", "=", filter.status);
    if (cursor !== undefined) {
      const before = Number(cursor);
      if (!Number.isInteger(before)) throw ValidationError.field("cursor", "is not a valid cursor");
      q = q.where("id", "<", before);
    }
    const rows = await q.execute();
    const items = rows.slice(0, limit);
    const page: Page<OutboxMessage> = {
      items: items.map((r) => presentMessage(r, scope)),
      nextCursor: rows.length > limit ? String(items.at(-1)?.id) : null,
    };
    return page;
  }

  /** One message with its rendered preview (one-time links masked). */
  async get(scope: OutboxScope, id: number): Promise<OutboxMessage & { preview: RenderedEmail }> {
    const row = await this.find(this.ctx.db, scope, id);
    const data = JSON.parse(row.data_json) as Record<string, unknown>;
    const preview = renderEmail(row.template as TemplateName, row.locale, data, {
      publicUrl: this.ctx.config.publicUrl,
      secret: null,
    });
    return { ...presentMessage(row, scope), preview };
  }

  /** Queues a message again now (any status but `sending`), with a fresh 48-hour retry window. */
  async resend(actor: Actor, scope: OutboxScope, id: number): Promise<OutboxMessage> {
    const row = await this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, scope, id);
      const now = this.ctx.clock.now();
      const updated = await tx
        .updateTable("email_outbox")
        .set({
          status: "queued",
          next_attempt_at: now.toISOString(),
          retry_until: addSeconds(now, retryWindowSeconds).toISOString(),
          updated_at: now.toISOString(),
        })
        .where("id", "=", id)
        .where("status", "!=", "sending")
        .returningAll()
        .executeTakeFirst();
      if (!updated) throw new ConflictError("The message is being sent right now.");
      await this.audit.record(
        tx,
        actor,
        scope.kind === "host" ? { scope: "host" } : orgAuditScope(actor, scope.orgId),
        {
          component: AuditComponent.email,
          action: AuditAction.resend,
          target: { type: "email", id, name: before.subject ?? before.template },
          before: { status: before.status, to: before.to_address },
          after: { status: "queued" },
        },
      );
      return updated;
    });
    this.wake();
    return presentMessage(row, scope);
  }

  /** Counts and the latest error, for the banner in the host portal. */
  async health(scope: OutboxScope) {
    const db = this.ctx.db;
    const counts = await this.scoped(db, scope)
      .select(["status", countAll().as("c")])
      .groupBy("status")
      .execute();
    const latest = await this.scoped(db, scope)
      .select(["status", "last_error", "last_smtp_code", "settings_source", "updated_at"])
      .where("attempts", ">", 0)
      .orderBy("updated_at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    const by = (s: OutboxStatus) => counts.find((c) => c.status === s)?.c ?? 0;
    return {
      queued: by("queued") + by("sending"),
      held: by("held"),
      failed: by("failed"),
      sent: by("sent"),
      // The most recent delivery attempt failed: the sender is failing right now.
      failing: latest ? latest.status !== "sent" && latest.last_error !== null : false,
      lastError: latest && latest.status !== "sent" ? visibleLastError(scope, latest) : null,
      lastErrorAt: latest && latest.status !== "sent" ? latest.updated_at : null,
    };
  }

  private scoped(db: Db, scope: OutboxScope) {
    const q = db.selectFrom("email_outbox");
    return scope.kind === "org" ? q.where("org_id", "=", scope.orgId) : q;
  }

  private async find(db: Db, scope: OutboxScope, id: number): Promise<EmailOutboxRow> {
    const row = await this.scoped(db, scope).selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new NotFoundError("The message");
    return row;
  }
}

export function presentMessage(r: EmailOutboxRow, scope: OutboxScope): OutboxMessage {
  return {
    id: r.id,
    orgId: r.org_id,
    template: r.template,
    locale: r.locale,
    to: r.to_address,
    toName: r.to_name,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === "queued" ? r.next_attempt_at : null,
    lastError: visibleLastError(scope, r),
    lastSmtpCode: r.last_smtp_code,
    messageId: r.message_id,
    settingsSource: r.settings_source,
    sentAt: r.sent_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
