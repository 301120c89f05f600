import type { Logger } from "../../platform/logger.js";
import type { ClusterBus } from "../../storage/cluster-bus.js";
import type { WriteWatch, WrittenTables } from "../../storage/write-watch.js";

/**
 * What a request needs before its handler, and the tables whose writes make it stale:
 * - `tokens`: token hash → token row and principal (a user's status, role and organization);
 * - `access`: (principal, tenant) → permissions (roles, assignments, folder tree, the user's role);
 * - `tenancy`: organization and tenant by reference;
 * - `folders`: a tenant's folders with their paths (the OData layer names folders by path and key);
 * - `settings`: host settings read on every login and by the login page (the password policy);
 * - `maintenance`: the open maintenance windows;
 * - `licenses`: a tenant's license allocation (the dispatcher reads it before every claim);
 * - `webhooks`: a tenant's enabled webhooks and their events (read with every job and queue item
 *   change; only writes of those columns count, see WriteWatch);
 * - `machineKeys`: a machine key's hash → the machine with its tenant's and organization's status
 *   (every robot connection and package download presents its key).
 */
export const cacheTables = {
  tokens: ["auth_tokens", "users", "system_admins", "organizations"],
  access: ["users", "roles", "role_assignments", "folders"],
  tenancy: ["organizations", "tenants"],
  folders: ["folders"],
  settings: ["host_settings"],
  maintenance: ["maintenance_windows"],
  licenses: ["tenant_licenses"],
  webhooks: ["webhooks"],
  machineKeys: ["machines", "tenants", "organizations"],
} as const;

export type CacheName = keyof typeof cacheTables;
const cacheNames = Object.keys(cacheTables) as CacheName[];

/** Entries per cache; the oldest goes first beyond it (the cache is a speed-up, never a store). */
const maxEntries = 10_000;

interface Shelf {
  entries: Map<string, { value: unknown; at: number }>;
  /** Counts invalidations: a load that started before one is not kept (it may have read the old rows). */
  generation: number;
}

/**
 * In-process caches of what every authenticated request reads before its handler: on a warm
 * cache a tenant request runs no query before its handler (issue #14 measured ~8 queries, ~11 ms
 * on PostgreSQL under load, before this).
 *
 * Freshness: every write through Kysely to a table above is seen by the WriteWatch. The writing
 * node forgets the affected caches right after the commit; on PostgreSQL the transaction itself
 * sends an `invalidate` message over the cluster bus (NOTIFY, delivered when it commits), and the
 * other nodes forget the same caches when it arrives. While a node does not hear the bus (its
 * listener is reconnecting) it bypasses the caches, and it drops them all when it hears again,
 * since messages sent meanwhile are lost. Entries also expire after `ttlMs` at the latest, which
 * bounds staleness from writes no node saw (`dirigent admin` on the same database, raw SQL).
 * A failed lookup (unknown token, 404) is never cached.
 */
export class RequestCache {
  private readonly shelves = new Map<CacheName, Shelf>(
    cacheNames.map((name) => [name, { entries: new Map(), generation: 0 }]),
  );
  private bus: ClusterBus | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts caching: from now on this node hears of writes (its own through `writes`, the other
   * nodes' through `bus`). Without a write watch, or with a TTL of 0, nothing is ever cached.
   */
  connect(writes: WriteWatch | null, bus: ClusterBus): void {
    if (!writes || this.ttlMs <= 0) return;
    writes.watch(Object.values(cacheTables).flat());
    writes.onCommitted((tables) => this.forget(cachesOf(tables)));
    writes.beforeCommit = async (db, tables) => {
      const caches = cachesOf(tables);
      if (caches.length === 0) return;
      const sent = bus.publishIn(db, { type: "invalidate", caches });
      // Inside a transaction a failed NOTIFY fails the transaction (nothing changed); after an
      // autocommitted write the change stands, and the other nodes catch up within the TTL.
      if (db) await sent;
      else await sent.catch((error: unknown) => this.logger.warn({ err: error }, "cache invalidation not sent"));
    };
    bus.subscribe((message) => {
      if (message.type === "invalidate")
        this.forget(message.caches.filter((c): c is CacheName => this.shelves.has(c as CacheName)));
    });
    bus.onResumed(() => this.forget(cacheNames));
    this.bus = bus;
  }

  /** Whether entries may be used now. */
  get active(): boolean {
    return this.bus?.hearing === true;
  }

  /** The cached value, or `load()`'s (kept when nothing was invalidated while it loaded). */
  async get<V>(cache: CacheName, key: string, load: () => Promise<V>): Promise<V> {
    if (!this.active) return load();
    const shelf = this.shelves.get(cache) as Shelf;
    const hit = shelf.entries.get(key);
    const now = Date.now();
    if (hit && now - hit.at < this.ttlMs) return hit.value as V;
    const generation = shelf.generation;
    const value = await load();
    if (shelf.generation === generation && this.active) {
      shelf.entries.delete(key);
      shelf.entries.set(key, { value, at: now });
      if (shelf.entries.size > maxEntries) {
        const oldest = shelf.entries.keys().next().value;
        if (oldest !== undefined) shelf.entries.delete(oldest);
      }
    }
    return value;
  }

  /** Forgets one entry (e.g. a token its own node just revoked). */
  delete(cache: CacheName, key: string): void {
    this.shelves.get(cache)?.entries.delete(key);
  }

  forget(caches: readonly CacheName[]): void {
    for (const name of caches) {
      const shelf = this.shelves.get(name);
      if (!shelf) continue;
      shelf.generation += 1;
      shelf.entries.clear();
    }
  }
}

function cachesOf(tables: WrittenTables): CacheName[] {
  return cacheNames.filter((name) => cacheTables[name].some((t) => tables.has(t)));
}
