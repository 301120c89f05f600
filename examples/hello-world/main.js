// A complete Dirigent automation without dependencies: arguments in, logs, arguments out.
// (The `dirigent/sdk` module wraps the same environment variables; see docs.)
import fs from "node:fs";

const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE ?? "/dev/null", "utf8") || "{}");
const times = input.times ?? 1;
for (let i = 1; i <= times; i++) {
  console.log(JSON.stringify({ level: "info", message: `Hello, ${input.name} (${i}/${times})` }));
}
console.error("This line goes to stderr and is logged as an error.");
if (process.env.DIRIGENT_OUTPUT_FILE) {
  fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ greeting: `Hello, ${input.name}!` }));
}
