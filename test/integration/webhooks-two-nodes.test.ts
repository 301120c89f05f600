import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eventually } from "../helpers/agent.js";
import { Api } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { createOrg } from "../helpers/fixtures.js";
import { type ServerProcess, spawnServer } from "../helpers/process.js";
import { testAdminPassword } from "../helpers/server.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

const secret = "two-nodes-secret";

/**
 * Two `dirigent serve` processes on one PostgreSQL database, both running the webhook sender:
 * events are created on both, and every delivery reaches its receiver exactly once (a
 * subscription is leased to one node at a time; the lease is one conditional UPDATE with
 * `FOR UPDATE SKIP LOCKED`).
 */
describe.skipIf(!testDatabases().includes("postgres"))("webhooks on two nodes of one PostgreSQL database", () => {
  it("delivers every event created on either node exactly once", { timeout: 300_000 }, async () => {
    const database = await createPostgresDatabase();
    const dataDirs = [1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-webhook-node-")));
    const masterKey = randomBytes(32).toString("base64");
    const receivers: Receiver[] = [];
    const nodes: ServerProcess[] = [];
    try {
      for (let i = 0; i < 4; i++) receivers.push(await startReceiver(secret));
      nodes.push(
        ...(await Promise.all(
          dataDirs.map((dataDir) =>
            spawnServer({
              DIRIGENT_DATA_DIR: dataDir,
              DATABASE_URL: database.url,
              DIRIGENT_ADMIN_PASSWORD: testAdminPassword,
              // Nodes of one installation share its master key (webhook secrets are sealed with it).
              DIRIGENT_MASTER_KEY: masterKey,
              DIRIGENT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
              DIRIGENT_WEBHOOK_POLL_MS: "50",
            }),
          ),
        )),
      );
      const [a, b] = nodes as [ServerProcess, ServerProcess];
      const host = await new Api(a.url).as({ username: "admin", password: testAdminPassword });
      const org = await createOrg(host);
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const onA = org.admin.api;
      const onB = await new Api(b.url).as({
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      });
      const folder = await onA.post(`${t}/folders`, { name: "Both" });
      expect(folder.status, folder.text).toBe(201);
      const queue = await onA.post(`${t}/folders/${folder.body.id}/queues`, { name: "Both" });
      expect(queue.status, queue.text).toBe(201);
      const hooks: number[] = [];
      for (const r of receivers) {
        const hook = await onA.post(`${t}/webhooks`, { url: r.url, events: ["queueItem.added"], secret });
        expect(hook.status, hook.text).toBe(201);
        hooks.push(hook.body.id);
      }

      // 40 items, half added on each node, two at a time (one on each).
      const rounds = 20;
      for (let i = 0; i < rounds; i++) {
        const added = await Promise.all(
          [onA, onB].map((api, n) =>
            api.post(`${t}/queues/${queue.body.id}/items`, { reference: `item-${i}-${n}`, specificContent: { i, n } }),
          ),
        );
        for (const res of added) expect(res.status, res.text).toBe(201);
      }
      const total = rounds * 2;
      await eventually(async () => {
        for (const r of receivers) expect(r.received.length).toBeGreaterThanOrEqual(total);
      }, 120_000);
      // A duplicate would come within a lease's worth of polls: give both senders time to send one.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const [i, r] of receivers.entries()) {
        const keys = r.received.map((h) => h.body.id);
        expect(new Set(keys).size).toBe(total);
        expect(keys).toHaveLength(total);
        expect(r.received.every((h) => h.signatureValid === true)).toBe(true);
        const refs = r.received.map((h) => (h.body.queueItems as { reference: string }[])[0]?.reference);
        expect(new Set(refs).size).toBe(total);
        const deliveries = await onB.get(`${t}/webhooks/${hooks[i]}/deliveries?limit=100`);
        expect(deliveries.body.items).toHaveLength(total);
        expect(
          deliveries.body.items.every(
            (d: { status: string; attempts: number }) => d.status === "succeeded" && d.attempts === 1,
          ),
        ).toBe(true);
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      for (const r of receivers) await r.close();
      await database.drop();
      for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
