import { type Kysely, sql } from "kysely";
import pg from "pg";
import { z } from "zod";
import type { Logger } from "../platform/logger.js";

/** What one node tells the others (PRODUCT.md §15: cross-node notifications, no extra broker). */
export const clusterMessage = z.discriminatedUnion("type", [
  /** Work appeared (jobs created or freed): dispatchers look now instead of at their next poll. */
  z.object({ type: z.literal("wake") }),
  /** A stop or kill for a job whose robot may be connected to another node. */
  z.object({
    type: z.literal("stop"),
    sessionId: z.number().int(),
    jobKey: z.string(),
    mode: z.enum(["stop", "kill"]),
  }),
  /** Rows behind in-process caches changed (services/access/request-cache.ts): forget these caches. */
  z.object({ type: z.literal("invalidate"), caches: z.array(z.string().max(40)).max(20) }),
  /**
   * What changed in tenants (services/changes/tenant-changes.ts), for the live pages' change
   * feeds: tenant, kind, folder (null: tenant-wide) and some of the ids (null: too many to name).
   */
  z.object({
    type: z.literal("changes"),
    changes: z
      .array(
        z.object({
          t: z.number().int(),
          k: z.string().max(20),
          f: z.number().int().nullable(),
          i: z.array(z.number().int()).max(100).nullable(),
        }),
      )
      .max(200),
  }),
]);
export type ClusterMessage = z.infer<typeof clusterMessage>;

export interface ClusterBus {
  publish(message: ClusterMessage): void;
  /**
   * Sends a message as part of a transaction (`db` a Kysely transaction: delivered when it
   * commits, never when it rolls back), or at once on the pool when `db` is null; resolves once sent.
   */
  publishIn(db: Kysely<unknown> | null, message: ClusterMessage): Promise<void>;
  subscribe(listener: (message: ClusterMessage) => void): void;
  /**
   * Whether this node hears the others now. Messages sent while it did not are lost, so state
   * that depends on hearing every message (caches) is bypassed meanwhile and dropped on `onResumed`.
   */
  readonly hearing: boolean;
  /** Called when hearing starts again after an outage (messages may have been missed). */
  onResumed(listener: () => void): void;
  close(): Promise<void>;
}

/** One node alone (SQLite, or a single PostgreSQL node that was not given a URL): nothing to tell. */
export const localBus: ClusterBus = {
  publish() {},
  async publishIn() {},
  subscribe() {},
  hearing: true,
  onResumed() {},
  async close() {},
};

const channel = "dirigent_cluster";

/**
 * PostgreSQL LISTEN/NOTIFY between the nodes of one database. One dedicated connection listens
 * (reconnecting with backoff); messages go out with `pg_notify` on the pool. Delivery is best
 * effort by design: every message only makes something happen sooner that a poll or a robot's
 * heartbeat would also make happen, so a message lost while a connection is down costs latency,
 * never correctness. A node ignores its own messages.
 */
export class PostgresClusterBus implements ClusterBus {
  private listener: pg.Client | null = null;
  private readonly listeners = new Set<(message: ClusterMessage) => void>();
  private readonly resumeListeners = new Set<() => void>();
  private everConnected = false;
  private closed = false;
  private retryMs = 500;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Set while the listener is down: an outage is logged when it starts and when it ends, not per try. */
  private downSince: number | null = null;

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  publish(message: ClusterMessage): void {
    const payload = JSON.stringify({ from: this.nodeId, message });
    this.pool.query("select pg_notify($1, $2)", [channel, payload]).catch((error: unknown) => {
      // While the database is away every publish fails; the listener's outage line already said so.
      if (this.downSince === null) this.logger.warn({ err: error }, "cluster notification could not be sent");
    });
  }

  async publishIn(db: Kysely<unknown> | null, message: ClusterMessage): Promise<void> {
    const payload = JSON.stringify({ from: this.nodeId, message });
    if (db) await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    else await this.pool.query("select pg_notify($1, $2)", [channel, payload]);
  }

  subscribe(listener: (message: ClusterMessage) => void): void {
    this.listeners.add(listener);
  }

  get hearing(): boolean {
    return this.listener !== null;
  }

  onResumed(listener: () => void): void {
    this.resumeListeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on("notification", (n) => this.receive(n.payload));
    client.on("error", (error) => {
      this.markDown(error, "cluster listener connection failed; reconnecting");
      this.reconnect(client);
    });
    client.on("end", () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
      this.listener = client;
      this.retryMs = 500;
      if (this.downSince !== null) {
        this.logger.info({ seconds: Math.round((Date.now() - this.downSince) / 1000) }, "cluster listener reconnected");
        this.downSince = null;
      }
      // Whatever was sent while this node was not listening is lost: those who depend on hearing all of it start over.
      if (this.everConnected) for (const l of this.resumeListeners) l();
      this.everConnected = true;
    } catch (error) {
      this.markDown(error, "cluster listener could not connect; retrying");
      this.reconnect(client);
    }
  }

  private markDown(error: unknown, message: string): void {
    if (this.closed) return;
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.logger.warn({ err: error }, message);
    } else {
      this.logger.debug({ err: error }, message);
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.closed || (this.listener !== client && this.listener !== null) || this.retryTimer) return;
    this.listener = null;
    client.end().catch(() => {});
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) void this.connect();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
  }

  private receive(payload: string | undefined): void {
    let parsed: { from?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(payload ?? "");
    } catch {
      return;
    }
    if (parsed.from === this.nodeId) return;
    const message = clusterMessage.safeParse(parsed.message);
    if (!message.success) return;
    for (const l of this.listeners) l(message.data);
  }
}
