import { createHash } from "node:crypto";
import pg from "pg";
import { isStalePreparedStatement } from "./db-errors.js";

/**
 * Which statements run as named (prepared) statements. PostgreSQL parses and plans an unnamed
 * statement on every run: for a claim or a tenant's job list that is most of its time (planning
 * 1–2 ms against well under 1 ms of work, measured in the server log under `npm run bench`). A
 * named one is parsed once per connection, and after five runs PostgreSQL may keep a generic plan.
 *
 * A text is named the second time it is seen, so one-off texts (an IN list of a rare length, a
 * migration) stay unnamed; at most `remembered` texts are kept (the oldest go first: a hot text
 * forgotten is named again, under the same name, when seen twice more).
 */
export class StatementNames {
  /** Text → its name once seen twice, or null when seen once. */
  private readonly seen = new Map<string, string | null>();

  constructor(private readonly remembered = 2000) {}

  nameFor(text: string): string | undefined {
    const known = this.seen.get(text);
    if (known) return known;
    if (known === null) {
      const name = `dg_${createHash("sha256").update(text).digest("base64url").slice(0, 24)}`;
      this.seen.set(text, name);
      return name;
    }
    if (this.seen.size >= this.remembered) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(text, null);
    return undefined;
  }
}

/** Named statements one connection keeps at most; later new texts run unnamed on it. */
const preparedPerConnection = 500;

export interface DirigentClientConfig extends pg.ClientConfig {
  /** Shared by the pool's clients; absent: every statement runs unnamed (e.g. behind a pooler that cannot keep them). */
  statementNames?: StatementNames;
}

/**
 * The pool's client:
 * - runs the statements `StatementNames` names as prepared statements (see there);
 * - ends its connection when a statement times out on the client side (`query_timeout`: the server
 *   did not answer, e.g. a stalled network). pg leaves such a client waiting for the lost answer,
 *   and the pool would hand it out again to queue every later statement behind it; an ended
 *   client is dropped by the pool instead;
 * - ends its connection when its prepared statements no longer fit the schema (another node
 *   migrated it) or were dropped behind its back: the pool opens a fresh one, and the failure counts
 *   as an outage (`isDatabaseUnavailable`), so a transaction runs again and a request answers 503.
 */
export class DirigentClient extends pg.Client {
  private readonly names: StatementNames | undefined;
  private readonly prepared = new Set<string>();

  constructor(config: DirigentClientConfig = {}) {
    super(config);
    this.names = config.statementNames;
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has many overloads; this only rewrites the (text, values) form Kysely uses.
  override query(...args: any[]): any {
    const [text, values] = args;
    if (this.names && args.length === 2 && typeof text === "string" && Array.isArray(values) && values.length > 0) {
      const name = this.names.nameFor(text);
      if (name && (this.prepared.has(name) || this.prepared.size < preparedPerConnection)) {
        this.prepared.add(name);
        args = [{ name, text, values }];
      }
    }
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    const result = (super.query as (...a: any[]) => any)(...args);
    if (result && typeof result.catch === "function") {
      return result.catch((error: unknown) => {
        if (error instanceof Error && error.message === "Query read timeout") {
          (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        }
        // Ending (not just closing the socket) marks the client at once, so the pool drops it on release.
        if (isStalePreparedStatement(error)) this.end().catch(() => {});
        throw error;
      });
    }
    return result;
  }
}
