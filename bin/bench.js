#!/usr/bin/env node
// `npm run bench`: runs the benchmarks in bench/ through tsx and prints their report.
const { register } = await import("tsx/esm/api");
register();
await import("../bench/index.ts");
