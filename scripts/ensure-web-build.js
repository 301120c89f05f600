// Builds the web UI when web/dist is missing or older than any file under web/, so
// `npm start` and `npm test` on a fresh clone work without a separate build step.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const newest = (dir) => {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name === "node_modules") continue;
    const p = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
};

let built = 0;
try {
  built = statSync("web/dist/index.html").mtimeMs;
} catch {}
if (built < newest("web")) {
  console.log("Building the web UI…");
  execFileSync("npx", ["vite", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { stdio: "inherit" });
}
