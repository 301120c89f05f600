import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Mailer } from "../../src/background/mailer.js";
import { Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { linkToken, nextMailTo, pause, plainSettings, waitForOutbox } from "../helpers/email.js";
import { adminApi, createOrg, newPassword, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

const fast = { DIRIGENT_MAIL_POLL_MS: "100" };

async function addUser(org: TestOrg) {
  const email = `${unique("u")}@example.com`;
  const res = await org.admin.api.post(`/orgs/${org.slug}/users`, { email, password: newPassword() });
  expect(res.status, res.text).toBe(201);
  return email;
}

async function requestRecovery(server: TestServer, org: TestOrg, email: string) {
  const res = await new Api(server.url).post("/auth/password-recovery", { organization: org.slug, email });
  expect(res.status, res.text).toBe(202);
}

async function outboxRow(server: TestServer, to: string) {
  return server.server.storage.db
    .selectFrom("email_outbox")
    .selectAll()
    .where("to_address", "=", to)
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
}

describe.each(testDatabases())("crash recovery and restarts (%s)", (database) => {
  let smtp: TestSmtpServer;
  const servers: TestServer[] = [];
  const mailers: Mailer[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer({ auth: { user: "relay", pass: "Relay-Pw-31" } });
  });
  afterEach(async () => {
    for (const m of mailers.splice(0)) await m.stop();
    // The last server of a test owns the data (earlier ones were stopped with keepData).
    const last = servers.pop();
    for (const s of servers.splice(0)) await s.stop({ keepData: true });
    await last?.stop();
  });
  afterAll(async () => {
    await smtp?.close();
  });

  async function start(options: Parameters<typeof startTestServer>[0]) {
    const s = await startTestServer({ database, ...options });
    servers.push(s);
    return s;
  }

  it("returns rows a crashed sender left `sending` and sends them: nothing lost, at most one duplicate", async () => {
    const server = await start({ env: fast });
    const host = await adminApi(server);
    const saved = await host.put(
      "/host/settings/email",
      plainSettings(smtp, { smtpUsername: "relay", smtpPassword: "Relay-Pw-31" }),
    );
    expect(saved.status, saved.text).toBe(200);
    const org = await createOrg(host);
    const [crashed, live, waiting, accepted] = [
      await addUser(org),
      await addUser(org),
      await addUser(org),
      await addUser(org),
    ];

    // `accepted` was delivered just before the crash, but its outcome was never recorded.
    await requestRecovery(server, org, accepted);
    const first = await nextMailTo(smtp, accepted);
    await waitForOutbox(host, "/host/email/outbox", (i) => i.to === accepted && i.status === "sent");

    const mailer = server.server.mailer;
    expect(mailer).not.toBeNull();
    await mailer?.stop();
    for (const to of [crashed, live, waiting]) await requestRecovery(server, org, to);

    const db = server.server.storage.db;
    const past = new Date(Date.now() - 1000).toISOString();
    const future = new Date(Date.now() + 600_000).toISOString();
    const leave = async (to: string, lockedBy: string, lockedUntil: string) => {
      const row = await outboxRow(server, to);
      await db
        .updateTable("email_outbox")
        .set({ status: "sending", locked_by: lockedBy, locked_until: lockedUntil })
        .where("id", "=", row.id)
        .execute();
      return row.id;
    };
    await leave(crashed, "mailer-crashed", past);
    await leave(accepted, "mailer-crashed", past);
    const liveId = await leave(live, "mailer-alive", future);

    // A new sender starts (as after a restart of the node).
    const services = server.server.services;
    const again = new Mailer(
      services.ctx,
      services.emailSettings,
      services.masterKey,
      (l) => services.notifications.onWake(l),
      {
        pollMs: 100,
      },
    );
    mailers.push(again);
    again.start();

    const crashedMail = await nextMailTo(smtp, crashed);
    await nextMailTo(smtp, waiting);
    const duplicate = await nextMailTo(smtp, accepted, 1);
    expect(duplicate.parsed.messageId).toBe(first.parsed.messageId);
    await waitForOutbox(host, "/host/email/outbox", (i) => i.to === crashed && i.status === "sent");
    expect(server.logs.some((l) => l.includes("returned messages of a stopped sender to the queue"))).toBe(true);

    // A lease another live sender holds is left alone until it expires, and cannot be resent meanwhile.
    const busy = await host.post(`/host/email/outbox/${liveId}/resend`);
    expect(busy.status, busy.text).toBe(409);
    await pause(400);
    expect(smtp.to(live)).toHaveLength(0);
    expect((await outboxRow(server, live)).status).toBe("sending");
    await db.updateTable("email_outbox").set({ locked_until: past }).where("id", "=", liveId).execute();
    await nextMailTo(smtp, live);

    await pause(300);
    expect(smtp.to(crashed)).toHaveLength(1);
    expect(smtp.to(waiting)).toHaveLength(1);
    expect(smtp.to(live)).toHaveLength(1);
    expect(smtp.to(accepted)).toHaveLength(2);
    // The re-sent link works.
    const reset = await new Api(server.url).post("/auth/password-reset", {
      token: linkToken(crashedMail, "reset-password"),
      password: newPassword(),
    });
    expect(reset.status, reset.text).toBe(204);
  });

  it("lets several senders work one outbox without sending any message twice", async () => {
    const server = await start({ env: fast });
    const host = await adminApi(server);
    expect(
      (
        await host.put(
          "/host/settings/email",
          plainSettings(smtp, { smtpUsername: "relay", smtpPassword: "Relay-Pw-31" }),
        )
      ).status,
    ).toBe(200);
    await server.server.mailer?.stop();
    const services = server.server.services;
    const recipients = Array.from({ length: 30 }, () => ({
      address: `${unique("many")}@example.com`,
      locale: "en" as const,
    }));
    await services.notifications.notify(services.ctx.db, recipients, "test-email", { source: "host" }, { orgId: null });
    for (let i = 0; i < 3; i++) {
      const m = new Mailer(
        services.ctx,
        services.emailSettings,
        services.masterKey,
        (l) => services.notifications.onWake(l),
        {
          pollMs: 50,
          batchSize: 4,
        },
      );
      mailers.push(m);
    }
    for (const m of mailers) m.start();
    for (const r of recipients) await nextMailTo(smtp, r.address);
    await pause(300);
    for (const r of recipients) expect(smtp.to(r.address), r.address).toHaveLength(1);
    const rows = await server.server.storage.db
      .selectFrom("email_outbox")
      .select(["status", "attempts"])
      .where("template", "=", "test-email")
      .execute();
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
  });

  it("delivers mail queued before a restart, across a master-key rotation", async () => {
    const keyA = randomBytes(32).toString("base64");
    const keyB = randomBytes(32).toString("base64");
    const one = await start({ env: { ...fast, DIRIGENT_MASTER_KEY: keyA } });
    const host = await adminApi(one);
    const saved = await host.put(
      "/host/settings/email",
      plainSettings(smtp, { smtpUsername: "relay", smtpPassword: "Relay-Pw-31" }),
    );
    expect(saved.status, saved.text).toBe(200);
    const org = await createOrg(host);
    const user = await addUser(org);
    await one.server.mailer?.stop();
    await requestRecovery(one, org, user);
    expect((await outboxRow(one, user)).status).toBe("queued");
    await one.stop({ keepData: true });

    // Rotation: the new key with the old one as previous, on a node without a mailer.
    const reuse = { dataDir: one.dataDir, databaseUrl: one.databaseUrl };
    const two = await start({
      reuse,
      env: { ...fast, DIRIGENT_MASTER_KEY: keyB, DIRIGENT_MASTER_KEY_PREVIOUS: keyA, DIRIGENT_SERVICES: "sweepers" },
    });
    expect(two.server.mailer).toBeNull();
    expect(await two.server.services.emailSettings.reencryptSecrets()).toBeGreaterThanOrEqual(2);
    expect(await two.server.services.emailSettings.reencryptSecrets()).toBe(0);
    await two.stop({ keepData: true });

    // Only the new key from now on: the stored SMTP password and the queued link still work.
    const three = await start({ reuse, env: { ...fast, DIRIGENT_MASTER_KEY: keyB } });
    const mail = await nextMailTo(smtp, user);
    expect(mail.authUser).toBe("relay");
    const reset = await new Api(three.url).post("/auth/password-reset", {
      token: linkToken(mail, "reset-password"),
      password: newPassword(),
    });
    expect(reset.status, reset.text).toBe(204);
    const test = await (await adminApi(three)).post("/host/settings/email/test", { to: "after-rotation@example.test" });
    expect(test.body).toMatchObject({ ok: true, stage: "data" });
  });
});
