import { randomUUID } from "node:crypto";
import { AddressGuard, isValidAllowEntry } from "../../domain/address-guard.js";
import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import { addSeconds, isoNow } from "../../platform/clock.js";
import type { MasterKey } from "../../platform/master-key.js";
import { alertMessage } from "../../shared/alerts.js";
import type { FieldError } from "../../shared/problem-types.js";
import {
  pingEvent,
  WebhookDeliveryStatus,
  type WebhookEvent,
  webhookEvents,
  webhookRetryDelaySeconds,
  webhookRetryWindowSeconds,
} from "../../shared/webhooks.js";
import type { Db } from "../../storage/database.js";
import type { WebhookDeliveryRow, WebhookRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import type { AlertService } from "../alerts/alert-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type Page, type ServiceContext, toPage } from "../context.js";
import { type AttemptResult, WebhookClient } from "./webhook-client.js";

export interface Webhook {
  id: number;
  url: string;
  description: string | null;
  events: WebhookEvent[];
  enabled: boolean;
  hasSecret: boolean;
  /** Circuit breaker: no deliveries are attempted before this time. */
  pausedUntil: string | null;
  pausedReason: string | null;
  consecutiveFailures: number;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookInput {
  url: string;
  events: WebhookEvent[];
  description?: string | null;
  /** Write-only; null removes it. */
  secret?: string | null;
  enabled?: boolean;
}

export interface WebhookAttempt {
  id: number;
  attemptedAt: string;
  status: "succeeded" | "failed";
  responseCode: number | null;
  responseBody: string | null;
  durationMs: number;
  reason: string | null;
}

export interface WebhookDelivery {
  id: number;
  /** What receivers see as `id` and X-Dirigent-Delivery. */
  key: string;
  webhookId: number;
  event: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastResponseCode: number | null;
  lastReason: string | null;
  createdAt: string;
  completedAt: string | null;
  payload: unknown;
  attemptLog: WebhookAttempt[];
}

export interface WebhookHostSettings {
  /** Host names, addresses or CIDR ranges webhooks may reach although they are not public. */
  allowedHosts: string[];
  /** The entries of DIRIGENT_WEBHOOK_ALLOWED_HOSTS (read-only here). */
  environmentAllowedHosts: string[];
}

/** Failed attempts in a row after which a subscription is paused and an alert raised. */
export const breakerThreshold = 5;
/** How long the circuit breaker pauses a subscription. */
export const breakerPauseSeconds = 3600;
const secretContext = "webhook.secret";
const hostSettingsKey = "webhooks";

/**
 * Outgoing webhooks of a tenant (orchestrator-spec §4.10): subscriptions with their sealed
 * secrets, the deliveries the outbox wrote for them and every attempt. Reading needs
 * `settings.view`, changing `settings.edit` (webhooks are tenant settings, as in the original's
 * Integrations page). Attempts are recorded here for the background sender and for "ping".
 */
export class WebhookService {
  private hostAllowed: string[] = [];
  private guardCache: AddressGuard;
  readonly client: WebhookClient;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly alerts: AlertService,
    private readonly masterKey: MasterKey,
  ) {
    this.guardCache = new AddressGuard(ctx.config.webhookAllowedHosts);
    this.client = new WebhookClient(() => this.guardCache);
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
    access.assertTenant("settings.view");
    const rows = await this.ctx.db
      .selectFrom("webhooks")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .orderBy("id")
      .execute();
    return rows.map(present);
  }

  async get(access: TenantAccess, id: number): Promise<Webhook> {
    access.assertTenant("settings.view");
    return present(await this.find(access.tenantId, id));
  }

  async create(actor: Actor, orgId: number, access: TenantAccess, input: WebhookInput): Promise<Webhook> {
    access.assertTenant("settings.edit");
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
    access.assertTenant("settings.edit");
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
    access.assertTenant("settings.edit");
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
    access.assertTenant("settings.view");
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
    access.assertTenant("settings.edit");
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
    this.wake();
    return presentDelivery(updated, []);
  }

  /** Sends a `ping` event at once, outside the subscription's queue, and returns its delivery with the attempt. */
  async ping(access: TenantAccess, id: number): Promise<WebhookDelivery> {
    access.assertTenant("settings.edit");
    await this.refreshHostSettings();
    const hook = await this.find(access.tenantId, id);
    const now = isoNow(this.ctx.clock);
    const payload = { timestamp: now, tenantId: hook.tenant_id, webhook: { id: hook.id, url: hook.url } };
    const row = await this.ctx.db
      .insertInto("webhook_deliveries")
      .values({
        key: randomUUID(),
        webhook_id: hook.id,
        tenant_id: hook.tenant_id,
        event: pingEvent,
        payload_json: JSON.stringify(payload),
        status: WebhookDeliveryStatus.pending,
        next_attempt_at: now,
        retry_until: now,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const result = await this.client.post(this.request(hook, row));
    await this.ctx.db.transaction().execute((tx) => this.recordAttempt(tx, hook, row, result, { ping: true }));
    return (await this.deliveries(access, id, { limit: 1 })).items[0] as WebhookDelivery;
  }

  /** The request of a delivery: body `{event, id, …payload}`, signed with the subscription's secret. */
  request(hook: WebhookRow, delivery: WebhookDeliveryRow) {
    // The body is the same bytes on every attempt: built from the stored payload, not re-serialised.
    const rest = delivery.payload_json.length > 2 ? `,${delivery.payload_json.slice(1)}` : "}";
    return {
      url: hook.url,
      event: delivery.event,
      deliveryKey: delivery.key,
      body: `{"event":${JSON.stringify(delivery.event)},"id":${JSON.stringify(delivery.key)}${rest}`,
      secret: hook.secret_enc ? this.masterKey.decrypt(hook.secret_enc, secretContext) : null,
    };
  }

  /**
   * Stores one attempt and what follows from it: the delivery succeeded, waits for its next
   * retry, or gave up after its 24 h; the subscription's run of failures, its circuit breaker
   * (paused for an hour after `breakerThreshold` failures in a row, with an alert) and, for a
   * failure that will be retried, the time before which none of its later deliveries may go
   * (they wait, so they arrive in order). Returns the time the subscription is blocked until.
   */
  async recordAttempt(
    tx: Db,
    hook: WebhookRow,
    delivery: WebhookDeliveryRow,
    result: AttemptResult,
    options: { ping?: boolean } = {},
  ): Promise<string | null> {
    const now = this.ctx.clock.now();
    const nowIso = now.toISOString();
    await tx
      .insertInto("webhook_attempts")
      .values({
        delivery_id: delivery.id,
        attempted_at: nowIso,
        status: result.ok ? "succeeded" : "failed",
        response_code: result.statusCode,
        response_body: result.body,
        duration_ms: result.durationMs,
        reason: result.reason,
      })
      .execute();
    const attempts = delivery.attempts + 1;
    const common = {
      attempts,
      last_attempt_at: nowIso,
      last_response_code: result.statusCode,
      last_reason: result.reason,
    };
    if (result.ok) {
      await tx
        .updateTable("webhook_deliveries")
        .set({ ...common, status: WebhookDeliveryStatus.succeeded, completed_at: nowIso })
        .where("id", "=", delivery.id)
        .execute();
      if (hook.consecutive_failures > 0 || hook.paused_until !== null)
        await tx
          .updateTable("webhooks")
          .set({ consecutive_failures: 0, paused_until: null, paused_reason: null })
          .where("id", "=", hook.id)
          .execute();
      return null;
    }
    const next = addSeconds(now, webhookRetryDelaySeconds(attempts)).toISOString();
    const retry = !options.ping && next <= delivery.retry_until;
    await tx
      .updateTable("webhook_deliveries")
      .set({
        ...common,
        status: retry ? WebhookDeliveryStatus.pending : WebhookDeliveryStatus.failed,
        next_attempt_at: next,
        completed_at: retry ? null : nowIso,
      })
      .where("id", "=", delivery.id)
      .execute();
    if (options.ping) return null;
    const failures = hook.consecutive_failures + 1;
    const opens = failures === breakerThreshold;
    await tx
      .updateTable("webhooks")
      .set({
        consecutive_failures: failures,
        ...(opens && {
          paused_until: addSeconds(now, breakerPauseSeconds).toISOString(),
          paused_reason: result.reason,
        }),
      })
      .where("id", "=", hook.id)
      .execute();
    if (opens) {
      const details = { webhookId: hook.id, url: hook.url, failures, reason: result.reason ?? "" };
      await this.alerts.raise(tx, {
        tenant_id: hook.tenant_id,
        folder_id: null,
        severity: "error",
        component: "webhooks",
        kind: "webhook-paused",
        message: alertMessage("webhook-paused", details, "en") ?? "webhook-paused",
        link: `/webhooks/${hook.id}`,
        details,
      });
    }
    return retry ? next : null;
  }

  /**
   * Stores successful attempts of several deliveries at once (the sender's group commit): one
   * insert of their attempts, one update per response code, and the end of the failure runs of
   * their subscriptions. Failures go through `recordAttempt`, one by one.
   */
  async recordSuccesses(
    tx: Db,
    items: { hook: WebhookRow; delivery: WebhookDeliveryRow; result: AttemptResult }[],
  ): Promise<void> {
    if (items.length === 0) return;
    const nowIso = this.ctx.clock.now().toISOString();
    await tx
      .insertInto("webhook_attempts")
      .values(
        items.map(({ delivery, result }) => ({
          delivery_id: delivery.id,
          attempted_at: nowIso,
          status: "succeeded" as const,
          response_code: result.statusCode,
          response_body: result.body,
          duration_ms: result.durationMs,
          reason: result.reason,
        })),
      )
      .execute();
    const byCode = new Map<number | null, number[]>();
    for (const { delivery, result } of items) {
      const ids = byCode.get(result.statusCode) ?? [];
      ids.push(delivery.id);
      byCode.set(result.statusCode, ids);
    }
    for (const [code, ids] of byCode)
      await tx
        .updateTable("webhook_deliveries")
        .set((eb) => ({
          status: WebhookDeliveryStatus.succeeded,
          attempts: eb("attempts", "+", 1),
          last_attempt_at: nowIso,
          last_response_code: code,
          last_reason: null,
          completed_at: nowIso,
        }))
        .where("id", "in", ids)
        .execute();
    const failing = [
      ...new Set(items.filter((i) => i.hook.consecutive_failures > 0 || i.hook.paused_until).map((i) => i.hook.id)),
    ];
    if (failing.length > 0)
      await tx
        .updateTable("webhooks")
        .set({ consecutive_failures: 0, paused_until: null, paused_reason: null })
        .where("id", "in", failing)
        .execute();
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

function present(row: WebhookRow): Webhook {
  const events = (JSON.parse(row.events_json) as string[]).filter((e): e is WebhookEvent =>
    (webhookEvents as readonly string[]).includes(e),
  );
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events,
    enabled: row.enabled === 1,
    hasSecret: row.secret_enc !== null,
    pausedUntil: row.paused_until,
    pausedReason: row.paused_reason,
    consecutiveFailures: row.consecutive_failures,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function presentDelivery(row: WebhookDeliveryRow, attempts: WebhookAttempt[]): WebhookDelivery {
  return {
    id: row.id,
    key: row.key,
    webhookId: row.webhook_id,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === WebhookDeliveryStatus.pending ? row.next_attempt_at : null,
    lastResponseCode: row.last_response_code,
    lastReason: row.last_reason,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    payload: JSON.parse(row.payload_json),
    attemptLog: attempts,
  };
}
