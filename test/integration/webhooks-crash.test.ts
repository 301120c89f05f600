import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inFlightPerSubscription } from "../../src/background/webhook-sender.js";
import { Api } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { createOrg } from "../helpers/fixtures.js";
import { startJobs } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { type ServerProcess, spawnServer } from "../helpers/process.js";
import { testAdminPassword } from "../helpers/server.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(testDatabases())("kill -9 of the server during webhook deliveries (%s)", (database) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-webhook-crash-"));
  let pg: Awaited<ReturnType<typeof createPostgresDatabase>> | null = null;
  let receiver: Receiver;
  let server: ServerProcess | null = null;
  const env = () => ({
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: testAdminPassword,
    DIRIGENT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    DIRIGENT_WEBHOOK_POLL_MS: "100",
    // A short lease: the restarted node takes the dead node's subscription over quickly.
    DIRIGENT_WEBHOOK_LEASE_SECONDS: "3",
    ...(pg && { DATABASE_URL: pg.url }),
  });

  beforeAll(async () => {
    if (database === "postgres") pg = await createPostgresDatabase();
    receiver = await startReceiver("crash-secret-1");
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await pg?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("loses no event, keeps their order, and sends only the in-flight ones twice", { timeout: 120_000 }, async () => {
    server = await spawnServer(env());
    let host = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    const org = await createOrg(host);
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const api = org.admin.api;
    const folder = await api.post(`${t}/folders`, { name: "Crash" });
    await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "crash", version: "1.0.0" }))));
    const process = await api.post(`${t}/folders/${folder.body.id}/processes`, { name: "Crash", packageName: "crash" });
    expect(process.status, process.text).toBe(201);
    // Each answer takes a while, so the crash finds a delivery in flight.
    receiver.setMode({ kind: "slow", delayMs: 150 });
    const hook = await api.post(`${t}/webhooks`, {
      url: receiver.url,
      events: ["job.created"],
      secret: "crash-secret-1",
    });
    expect(hook.status, hook.text).toBe(201);
    const total = 30;
    const jobs = await startJobs(api, t, folder.body.id, { processId: process.body.id, count: total });
    expect(jobs).toHaveLength(total);
    await until(() => receiver.received.length >= 5, 30_000, "the first deliveries");
    await server.kill9();
    const beforeCrash = receiver.received.length;
    expect(beforeCrash).toBeLessThan(total);

    server = await spawnServer(env());
    host = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    await until(
      () => new Set(receiver.received.map((h) => h.body.id)).size >= total,
      60_000,
      "every event after the restart",
    );
    const ids = jobs.map((j) => j.id);
    const seen = receiver.received.map((h) => (h.body.job as { id: number }).id);
    // Every job's event arrived, in the order the jobs were created; a duplicate only right after itself.
    const distinct = seen.filter((id, i) => seen.indexOf(id) === i);
    expect(distinct).toEqual(ids);
    // Posted but not yet recorded at the crash: at most the subscription's window of in-flight deliveries.
    expect(seen.length - distinct.length).toBeLessThanOrEqual(inFlightPerSubscription);
    // …and each of them at most once more.
    expect(Math.max(...distinct.map((id) => seen.filter((s) => s === id).length))).toBeLessThanOrEqual(2);
    expect(receiver.received.every((h) => h.signatureValid)).toBe(true);
    // The last records are committed just after their answers arrived (the sender's group commit).
    const succeeded = async () => {
      const res = await host.get(`${t}/webhooks/${hook.body.id}/deliveries?limit=100`);
      return res.body.items.filter((d: { status: string }) => d.status === "succeeded").length === total;
    };
    await until(succeeded, 10_000, "every delivery recorded as succeeded");
    const deliveries = await host.get(`${t}/webhooks/${hook.body.id}/deliveries?limit=100`);
    expect(deliveries.body.items).toHaveLength(total);
  });
});
