import { AsyncLocalStorage } from "node:async_hooks";
import type {
  Kysely,
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";

/** A set of watched tables written by one transaction (or one statement outside a transaction). */
export type WrittenTables = ReadonlySet<string>;

/**
 * Tells listeners which watched tables were written, **after** the write committed — the hook
 * for in-process caches of rarely written rows (tokens, users, roles, folders, maintenance
 * windows; see services/access/request-cache.ts). It is a Kysely plugin, so every write through
 * the query builder is seen, whichever service makes it; writes in raw SQL are not (none touch
 * the watched tables).
 *
 * A transaction collects its writes in an AsyncLocalStorage scope (RetryingKysely opens it); the
 * `beforeCommit` hook runs inside the transaction (on PostgreSQL it sends the NOTIFY there, so
 * other nodes hear of the change exactly when it commits), and the listeners run after the
 * commit. A statement outside a transaction is reported once its result is back (autocommit).
 */
export class WriteWatch implements KyselyPlugin {
  private readonly watched = new Set<string>();
  private readonly scope = new AsyncLocalStorage<{ tables: Set<string>; open: boolean; after?: (() => void)[] }>();
  private readonly pending = new WeakMap<object, Set<string>>();
  private readonly listeners = new Set<(tables: WrittenTables) => void>();
  /** Runs with the transaction (or null: the pool, after an autocommitted write) before listeners hear. */
  beforeCommit: ((db: Kysely<unknown> | null, tables: WrittenTables) => Promise<void>) | null = null;
  /** Statements sent through the query builder so far (reads too): for tests and figures. */
  statements = 0;

  /** Starts reporting writes to these tables. */
  watch(tables: Iterable<string>): void {
    for (const t of tables) this.watched.add(t);
  }

  onCommitted(listener: (tables: WrittenTables) => void): void {
    this.listeners.add(listener);
  }

  /**
   * Runs `callback` once the transaction the caller is in has committed (with the listeners of
   * `onCommitted`; a transaction that rolls back or is tried again drops it), or at once outside
   * a transaction. For notices that must not be heard before what they tell of is readable.
   */
  afterCommit(callback: () => void): void {
    const store = this.scope.getStore();
    if (store?.open && store.after) store.after.push(callback);
    else callback();
  }

  /**
   * Runs a transaction body, collecting the watched tables it writes into `tables` and the
   * `afterCommit` callbacks it leaves into `after` (the caller runs them after the commit).
   */
  collect<T>(tables: Set<string>, body: () => Promise<T>, after?: (() => void)[]): Promise<T> {
    const store = { tables, open: true, ...(after && { after }) };
    return this.scope.run(store, async () => {
      try {
        return await body();
      } finally {
        // Work the body left running in the background is reported on its own from now on.
        store.open = false;
      }
    });
  }

  /** Tells the listeners (after a commit, or after a commit whose outcome is unknown). */
  committed(tables: WrittenTables): void {
    if (tables.size === 0) return;
    for (const l of this.listeners) l(tables);
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.statements += 1;
    if (this.watched.size === 0) return args.node;
    const written = writtenTable(args.node);
    if (written && this.watched.has(written)) {
      const store = this.scope.getStore();
      if (store?.open) store.tables.add(written);
      else this.pending.set(args.queryId, new Set([written]));
    }
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const tables = this.pending.get(args.queryId);
    if (tables) {
      this.pending.delete(args.queryId);
      await this.beforeCommit?.(null, tables);
      this.committed(tables);
    }
    return args.result;
  }
}

/**
 * Updates that change nothing a cache holds, by table: they do not count as writes of it.
 * `auth_tokens`: noting a token's use (`last_used_at`, at most once a minute per token; the node
 * that notes it updates its own copy). `webhooks`: anything but its enabled flag, events and
 * tenant (the senders' leases and the circuit breaker write it many times a second).
 */
const unseenUpdates: Record<string, (columns: (string | null)[]) => boolean> = {
  auth_tokens: (columns) => columns.includes("last_used_at"),
  webhooks: (columns) => !columns.some((c) => c === "enabled" || c === "events_json" || c === "tenant_id"),
};

/**
 * The table an INSERT, UPDATE or DELETE writes, or null for reads and for the updates above.
 * An insert into `auth_tokens` does not count either: a new token is in no cache.
 */
function writtenTable(node: RootOperationNode): string | null {
  switch (node.kind) {
    case "InsertQueryNode": {
      const table = tableName(node.into);
      return table === "auth_tokens" ? null : table;
    }
    case "UpdateQueryNode": {
      const table = tableName(node.table);
      const unseen = table === null ? undefined : unseenUpdates[table];
      if (!unseen) return table;
      return unseen((node.updates ?? []).map((u) => tableOrColumnName(u.column))) ? null : table;
    }
    case "DeleteQueryNode":
      return tableName(node.from.froms[0]);
    default:
      return null;
  }
}

type AnyNode = OperationNode & Record<string, unknown>;

function tableName(node: OperationNode | undefined): string | null {
  if (!node) return null;
  const n = node as AnyNode;
  if (n.kind === "AliasNode") return tableName(n.node as OperationNode);
  if (n.kind === "TableNode") return ((n.table as AnyNode).identifier as { name: string }).name;
  return null;
}

function tableOrColumnName(node: OperationNode): string | null {
  const n = node as AnyNode;
  if (n.kind === "ColumnNode") return (n.column as { name: string }).name;
  return null;
}
