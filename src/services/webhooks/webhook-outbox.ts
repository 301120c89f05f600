import { randomUUID } from "node:crypto";
import { addSeconds } from "../../platform/clock.js";
import { isFinalJobState, JobState } from "../../shared/jobs.js";
import { QueueItemStatus } from "../../shared/queues.js";
import { WebhookDeliveryStatus, type WebhookEvent, webhookRetryWindowSeconds } from "../../shared/webhooks.js";
import type { Db } from "../../storage/database.js";
import type { JobRow, QueueItemRow, QueueRow } from "../../storage/schema.js";
import type { RequestCache } from "../access/request-cache.js";
import type { ServiceContext } from "../context.js";
import type { DomainEvent } from "../events/domain-events.js";

/** One webhook event a domain event becomes: its name, tenant and payload (without `event` and `id`). */
interface Outgoing {
  event: WebhookEvent;
  tenantId: number;
  payload: Record<string, unknown>;
}

/**
 * The webhook outbox: a listener of domain events that writes one delivery row per subscribed
 * webhook, in the transaction of the event (as e-mail is written to its outbox), so what
 * commits is delivered and what rolls back never is. The sender (background/webhook-sender.ts)
 * takes them from there.
 */
export class WebhookOutbox {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly wake: () => void,
    private readonly cache?: RequestCache,
  ) {}

  readonly listener = async (db: Db, event: DomainEvent): Promise<void> => {
    // The subscriptions come first (from the cache): an event no webhook listens to costs no
    // query, not even the machine name of a robot's event (every robot's hello emits one).
    const tenantId = tenantOf(event);
    // Read inside the event's transaction; no transaction that writes webhooks emits such events,
    // so what is cached was committed.
    const read = async () =>
      (
        await db
          .selectFrom("webhooks")
          .select(["id", "events_json"])
          .where("tenant_id", "=", tenantId)
          .where("enabled", "=", 1)
          .execute()
      ).map((h) => ({ id: h.id, events: JSON.parse(h.events_json) as string[] }));
    const hooks = this.cache ? await this.cache.get("webhooks", String(tenantId), read) : await read();
    if (hooks.length === 0) return;
    const outgoing = await this.translate(db, event, (name) => hooks.some((h) => h.events.includes(name)));
    if (outgoing.length === 0) return;
    const now = this.ctx.clock.now();
    const nowIso = now.toISOString();
    const until = addSeconds(now, webhookRetryWindowSeconds).toISOString();
    const rows = [];
    for (const o of outgoing) {
      const payload = JSON.stringify({ timestamp: nowIso, tenantId: o.tenantId, ...o.payload });
      for (const h of hooks) {
        if (!h.events.includes(o.event)) continue;
        rows.push({
          key: randomUUID(),
          webhook_id: h.id,
          tenant_id: o.tenantId,
          event: o.event,
          payload_json: payload,
          status: WebhookDeliveryStatus.pending,
          next_attempt_at: nowIso,
          retry_until: until,
          created_at: nowIso,
        });
      }
    }
    if (rows.length === 0) return;
    await db.insertInto("webhook_deliveries").values(rows).execute();
    this.ctx.changes?.note(tenantId, {
      kind: "webhooks",
      folderId: null,
      ids: [...new Set(rows.map((r) => r.webhook_id))],
    });
    this.wake();
  };

  /**
   * The webhook events of a domain event (a faulted job is `job.finished` and `job.faulted`).
   * `taken` says whether any subscription takes an event: one that needs a query is skipped without.
   */
  private async translate(db: Db, event: DomainEvent, taken: (name: WebhookEvent) => boolean): Promise<Outgoing[]> {
    switch (event.type) {
      case "job.created":
        return [jobEvent("job.created", event.job)];
      case "job.stateChanged": {
        const { job } = event;
        if (job.state === JobState.running && event.from === JobState.pending) return [jobEvent("job.started", job)];
        if (!isFinalJobState(job.state)) return [];
        const out = [jobEvent("job.finished", job)];
        if (job.state === JobState.faulted) out.push(jobEvent("job.faulted", job));
        if (job.state === JobState.stopped) out.push(jobEvent("job.stopped", job));
        return out;
      }
      case "robot.connected":
      case "robot.disconnected": {
        // Every robot's hello emits one: its machine's name is read only when a webhook wants it.
        if (!taken(event.type)) return [];
        const s = event.session;
        const machine = await db
          .selectFrom("machines")
          .select("name")
          .where("id", "=", s.machine_id)
          .executeTakeFirst();
        return [
          {
            event: event.type,
            tenantId: s.tenant_id,
            payload: {
              robot: {
                sessionId: s.id,
                machineId: s.machine_id,
                machineName: machine?.name ?? null,
                hostName: s.host_name,
                state: event.type === "robot.connected" ? "connected" : "disconnected",
                ...(event.type === "robot.disconnected" && { reason: s.reason ?? null }),
              },
            },
          },
        ];
      }
      case "queueItem.added":
        return [
          {
            event: "queueItem.added",
            tenantId: event.queue.tenant_id,
            payload: {
              folderId: event.queue.folder_id,
              queue: queueOf(event.queue),
              queueItems: event.items.map(itemOf),
            },
          },
        ];
      case "queueItem.ended":
        return [
          {
            event: event.item.status === QueueItemStatus.successful ? "queueItem.completed" : "queueItem.failed",
            tenantId: event.queue.tenant_id,
            payload: { folderId: event.queue.folder_id, queue: queueOf(event.queue), queueItem: itemOf(event.item) },
          },
        ];
      case "trigger.failed": {
        const t = event.trigger;
        return [
          {
            event: "trigger.failed",
            tenantId: t.tenant_id,
            payload: {
              folderId: t.folder_id,
              trigger: { id: t.id, key: t.key, name: t.name, kind: t.kind, processId: t.process_id },
              fireTime: event.fireTime,
              reason: event.reason,
            },
          },
        ];
      }
      case "alert.raised": {
        const a = event.alert;
        return [
          {
            event: "alert.raised",
            tenantId: a.tenant_id,
            payload: {
              folderId: a.folder_id,
              alert: {
                severity: a.severity,
                component: a.component,
                kind: a.kind,
                message: a.message,
                link: a.link,
                details: a.details ?? null,
                createdAt: event.createdAt,
              },
            },
          },
        ];
      }
    }
  }
}

/** The tenant a domain event belongs to (its webhooks are the tenant's). */
function tenantOf(event: DomainEvent): number {
  switch (event.type) {
    case "job.created":
    case "job.stateChanged":
      return event.job.tenant_id;
    case "robot.connected":
    case "robot.disconnected":
      return event.session.tenant_id;
    case "queueItem.added":
    case "queueItem.ended":
      return event.queue.tenant_id;
    case "trigger.failed":
      return event.trigger.tenant_id;
    case "alert.raised":
      return event.alert.tenant_id;
  }
}

function jobEvent(event: WebhookEvent, job: JobRow): Outgoing {
  return {
    event,
    tenantId: job.tenant_id,
    payload: {
      folderId: job.folder_id,
      job: {
        id: job.id,
        key: job.key,
        state: job.state,
        processId: job.process_id,
        processName: job.process_name,
        entryPoint: job.entry_point,
        machineId: job.machine_id,
        source: job.source,
        triggerId: job.trigger_id,
        inputArguments: parse(job.input_json),
        outputArguments: parse(job.output_json),
        error: job.error,
        createdAt: job.created_at,
        startedAt: job.started_at,
        endedAt: job.ended_at,
      },
    },
  };
}

function queueOf(q: QueueRow) {
  return { id: q.id, key: q.key, name: q.name, folderId: q.folder_id };
}

function itemOf(i: QueueItemRow) {
  return {
    id: i.id,
    key: i.key,
    status: i.status,
    priority: i.priority,
    reference: i.reference,
    specificContent: parse(i.specific_json),
    output: parse(i.output_json),
    ...(i.exception_type && {
      processingException: { type: i.exception_type, reason: i.exception_reason, details: i.exception_details },
    }),
    createdAt: i.created_at,
    startedAt: i.started_at,
    endedAt: i.ended_at,
  };
}

function parse(json: string | null): unknown {
  return json === null ? null : JSON.parse(json);
}
