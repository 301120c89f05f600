// Runs a TypeScript module of bench/ in a worker thread: tsx's loader is registered per thread.
import { workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
await import(workerData.module);
