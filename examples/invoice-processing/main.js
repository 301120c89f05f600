// The shape of most unattended work: take items from a queue until it is empty, use a credential
// for the target system, leave a file behind per item. Invoices with a negative amount are
// refused as business exceptions (a person must look at them; they are never retried).
// The password is used, never printed: whatever an automation prints lands in the job's logs.
import { createHash } from "node:crypto";
import { bucket, getCredential, inputArguments, log, queue, setOutputArguments, shouldStop } from "dirigent/sdk";

const input = inputArguments();
const { username, password } = await getCredential(input.credential);
// A stand-in for signing in to an ERP: a session id derived from the credential.
const session = createHash("sha256").update(`${username}:${password}`).digest("hex").slice(0, 12);
log("info", `Signed in to the ERP as ${username}`);

const invoices = queue(input.queueName);
const receipts = bucket(input.bucketName);
let filed = 0;
let refused = 0;

while (!shouldStop()) {
  const item = await invoices.startTransaction();
  if (!item) break;
  const { number, amount, customer } = item.specificContent;
  if (typeof amount !== "number" || amount < 0) {
    await item.fail({ type: "business", reason: `Invoice ${number} has an invalid amount`, details: String(amount) });
    refused += 1;
    continue;
  }
  await item.setProgress(`filing invoice ${number}`);
  const path = `receipts/${number}.json`;
  await receipts.write(
    path,
    JSON.stringify({ number, amount, customer, session, filedBy: username }),
    "application/json",
  );
  await item.complete({ receipt: path });
  filed += 1;
}
log("info", `${filed} invoices filed, ${refused} refused.`);
setOutputArguments({ filed, refused });
