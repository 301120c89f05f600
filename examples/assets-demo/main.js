// Reads the credential and the setting named by the input arguments, and counts its runs in the
// integer asset `counter` (when given). It never prints the password: the output shows only its
// length and a SHA-256 fingerprint, so a run can be checked without leaking it.
// Needs `dirigent/sdk` in node_modules (the SDK of the Dirigent it runs against).
import { createHash } from "node:crypto";
import { getAsset, getCredential, inputArguments, log, setAsset, setOutputArguments } from "dirigent/sdk";

const input = inputArguments();
const { username, password } = await getCredential(input.credential);
const setting = await getAsset(input.setting);
log("info", `Signed in as ${username}; ${input.setting} is ${JSON.stringify(setting)}`);

let runs = null;
if (input.counter) {
  runs = Number(await getAsset(input.counter)) + 1;
  await setAsset(input.counter, runs);
  log("info", `Run number ${runs}`);
}

setOutputArguments({
  username,
  passwordLength: password.length,
  passwordSha256: createHash("sha256").update(password).digest("hex"),
  setting,
  runs,
});
