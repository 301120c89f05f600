// Counts to `to`, one step every `delayMs`, logging each step; stops early and cleanly when
// Dirigent asks for a graceful stop; exits with an error when `fail` is set.
// In a package with dependencies, `import { inputArguments, log, setOutputArguments, shouldStop } from "dirigent/sdk"`
// does the same; these few lines keep the example free of dependencies.
import fs from "node:fs";

const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8"));
const log = (level, message) => console.log(JSON.stringify({ level, message }));
let stop = false;
process.on("SIGINT", () => {
  stop = true;
});
const shouldStop = () => stop || fs.existsSync(process.env.DIRIGENT_STOP_FILE ?? "/nonexistent");

const to = input.to ?? 3;
let count = 0;
while (count < to && !shouldStop()) {
  count += 1;
  log("debug", `step ${count} of ${to}`);
  await new Promise((r) => setTimeout(r, input.delayMs ?? 100));
}
fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ count, stoppedEarly: count < to }));
if (input.fail) {
  log("error", "Failing on purpose, as asked.");
  process.exit(3);
}
log("info", count < to ? `Stopped gracefully at ${count}.` : `Counted to ${to}.`);
