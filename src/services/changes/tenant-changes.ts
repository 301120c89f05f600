import { EventEmitter } from "node:events";
import type { Permission } from "../../domain/permissions.js";
import type { ClusterBus, ClusterMessage } from "../../storage/cluster-bus.js";
import type { WriteWatch } from "../../storage/write-watch.js";
import type { TenantAccess } from "../access/access-service.js";
import type { DomainEvent } from "../events/domain-events.js";

/** What the live pages show: each kind names the list (and its detail pages) to read again. */
export const changeKinds = ["jobs", "machines", "queues", "triggers", "webhooks"] as const;
export type ChangeKind = (typeof changeKinds)[number];

/**
 * One notice of the tenant change feed: something of `kind` changed in `folderId` (null for
 * tenant-wide kinds: machines, webhooks), among them `ids` (jobs, machines, queues, triggers,
 * webhooks by id; left out when there were more than `maxIds`).
 */
export interface TenantChange {
  kind: ChangeKind;
  folderId: number | null;
  ids?: number[];
}

/** Ids one notice names at most; beyond them it names none ("many"). */
export const maxIds = 50;
/** Notices sent in one cluster message at most (PostgreSQL's NOTIFY payload is under 8000 bytes). */
const perMessage = 10;

/** Who may hear of a change: the permission that lets a caller read the list it changed. */
const viewPermission: Record<ChangeKind, Permission> = {
  jobs: "jobs.view",
  machines: "machines.view",
  queues: "queues.view",
  triggers: "triggers.view",
  webhooks: "webhooks.view",
};

/** Whether `access` may read what `change` is about (the same rule as the lists it refreshes). */
export function mayHear(access: TenantAccess, change: TenantChange): boolean {
  const permission = viewPermission[change.kind];
  return change.folderId === null
    ? access.can(permission)
    : access.seesFolder(change.folderId) && access.canInFolder(change.folderId, permission);
}

interface Group {
  tenantId: number;
  kind: ChangeKind;
  folderId: number | null;
  /** null: more than `maxIds`. */
  ids: Set<number> | null;
  /** Noted on this node (told to the other nodes too), not heard from another one. */
  local: boolean;
}

/**
 * The tenant change feed behind `GET …/tenants/{tenant}/changes`: services note what they
 * changed (inside their transaction; the notice waits for the commit), notices of the same kind
 * and folder are merged over a short window — a thousand jobs a second are a few notices, not a
 * thousand — and then told to this node's streams and, through the cluster bus (LISTEN/NOTIFY on
 * PostgreSQL), to the other nodes' streams. Best effort like the bus: a lost notice costs a page
 * its freshness until its slow safety refresh, never data.
 */
export class TenantChanges {
  private readonly events = new EventEmitter();
  private readonly pending = new Map<string, Group>();
  private timer: NodeJS.Timeout | null = null;
  private bus: ClusterBus | null = null;

  constructor(
    /** The database's write watch (null: no transactions to wait for, notices are told as noted). */
    private readonly writes: WriteWatch | null,
    /** Notices of one kind and folder are merged over this window (at most one per window). */
    private readonly windowMs = 250,
  ) {
    this.events.setMaxListeners(0);
  }

  /** Tells the other nodes what changed here, and this node what changed there. */
  connect(bus: ClusterBus): void {
    this.bus = bus;
    bus.subscribe((message) => {
      if (message.type !== "changes") return;
      for (const c of message.changes)
        if ((changeKinds as readonly string[]).includes(c.k))
          this.add(c.t, { kind: c.k as ChangeKind, folderId: c.f, ...(c.i && { ids: c.i }) }, false);
    });
  }

  /**
   * Notes a change of tenant `tenantId`. Inside a transaction it is told once the transaction
   * committed (never if it rolls back), so a page that reads again sees it.
   */
  note(tenantId: number, change: TenantChange): void {
    const add = () => this.add(tenantId, change, true);
    if (this.writes) this.writes.afterCommit(add);
    else add();
  }

  /** The changes a domain event stands for (jobs, the machines running them, queues, triggers). */
  noteEvent(event: DomainEvent): void {
    switch (event.type) {
      case "job.created":
      case "job.stateChanged": {
        const { job } = event;
        this.note(job.tenant_id, { kind: "jobs", folderId: job.folder_id, ids: [job.id] });
        // A machine's free slots change as its jobs start and end.
        if (job.machine_id !== null)
          this.note(job.tenant_id, { kind: "machines", folderId: null, ids: [job.machine_id] });
        // A trigger's page lists the jobs it started.
        if (job.trigger_id !== null)
          this.note(job.tenant_id, { kind: "triggers", folderId: job.folder_id, ids: [job.trigger_id] });
        return;
      }
      case "robot.connected":
      case "robot.disconnected":
        this.note(event.session.tenant_id, { kind: "machines", folderId: null, ids: [event.session.machine_id] });
        return;
      case "queueItem.added":
      case "queueItem.ended":
        this.note(event.queue.tenant_id, { kind: "queues", folderId: event.queue.folder_id, ids: [event.queue.id] });
        return;
      case "trigger.failed":
        this.note(event.trigger.tenant_id, {
          kind: "triggers",
          folderId: event.trigger.folder_id,
          ids: [event.trigger.id],
        });
        return;
      default:
        return;
    }
  }

  /** Listens to one tenant's merged notices; returns the function that stops listening. */
  subscribe(tenantId: number, listener: (change: TenantChange) => void): () => void {
    const name = String(tenantId);
    this.events.on(name, listener);
    return () => this.events.off(name, listener);
  }

  private add(tenantId: number, change: TenantChange, local: boolean): void {
    const key = `${local ? "l" : "r"}:${tenantId}:${change.kind}:${change.folderId ?? ""}`;
    let group = this.pending.get(key);
    if (!group) {
      group = { tenantId, kind: change.kind, folderId: change.folderId, ids: new Set(), local };
      this.pending.set(key, group);
    }
    if (group.ids) {
      if (!change.ids) group.ids = null;
      else for (const id of change.ids) group.ids.add(id);
      if (group.ids && group.ids.size > maxIds) group.ids = null;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.windowMs);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = null;
    const groups = [...this.pending.values()];
    this.pending.clear();
    // Told here: a change noted here and one heard from another node in the same window are one notice.
    const told = new Map<string, { tenantId: number; change: TenantChange }>();
    for (const g of groups) {
      const key = `${g.tenantId}:${g.kind}:${g.folderId ?? ""}`;
      const seen = told.get(key);
      if (!seen) {
        told.set(key, {
          tenantId: g.tenantId,
          change: { kind: g.kind, folderId: g.folderId, ...(g.ids && { ids: [...g.ids].sort((a, b) => a - b) }) },
        });
      } else if (seen.change.ids) {
        const ids = g.ids ? [...new Set([...seen.change.ids, ...g.ids])].sort((a, b) => a - b) : null;
        if (ids && ids.length <= maxIds) seen.change.ids = ids;
        else delete seen.change.ids;
      }
    }
    for (const { tenantId, change } of told.values()) this.events.emit(String(tenantId), change);
    const outgoing = groups
      .filter((g) => g.local)
      .map((g) => ({ t: g.tenantId, k: g.kind, f: g.folderId, i: g.ids ? [...g.ids] : null }));
    for (let i = 0; i < outgoing.length && this.bus; i += perMessage) {
      const message: ClusterMessage = { type: "changes", changes: outgoing.slice(i, i + perMessage) };
      this.bus.publish(message);
    }
  }
}
