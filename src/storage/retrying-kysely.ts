import { setTimeout as sleep } from "node:timers/promises";
import {
  type AccessMode,
  type IsolationLevel,
  Kysely,
  type KyselyConfig,
  type Transaction,
  type TransactionBuilder,
} from "kysely";
import { isConcurrencyFailure, isDatabaseUnavailable } from "./db-errors.js";
import type { WriteWatch } from "./write-watch.js";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Wait before the second try; doubles per try, with jitter. */
  baseDelayMs: number;
}

/**
 * Kysely whose transactions run again after a transient failure: a deadlock or serialization
 * failure (always rolled back), or a lost connection **before** the commit was sent (then the
 * database rolled the transaction back with the connection). A connection lost during the commit
 * itself is not retried: the commit may have happened, and running the work twice could create a
 * job or an e-mail twice; the caller gets the error (a 503) instead.
 *
 * Services write their transaction bodies as pure database work, with side effects (sending to a
 * robot, waking a loop) after the commit, so running a body again is safe.
 */
export class RetryingKysely<DB> extends Kysely<DB> {
  constructor(
    config: KyselyConfig,
    private readonly policy: RetryPolicy,
    /** Told which watched tables each committed transaction wrote (see WriteWatch). */
    readonly writes: WriteWatch,
  ) {
    super({ ...config, plugins: [...(config.plugins ?? []), writes] });
  }

  override transaction(): TransactionBuilder<DB> {
    return retrying(super.transaction(), this.policy, this.writes);
  }
}

function retrying<DB>(
  builder: TransactionBuilder<DB>,
  policy: RetryPolicy,
  writes: WriteWatch,
): TransactionBuilder<DB> {
  // TransactionBuilder keeps its state in private fields, so it is wrapped, not subclassed.
  const wrapper: Pick<TransactionBuilder<DB>, "execute" | "setAccessMode" | "setIsolationLevel"> = {
    setAccessMode: (mode: AccessMode) => retrying(builder.setAccessMode(mode), policy, writes),
    setIsolationLevel: (level: IsolationLevel) => retrying(builder.setIsolationLevel(level), policy, writes),
    async execute<T>(callback: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        let bodyDone = false;
        const written = new Set<string>();
        const after: (() => void)[] = [];
        try {
          const result = await builder.execute(async (trx) => {
            const value = await writes.collect(written, () => callback(trx), after);
            if (written.size > 0) await writes.beforeCommit?.(trx as never, written);
            bodyDone = true;
            return value;
          });
          writes.committed(written);
          runAfterCommit(after);
          return result;
        } catch (error) {
          // A commit whose outcome is unknown may have happened: caches forget what it touched.
          if (bodyDone) {
            writes.committed(written);
            runAfterCommit(after);
          }
          const retryable = isConcurrencyFailure(error) || (!bodyDone && isDatabaseUnavailable(error));
          if (!retryable || attempt >= policy.attempts) throw error;
          const delay = policy.baseDelayMs * 2 ** (attempt - 1);
          await sleep(delay / 2 + Math.random() * delay);
        }
      }
    },
  };
  return wrapper as unknown as TransactionBuilder<DB>;
}

/** The `afterCommit` callbacks of a transaction; one that throws does not keep the others from running. */
function runAfterCommit(callbacks: (() => void)[]): void {
  for (const callback of callbacks) {
    try {
      callback();
    } catch {
      // A notice is best effort; the committed change stands.
    }
  }
}
