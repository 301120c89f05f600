import fs from "node:fs";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { type ServerProcess, spawnServer } from "../helpers/process.js";

/** An SMTP sink that takes its time accepting each message, so a crash finds mail in flight. */
async function slowSink(delayMs: number) {
  const received: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      stream.on("data", () => {});
      stream.on("end", () => {
        setTimeout(() => {
          received.push(...session.envelope.rcptTo.map((r) => r.address));
          callback();
        }, delayMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.server.address() as net.AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(testDatabases())("kill -9 of the server mid-send (%s)", (database) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-crash-"));
  let pg: Awaited<ReturnType<typeof createPostgresDatabase>> | null = null;
  let sink: Awaited<ReturnType<typeof slowSink>>;
  let server: ServerProcess | null = null;
  const env = () => ({
    DIRIGENT_DATA_DIR: dataDir,
    DIRIGENT_ADMIN_PASSWORD: "Admin-Passw0rd!",
    DIRIGENT_MAIL_POLL_MS: "100",
    DIRIGENT_MAIL_LEASE_SECONDS: "5",
    ...(pg && { DATABASE_URL: pg.url }),
  });

  beforeAll(async () => {
    if (database === "postgres") pg = await createPostgresDatabase();
    sink = await slowSink(150);
  });
  afterAll(async () => {
    await server?.stop();
    await sink?.close();
    await pg?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("loses no accepted e-mail and sends at most the in-flight ones twice", async () => {
    server = await spawnServer(env());
    let admin = await new Api(server.url).as({ username: "admin", password: "Admin-Passw0rd!" });
    const saved = await admin.put("/host/settings/email", {
      enabled: true,
      smtpHost: "127.0.0.1",
      smtpPort: sink.port,
      secureConnection: false,
      fromAddress: "noreply@crash.test",
    });
    expect(saved.status, saved.text).toBe(200);
    const org = await admin.post("/host/organizations", {
      name: "Crash Org",
      admin: { email: "root@crash.test", password: "Root-Passw0rd!" },
    });
    expect(org.status, org.text).toBe(201);
    const total = 40;
    for (let i = 0; i < total; i++) {
      // Users without a password get an invitation: one outbox row each, written with the user.
      const res = await admin.post("/orgs/crash-org/users", { email: `user${i}@crash.test` });
      expect(res.status, res.text).toBe(201);
    }
    await until(() => sink.received.length >= 5, 20_000, "the first deliveries");
    await server.kill9();
    const deliveredBeforeCrash = sink.received.length;
    expect(deliveredBeforeCrash).toBeLessThan(total);

    server = await spawnServer(env());
    admin = await new Api(server.url).as({ username: "admin", password: "Admin-Passw0rd!" });
    await until(
      async () => {
        const sent = await admin.get("/host/email/outbox?status=sent&limit=500");
        return sent.body.items.length === total;
      },
      60_000,
      "every message to be sent after the restart",
    );
    const expected = Array.from({ length: total }, (_, i) => `user${i}@crash.test`);
    for (const address of expected) expect(sink.received).toContain(address);
    // Only messages in flight at the crash (at most the 5 pooled connections' worth, claimed but
    // not yet recorded) may arrive twice.
    const duplicates = sink.received.length - new Set(sink.received).size;
    expect(duplicates).toBeLessThanOrEqual(10);
    const outbox = await admin.get("/host/email/outbox?limit=500");
    expect(outbox.body.items.every((m: { status: string }) => m.status === "sent")).toBe(true);
  });
});
