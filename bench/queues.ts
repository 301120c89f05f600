import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { startServer } from "../src/cli/serve.js";
import { parseConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { claimQueueItem } from "../src/storage/sql/claim-queue-item.js";
import { freshPostgres } from "./foundation.js";
import { addSummary } from "./summary.js";

/**
 * P1 (issue #8): queue transaction cycles per second — add → start → result over HTTP with 8
 * concurrent consumers — next to the same three statements (insert, claim, result update) issued
 * directly through Kysely on the same database in the same run. p50/p99 of `transactions`.
 */
const cycles = Number(process.env.BENCH_QUEUE_CYCLES ?? 800);
const consumers = 8;
const password = "Bench-Passw0rd!";

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function benchDatabase(label: string, databaseUrl: string | undefined, cacheSeconds = "10") {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-bench-queues-"));
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const config = parseConfig({
    DIRIGENT_PORT: "0",
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: password,
    DIRIGENT_AUTH_CACHE_SECONDS: cacheSeconds,
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  const server = await startServer(config, { logger: createLogger("error", quiet) });
  try {
    let token = "";
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${server.url}/api/v1${url}`, {
        method,
        headers: {
          ...(body !== undefined && { "content-type": "application/json" }),
          ...(token && { authorization: `Bearer ${token}` }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
      return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> | null };
    };
    token = ((await api("POST", "/auth/token", { username: "admin", password })).body as { accessToken: string })
      .accessToken;
    await api("POST", "/host/organizations", { name: "Bench", admin: { email: "a@bench.test", password } });
    const T = "/orgs/bench/tenants/Default";
    const folder = (await api("POST", `${T}/folders`, { name: "Bench" })).body as { id: number };
    const httpQueue = (await api("POST", `${T}/folders/${folder.id}/queues`, { name: "http" })).body as { id: number };
    const directQueue = (await api("POST", `${T}/folders/${folder.id}/queues`, { name: "direct" })).body as {
      id: number;
    };

    // Over HTTP: each consumer adds an item, starts a transaction and sets its result.
    const starts: number[] = [];
    let left = cycles;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: consumers }, async (_, c) => {
        while (left > 0) {
          left -= 1;
          await api("POST", `${T}/queues/${httpQueue.id}/items`, { specificContent: { c } });
          const s = performance.now();
          const started = await api("POST", `${T}/queues/${httpQueue.id}/transactions`, {});
          starts.push(performance.now() - s);
          if (started.status === 204 || !started.body) continue;
          await api("POST", `${T}/queue-items/${started.body.id}/result`, { status: "successful" });
        }
      }),
    );
    const http = cycles / ((performance.now() - t0) / 1000);

    // Directly: the same three statements through Kysely, 8 at a time.
    const db = server.services.ctx.db;
    const dialect = server.services.ctx.dialect.name;
    const tenantId = (
      await db.selectFrom("queues").select("tenant_id").where("id", "=", directQueue.id).executeTakeFirstOrThrow()
    ).tenant_id;
    left = cycles;
    const t1 = performance.now();
    await Promise.all(
      Array.from({ length: consumers }, async (_, c) => {
        while (left > 0) {
          left -= 1;
          const now = new Date().toISOString();
          await db
            .insertInto("queue_items")
            .values({
              key: randomUUID(),
              tenant_id: tenantId,
              folder_id: folder.id,
              queue_id: directQueue.id,
              status: "new",
              review_status: "none",
              priority: 1,
              unique_reference: 0,
              specific_json: JSON.stringify({ c }),
              due_order: "9999-12-31T23:59:59.999Z",
              retry_number: 0,
              manual_retry_number: 0,
              created_by: "bench",
              created_at: now,
              updated_at: now,
              row_version: 1,
            })
            .execute();
          const item = await claimQueueItem(db, dialect, {
            queueId: directQueue.id,
            now,
            executorJobId: null,
            machineId: null,
          });
          if (!item) continue;
          await db
            .updateTable("queue_items")
            .set({ status: "successful", ended_at: now, updated_at: now, row_version: item.row_version + 1 })
            .where("id", "=", item.id)
            .where("row_version", "=", item.row_version)
            .execute();
        }
      }),
    );
    const direct = cycles / ((performance.now() - t1) / 1000);
    starts.sort((a, b) => a - b);
    return { label, http, direct, p50: quantile(starts, 0.5), p99: quantile(starts, 0.99) };
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs the queue benchmark and prints its table. */
export async function benchQueues(pgUrl: string | undefined): Promise<void> {
  // Each database with the request cache off (as before issue #14's cache) and on, in the same run.
  const rows = [
    await benchDatabase("SQLite, request cache off", undefined, "0"),
    await benchDatabase("SQLite", undefined),
  ];
  if (pgUrl) {
    for (const [label, cache] of [
      ["PostgreSQL, request cache off", "0"],
      ["PostgreSQL", "10"],
    ] as const) {
      const db = await freshPostgres(pgUrl);
      try {
        rows.push(await benchDatabase(label, db.url, cache));
      } finally {
        await db.drop();
      }
    }
  }
  console.log(`\n## Queues — ${cycles} add → start → result cycles, ${consumers} concurrent consumers\n`);
  console.log(
    "| database | cycles/s over HTTP | same 3 statements through Kysely (baseline) /s | ratio (target ≥ 0.5) | `transactions` p50 ms | p99 ms |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of rows.filter((x) => !x.label.includes("cache off"))) {
    const off = rows.find((x) => x.label === `${r.label}, request cache off`);
    addSummary({
      figure: "queue add → start → result cycles over HTTP vs the same statements direct",
      setup: r.label,
      value: `${r.http.toFixed(1)} /s`,
      baseline: `direct ${r.direct.toFixed(1)} /s; cache off ${off ? off.http.toFixed(1) : "–"} /s`,
      ratio: (r.http / r.direct).toFixed(2),
      target: "≥ 0.5",
    });
  }
  for (const r of rows)
    console.log(
      `| ${r.label} | ${r.http.toFixed(1)} | ${r.direct.toFixed(1)} | ${(r.http / r.direct).toFixed(2)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
    );
}
