import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/agent.js";
import { Api } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

const bin = fileURLToPath(new URL("../../bin/dirigent.js", import.meta.url));
const secret = "rotated-receiver-secret";

describe.each(testDatabases())("webhook secrets and the master key rotation (%s)", (database) => {
  let receiver: Receiver | null = null;
  let server: TestServer | null = null;
  afterAll(async () => {
    await receiver?.close();
  });

  it("re-encrypts webhook secrets; deliveries after the rotation still carry a valid signature", {
    timeout: 120_000,
  }, async () => {
    const keyA = randomBytes(32).toString("base64");
    const keyB = randomBytes(32).toString("base64");
    receiver = await startReceiver(secret);
    const env = { DIRIGENT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" };
    const first = await startTestServer({ database, env: { ...env, DIRIGENT_MASTER_KEY: keyA } });
    const reuse = { dataDir: first.dataDir, databaseUrl: first.databaseUrl };
    server = first;
    try {
      const org = await createOrg(await adminApi(first));
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const hook = await org.admin.api.post(`${t}/webhooks`, {
        url: receiver.url,
        events: ["queueItem.added"],
        secret,
      });
      expect(hook.status, hook.text).toBe(201);
      await first.stop({ keepData: true });
      server = null;

      // `dirigent admin rotate-master-key`, as an operator runs it: the webhook secret is re-encrypted once.
      const rotate = () =>
        execFileSync(process.execPath, [bin, "admin", "rotate-master-key"], {
          env: {
            ...process.env,
            DIRIGENT_DATA_DIR: reuse.dataDir,
            ...(reuse.databaseUrl && { DATABASE_URL: reuse.databaseUrl }),
            DIRIGENT_MASTER_KEY: keyB,
            DIRIGENT_MASTER_KEY_PREVIOUS: keyA,
          },
          encoding: "utf8",
        });
      expect(rotate()).toBe("Re-encrypted 1 secret(s) under the current master key.\n");
      expect(rotate()).toBe("Re-encrypted 0 secret(s) under the current master key.\n");

      // Only the new key now: a ping and an event delivery are signed with the same secret.
      server = await startTestServer({ database, reuse, env: { ...env, DIRIGENT_MASTER_KEY: keyB } });
      const api = await new Api(server.url).as({
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      });
      const ping = await api.post(`${t}/webhooks/${hook.body.id}/ping`, {});
      expect(ping.status, ping.text).toBe(200);
      expect(ping.body.status).toBe("succeeded");
      const folder = await api.post(`${t}/folders`, { name: "Rotated" });
      expect(folder.status, folder.text).toBe(201);
      const queue = await api.post(`${t}/folders/${folder.body.id}/queues`, { name: "Rotated" });
      expect(queue.status, queue.text).toBe(201);
      const item = await api.post(`${t}/queues/${queue.body.id}/items`, { specificContent: { n: 1 } });
      expect(item.status, item.text).toBe(201);
      const r = receiver;
      await eventually(async () => expect(r.received.map((h) => h.body.event)).toEqual(["ping", "queueItem.added"]));
      expect(receiver.received.every((h) => h.signatureValid === true)).toBe(true);
    } finally {
      await server?.stop();
    }
  });
});
