import { randomUUID } from "node:crypto";
import { AddressGuard, isValidAllowEntry } from "../../domain/address-guard.js";
import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import { addSeconds, isoNow } from "../../platform/clock.js";
import type { MasterKey } from "../../platform/master-key.js";
import type { FieldError } from "../../shared/problem-types.js";
import {
  pingEvent,
  WebhookDeliveryStatus,
  type WebhookEvent,
  webhookRetryWindowSeconds,
} from "../../shared/webhooks.js";
import type { Db } from "../../storage/database.js";
import type { WebhookDeliveryRow, WebhookRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { AlertService } from "../alerts/alert-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type Page, type ServiceContext, toPage } from "../context.js";
import { noteDeliveries, WebhookAttempts } from "./webhook-attempts.js";
import {
  present,
  presentDelivery,
  type Webhook,
  type WebhookAttempt,
  type WebhookDelivery,
} from "./webhook-presenter.js";

export type { Webhook, WebhookAttempt, WebhookDelivery };

import { WebhookClient } from "./webhook-client.js";

export interface WebhookInput {
  url: string;
  events: WebhookEvent[];
  description?: string | null;
  /** Write-only; null removes it. */
  secret?: string | null;
  enabled?: boolean;
}

export interface WebhookHostSettings {
  /** Host names, addresses or CIDR ranges webhooks may reach although they are not public. */
  allowedHosts: string[];
  /** The entries of DIRIGENT_WEBHOOK_ALLOWED_HOSTS (read-only here). */
  environmentAllowedHosts: string[];
}

const secretContext = "webhook.secret";
const hostSettingsKey = "webhooks";

/**
 * Outgoing webhooks of a tenant (orchestrator-spec §4.10): subscriptions with their sealed
 * secrets, the deliveries the outbox wrote for them and every attempt. Webhooks have their own
 * tenant permissions: `webhooks.view` reads subscriptions and deliveries, `webhooks.create`,
 * `webhooks.edit` (also ping and redeliver) and `webhooks.delete` change them. Attempts are
 * recorded here for the background sender and for "ping".
 */
export class WebhookService {
  private hostAllowed: string[] = [];
  private guardCache: AddressGuard;
  readonly client: WebhookClient;
  /** Records attempts (the sender's group commit, ping). */
  readonly attempts: WebhookAttempts;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    alerts: AlertService,
    private readonly masterKey: MasterKey,
  ) {
    this.guardCache = new AddressGuard(ctx.config.webhookAllowedHosts);
    this.client = new WebhookClient(() => this.guardCache);
    this.attempts = new WebhookAttempts(ctx, alerts);
  }

  /** The SSRF guard in force: the environment's allow-list plus the host setting. */
  guard(): AddressGuard {
    return this.guardCache;
  }

  /** Reads the host setting again (each sender round does, so every node sees changes). */
  async refreshHostSettings(db: Db = this.ctx.db): Promise<void> {
    const row = await db
      .selectFrom("host_settings")
      .select("value_json")
      .where("key", "=", hostSettingsKey)
      .executeTakeFirst();
    const allowed = row ? ((JSON.parse(row.value_json) as { allowedHosts?: string[] }).allowedHosts ?? []) : [];
    if (allowed.join(",") !== this.hostAllowed.join(",")) {
      this.hostAllowed = allowed;
      this.guardCache = new AddressGuard([...this.ctx.config.webhookAllowedHosts, ...allowed]);
    }
  }

  async hostSettings(): Promise<WebhookHostSettings> {
    await this.refreshHostSettings();
    return { allowedHosts: [...this.hostAllowed], environmentAllowedHosts: [...this.ctx.config.webhookAllowedHosts] };
  }

  async updateHostSettings(actor: Actor, input: { allowedHosts: string[] }): Promise<WebhookHostSettings> {
    const allowedHosts = [...new Set(input.allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean))];
    const errors: FieldError[] = [];
    allowedHosts.forEach((h, i) => {
      if (!isValidAllowEntry(h.replace(/^\[|\]$/g, "")))
        errors.push({ path: `allowedHosts.${i}`, message: "must be a host name, an IP address or a CIDR range" });
    });
    if (errors.length > 0) throw new ValidationError(errors);
    const before = await this.hostSettings();
    await this.ctx.db.transaction().execute(async (tx) => {
      const now = isoNow(this.ctx.clock);
      const value = JSON.stringify({ allowedHosts });
      await tx
        .insertInto("host_settings")
        .values({ key: hostSettingsKey, value_json: value, updated_at: now })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value_json: value, updated_at: now }))
        .execute();
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.webhooks,
          action: AuditAction.update,
          target: { type: "settings", id: hostSettingsKey, name: "Webhooks" },
          ...diffFields({ allowedHosts: before.allowedHosts }, { allowedHosts }),
        },
      );
    });
    return this.hostSettings();
  }

  async list(access: TenantAccess): Promise<Webhook[]> {
    access.assertTenant("webhooks.view");
    const rows = await this.ctx.db
      .selectFrom("webhooks")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .orderBy("id")
      .execute();
    return rows.map(present);
  }

  async get(access: TenantAccess, id: number): Promise<Webhook> {
    access.assertTenant("webhooks.view");
    return present(await this.find(access.tenantId, id));
  }

  async create(actor: Actor, orgId: number, access: TenantAccess, input: WebhookInput): Promise<Webhook> {
    access.assertTenant("webhooks.create");
    await this.refreshHostSettings();
    this.validate(input);
    return this.ctx.db.transaction().execute(async (tx) => {
      const now = isoNow(this.ctx.clock);
      const row = await tx
        .insertInto("webhooks")
        .values({
          tenant_id: access.tenantId,
          url: input.url,
          description: input.description ?? null,
          events_json: JSON.stringify([...new Set(input.events)]),
          secret_enc: input.secret ? this.masterKey.encrypt(input.secret, secretContext) : null,
          enabled: input.enabled === false ? 0 : 1,
          created_by: actor.name,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.webhooks,
        action: AuditAction.create,
        target: { type: "webhook", id: row.id, name: row.url },
        after: present(row),
      });
      return present(row);
    });
  }

  async update(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
    changes: Partial<WebhookInput>,
  ): Promise<Webhook> {
    access.assertTenant("webhooks.edit");
    await this.refreshHostSettings();
    const row = await this.find(access.tenantId, id);
    const before = present(row);
    this.validate({ url: changes.url ?? row.url, events: changes.events ?? before.events });
    const enabling = changes.enabled === true;
    return this.ctx.db.transaction().execute(async (tx) => {
      const next = await tx
        .updateTable("webhooks")
        .set({
          ...(changes.url !== undefined && { url: changes.url }),
          ...(changes.description !== undefined && { description: changes.description }),
          ...(changes.events !== undefined && { events_json: JSON.stringify([...new Set(changes.events)]) }),
          ...(changes.secret !== undefined && {
            secret_enc: changes.secret ? this.masterKey.encrypt(changes.secret, secretContext) : null,
          }),
          ...(changes.enabled !== undefined && { enabled: changes.enabled ? 1 : 0 }),
          // Enabling again also closes an open circuit breaker: the next delivery is tried at once.
          ...(enabling && { paused_until: null, paused_reason: null, consecutive_failures: 0 }),
          updated_at: isoNow(this.ctx.clock),
        })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow();
      const after = present(next);
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.webhooks,
        action: AuditAction.update,
        target: { type: "webhook", id, name: next.url },
        ...diffFields(before, after),
      });
      return after;
    });
  }

  async delete(actor: Actor, orgId: number, access: TenantAccess, id: number): Promise<void> {
    access.assertTenant("webhooks.delete");
    const row = await this.find(access.tenantId, id);
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("webhooks").where("id", "=", id).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.webhooks,
        action: AuditAction.delete,
        target: { type: "webhook", id, name: row.url },
        before: present(row),
      });
    });
  }

  /** A subscription's deliveries, newest first, each with its attempts. */
  async deliveries(
    access: TenantAccess,
    id: number,
    query: { limit: number; cursor?: number; status?: WebhookDeliveryStatus },
  ): Promise<Page<WebhookDelivery>> {
    access.assertTenant("webhooks.view");
    await this.find(access.tenantId, id);
    const rows = await this.ctx.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("webhook_id", "=", id)
      .$if(query.cursor !== undefined, (q) => q.where("id", "<", query.cursor as number))
      .$if(query.status !== undefined, (q) => q.where("status", "=", query.status as WebhookDeliveryStatus))
      .orderBy("id", "desc")
      .limit(query.limit + 1)
      .execute();
    const page = toPage(rows, query.limit);
    const ids = page.items.map((r) => r.id);
    const attempts =
      ids.length === 0
        ? []
        : await this.ctx.db
            .selectFrom("webhook_attempts")
            .selectAll()
            .where("delivery_id", "in", ids)
            .orderBy("id")
            .execute();
    const byDelivery = new Map<number, WebhookAttempt[]>();
    for (const a of attempts) {
      const list = byDelivery.get(a.delivery_id) ?? [];
      list.push({
        id: a.id,
        attemptedAt: a.attempted_at,
        status: a.status,
        responseCode: a.response_code,
        responseBody: a.response_body,
        durationMs: a.duration_ms,
        reason: a.reason,
      });
      byDelivery.set(a.delivery_id, list);
    }
    return {
      items: page.items.map((r) => presentDelivery(r, byDelivery.get(r.id) ?? [])),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Queues a delivery again with the same id (receivers de-duplicate by it). It goes out before
   * the subscription's newer pending deliveries, and at once: a pause of the subscription ends.
   */
  async redeliver(actor: Actor, orgId: number, access: TenantAccess, deliveryId: number): Promise<WebhookDelivery> {
    access.assertTenant("webhooks.edit");
    const row = await this.ctx.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("id", "=", deliveryId)
      .where("tenant_id", "=", access.tenantId)
      .executeTakeFirst();
    if (!row || row.event === pingEvent) throw new NotFoundError("The delivery");
    const now = this.ctx.clock.now();
    const updated = await this.ctx.db.transaction().execute(async (tx) => {
      const next = await tx
        .updateTable("webhook_deliveries")
        .set({
          status: WebhookDeliveryStatus.pending,
          next_attempt_at: now.toISOString(),
          retry_until: addSeconds(now, webhookRetryWindowSeconds).toISOString(),
          completed_at: null,
        })
        .where("id", "=", deliveryId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .updateTable("webhooks")
        .set({ paused_until: null, paused_reason: null })
        .where("id", "=", row.webhook_id)
        .execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.webhooks,
        action: AuditAction.update,
        target: { type: "webhook-delivery", id: deliveryId, name: `${row.event} ${row.key}` },
        after: { redeliver: true },
      });
      return next;
    });
    noteDeliveries(this.ctx, [{ id: row.webhook_id, tenant_id: row.tenant_id }]);
    this.wake();
    return presentDelivery(updated, []);
  }

  /** Sends a `ping` event at once, outside the subscription's queue, and returns its delivery with the attempt. */
  async ping(access: TenantAccess, id: number): Promise<WebhookDelivery> {
    access.assertTenant("webhooks.edit");
    await this.refreshHostSettings();
    const hook = await this.find(access.tenantId, id);
    const now = isoNow(this.ctx.clock);
    const payload = { timestamp: now, tenantId: hook.tenant_id, webhook: { id: hook.id, url: hook.url } };
    const draft = { key: randomUUID(), event: pingEvent, payload_json: JSON.stringify(payload) };
    // Posted before the delivery is stored, and stored with its attempt in one transaction: the
    // background sender never sees the ping pending, so it never sends it a second time.
    const result = await this.client.post(this.request(hook, draft));
    const stored = await this.ctx.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto("webhook_deliveries")
        .values({
          ...draft,
          webhook_id: hook.id,
          tenant_id: hook.tenant_id,
          status: WebhookDeliveryStatus.pending,
          next_attempt_at: now,
          retry_until: now,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.attempts.recordAttempt(tx, hook, row, result, { ping: true });
      return row;
    });
    // The ping's own delivery (the newest at or below its id), even if an event came in meanwhile.
    return (await this.deliveries(access, id, { limit: 1, cursor: stored.id + 1 })).items[0] as WebhookDelivery;
  }

  /** The request of a delivery: body `{event, id, …payload}`, signed with the subscription's secret. */
  request(
    hook: WebhookRow,
    delivery: Pick<WebhookDeliveryRow, "event" | "key" | "payload_json">,
    secret: string | null = this.secretOf(hook),
  ) {
    // The body is the same bytes on every attempt: built from the stored payload, not re-serialised.
    const rest = delivery.payload_json.length > 2 ? `,${delivery.payload_json.slice(1)}` : "}";
    return {
      url: hook.url,
      event: delivery.event,
      deliveryKey: delivery.key,
      body: `{"event":${JSON.stringify(delivery.event)},"id":${JSON.stringify(delivery.key)}${rest}`,
      secret,
    };
  }

  /**
   * Re-encrypts subscription secrets sealed under an older master key (`dirigent admin
   * rotate-master-key`); returns how many changed. A secret changed meanwhile is left alone.
   */
  async reencryptSecrets(): Promise<number> {
    const rows = await this.ctx.db
      .selectFrom("webhooks")
      .select(["id", "secret_enc"])
      .where("secret_enc", "is not", null)
      .execute();
    let changed = 0;
    for (const row of rows) {
      if (!row.secret_enc || !this.masterKey.isStale(row.secret_enc)) continue;
      const plain = this.masterKey.decrypt(row.secret_enc, secretContext);
      const result = await this.ctx.db
        .updateTable("webhooks")
        .set({ secret_enc: this.masterKey.encrypt(plain, secretContext) })
        .where("id", "=", row.id)
        .where("secret_enc", "=", row.secret_enc)
        .executeTakeFirst();
      changed += Number(result.numUpdatedRows);
    }
    return changed;
  }

  /** The subscription's signing secret in clear, or null. */
  secretOf(hook: WebhookRow): string | null {
    return hook.secret_enc ? this.masterKey.decrypt(hook.secret_enc, secretContext) : null;
  }

  /** Set by the node's sender: new deliveries and redeliveries wake it. */
  onWake: (() => void) | null = null;

  wake(): void {
    this.onWake?.();
  }

  private validate(input: { url: string; events: WebhookEvent[] }): void {
    const errors: FieldError[] = [];
    let url: URL | null = null;
    try {
      url = new URL(input.url);
    } catch {
      errors.push({ path: "url", message: "must be an absolute http or https URL" });
    }
    if (url) {
      if (url.protocol !== "http:" && url.protocol !== "https:")
        errors.push({ path: "url", message: "must be an absolute http or https URL" });
      else {
        const refused = this.client.refusedLiteral(url);
        if (refused) errors.push({ path: "url", message: refused });
      }
    }
    if (input.events.length === 0) errors.push({ path: "events", message: "must name at least one event" });
    if (errors.length > 0) throw new ValidationError(errors);
  }

  private async find(tenantId: number, id: number): Promise<WebhookRow> {
    const row = await this.ctx.db
      .selectFrom("webhooks")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError("The webhook");
    return row;
  }
}
