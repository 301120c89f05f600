// Takes items from a queue of the job's folder until none is left: each item's `n` is doubled
// into the output. Items whose `n` equals `failBusinessOn` fail with a business exception (never
// retried), those equal to `failApplicationOn` with an application exception (retried as the
// queue says). `dirigent/sdk` calls Dirigent with the job's token and retries network errors.
import { inputArguments, log, queue, setOutputArguments, shouldStop } from "dirigent/sdk";

const input = inputArguments();
const work = queue(input.queueName);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let successful = 0;
let failed = 0;

while (!shouldStop()) {
  const item = await work.startTransaction();
  if (!item) break;
  const n = Number(item.specificContent.n ?? 0);
  await item.setProgress(`doubling ${n}`);
  if (input.delayMs) await sleep(input.delayMs);
  if (n === input.failBusinessOn) {
    await item.fail({ type: "business", reason: `${n} is refused by the rules` });
    failed += 1;
  } else if (n === input.failApplicationOn) {
    await item.fail({ type: "application", reason: "The target system did not answer", details: `item ${item.id}` });
    failed += 1;
  } else {
    await item.complete({ doubled: n * 2 });
    successful += 1;
  }
}
log("info", `Queue ${input.queueName}: ${successful} successful, ${failed} failed.`);
setOutputArguments({ successful, failed });
