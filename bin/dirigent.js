#!/usr/bin/env node
// Runs the CLI from the TypeScript sources through tsx in a checkout, or from the compiled
// dist/ when the package was installed without its sources.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
if (existsSync(`${root}src/cli/main.ts`)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
} else {
  await import("../dist/cli/main.js");
}
