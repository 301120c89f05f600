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
  ) {
    super(config);
  }

  override transaction(): TransactionBuilder<DB> {
    return retrying(super.transaction(), this.policy);
  }
}

function retrying<DB>(builder: TransactionBuilder<DB>, policy: RetryPolicy): TransactionBuilder<DB> {
  // TransactionBuilder keeps its state in private fields, so it is wrapped, not subclassed.
  const wrapper: Pick<TransactionBuilder<DB>, "execute" | "setAccessMode" | "setIsolationLevel"> = {
    setAccessMode: (mode: AccessMode) => retrying(builder.setAccessMode(mode), policy),
    setIsolationLevel: (level: IsolationLevel) => retrying(builder.setIsolationLevel(level), policy),
    async execute<T>(callback: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        let bodyDone = false;
        try {
          return await builder.execute(async (trx) => {
            const result = await callback(trx);
            bodyDone = true;
            return result;
          });
        } catch (error) {
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
