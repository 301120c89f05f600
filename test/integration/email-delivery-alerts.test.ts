import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/agent.js";
import { Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { nextMailTo, plainSettings, waitForOutbox } from "../helpers/email.js";
import { adminApi, createOrg, newPassword, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

describe.each(testDatabases())("the email-delivery-failing alert (%s)", (database) => {
  let server: TestServer;
  let host: Api;
  let receiver: Receiver;
  const smtpServers: TestSmtpServer[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      database,
      env: {
        DIRIGENT_MAIL_POLL_MS: "100",
        DIRIGENT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
        DIRIGENT_WEBHOOK_POLL_MS: "50",
      },
    });
    host = await adminApi(server);
    receiver = await startReceiver("mail-alert-secret");
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await Promise.all(smtpServers.map((s) => s.close()));
  });

  async function smtp(options: Parameters<typeof startSmtpServer>[0] = {}) {
    const s = await startSmtpServer(options);
    smtpServers.push(s);
    return s;
  }

  async function sendThrough(org: TestOrg, port: number) {
    const res = await org.admin.api.put(`/orgs/${org.slug}/settings/email`, {
      mode: "custom",
      ...plainSettings({ port }, { fromAddress: `noreply@${org.slug}.test` }),
    });
    expect(res.status, res.text).toBe(200);
  }

  /** A new user of the organization asks for a password reset: one message in its outbox. */
  async function mailOne(org: TestOrg): Promise<string> {
    const email = `${unique("u")}@example.com`;
    const user = await org.admin.api.post(`/orgs/${org.slug}/users`, { email, password: newPassword() });
    expect(user.status, user.text).toBe(201);
    const res = await new Api(server.url).post("/auth/password-recovery", { organization: org.slug, email });
    expect(res.status, res.text).toBe(202);
    return email;
  }

  async function failOne(org: TestOrg) {
    const to = await mailOne(org);
    await waitForOutbox(org.admin.api, `/orgs/${org.slug}/email/outbox`, (i) => i.to === to && i.status === "failed");
  }

  it("raises once per outage after 3 failed sends in a row, in-app and by webhook but never by mail; a sent message ends it", {
    timeout: 120_000,
  }, async () => {
    const org = await createOrg(host);
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const api = org.admin.api;
    const hook = await api.post(`${t}/webhooks`, {
      url: receiver.url,
      events: ["alert.raised"],
      secret: "mail-alert-secret",
    });
    expect(hook.status, hook.text).toBe(201);
    // The org admin asks for every system alert by e-mail too: that channel stays silent for this kind.
    const prefs = await api.put(`${t}/alerts/preferences`, {
      items: [{ component: "system", inApp: "info", email: "info", digest: null, summary: null }],
    });
    expect(prefs.status, prefs.text).toBeLessThan(300);
    const rejecting = await smtp({ rejectAll: { code: 550, message: "5.7.1 Relaying denied" } });
    await sendThrough(org, rejecting.port);
    const failing = async () =>
      ((await api.get(`${t}/alerts?limit=50`)).body.items as { kind: string; message: string }[]).filter(
        (a) => a.kind === "email-delivery-failing",
      );

    await failOne(org);
    await failOne(org);
    expect(await failing()).toHaveLength(0);
    await failOne(org);
    await eventually(async () => expect(await failing()).toHaveLength(1));
    expect((await failing())[0]?.message).toMatch(
      /is failing: 3 sends in a row failed\. Last error: .*Relaying denied/,
    );
    await failOne(org); // the same outage: no second alert
    expect(await failing()).toHaveLength(1);
    await eventually(async () => expect(receiver.received).toHaveLength(1));
    expect(receiver.received[0]?.body).toMatchObject({
      event: "alert.raised",
      alert: { kind: "email-delivery-failing", component: "system", severity: "error" },
    });
    expect(receiver.received[0]?.signatureValid).toBe(true);
    // No alert mail was queued for it (only the four password resets are in the outbox).
    const outbox = await api.get(`/orgs/${org.slug}/email/outbox?limit=50`);
    expect(outbox.body.items.filter((i: { template: string }) => i.template !== "password-reset")).toEqual([]);

    // Delivery works again: one message goes out, the outage is over; the next run of failures raises again.
    const mailbox = await smtp();
    await sendThrough(org, mailbox.port);
    await nextMailTo(mailbox, await mailOne(org));
    await eventually(async () => {
      const row = await server.server.services.ctx.db
        .selectFrom("email_delivery_health")
        .selectAll()
        .where("org_id", "=", org.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ failures: 0, failing_since: null });
    });
    await sendThrough(org, rejecting.port);
    for (let i = 0; i < 3; i++) await failOne(org);
    await eventually(async () => expect(await failing()).toHaveLength(2));
  });
});
