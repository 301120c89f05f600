import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { linkToken, nextMailTo, pause, plainSettings, waitForOutbox } from "../helpers/email.js";
import { adminApi, createOrg, newPassword, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { closedPort, startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

const publicUrl = "https://dirigent.example.test";

/**
 * Delivery through the outbox. The host stays unconfigured in this suite: each test gives its
 * own organization custom settings (or none, to see mail held), so tests do not share a server.
 */
describe.each(testDatabases())("outbox and delivery (%s)", (database) => {
  let server: TestServer;
  let host: Api;
  const smtpServers: TestSmtpServer[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      database,
      env: { DIRIGENT_MAIL_POLL_MS: "100", DIRIGENT_PUBLIC_URL: publicUrl },
    });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all(smtpServers.map((s) => s.close()));
  });

  async function smtp(options: Parameters<typeof startSmtpServer>[0] = {}) {
    const s = await startSmtpServer(options);
    smtpServers.push(s);
    return s;
  }

  async function sendThrough(org: TestOrg, port: number, overrides: Record<string, unknown> = {}) {
    const res = await org.admin.api.put(`/orgs/${org.slug}/settings/email`, {
      mode: "custom",
      ...plainSettings({ port }, { fromAddress: `noreply@${org.slug}.test`, fromDisplayName: `${org.name} Mail` }),
      ...overrides,
    });
    expect(res.status, res.text).toBe(200);
  }

  async function addUser(org: TestOrg, options: { locale?: "en" | "de"; name?: string } = {}) {
    const email = `${unique("u")}@example.com`;
    const res = await org.admin.api.post(`/orgs/${org.slug}/users`, {
      email,
      name: options.name ?? "Alex Example",
      password: newPassword(),
      locale: options.locale ?? "en",
    });
    expect(res.status, res.text).toBe(201);
    return { id: res.body.id as number, email };
  }

  async function requestRecovery(org: TestOrg, email: string) {
    const res = await new Api(server.url).post("/auth/password-recovery", { organization: org.slug, email });
    expect(res.status, res.text).toBe(202);
    return res.body;
  }

  const orgOutbox = (org: TestOrg) => `/orgs/${org.slug}/email/outbox`;

  it("delivers a password reset in English: multipart, Message-ID, Date, links on the public URL", async () => {
    const org = await createOrg(host);
    const mailbox = await smtp();
    await sendThrough(org, mailbox.port);
    const user = await addUser(org, { name: "Alex <b>Example</b>" });

    expect(await requestRecovery(org, user.email)).toEqual({ emailDelivery: "available" });
    const mail = await nextMailTo(mailbox, user.email);
    expect(mail.parsed.subject).toBe("Dirigent: reset your password");
    expect(mail.parsed.from?.value[0]).toEqual({ address: `noreply@${org.slug}.test`, name: `${org.name} Mail` });
    expect(mail.parsed.to && "value" in mail.parsed.to && mail.parsed.to.value[0]).toEqual({
      address: user.email,
      name: "Alex <b>Example</b>",
    });
    expect(mail.raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(mail.parsed.text).toContain("Hello Alex <b>Example</b>,");
    expect(mail.parsed.html).toContain("Hello Alex &lt;b&gt;Example&lt;/b&gt;,");
    expect(mail.parsed.html).not.toContain("<b>Example</b>");
    const token = linkToken(mail, "reset-password");
    expect(token).toMatch(/^dgl_/);
    expect(mail.parsed.text).toContain(`${publicUrl}/reset-password?token=${token}`);
    expect(mail.parsed.html).toContain(`href="${publicUrl}/reset-password?token=${token}"`);
    const links = [...(mail.parsed.text ?? "").matchAll(/https?:\/\/\S+/g)].map((m) => m[0]);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(l.startsWith(`${publicUrl}/`), l).toBe(true);
    expect(mail.parsed.messageId).toMatch(new RegExp(`^<outbox-\\d+\\.\\d+@${org.slug}\\.test>$`));
    expect(Math.abs((mail.parsed.date?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(mail.parsed.headers.get("auto-submitted")).toBe("auto-generated");

    const item = await waitForOutbox(org.admin.api, orgOutbox(org), (i) => i.to === user.email && i.status === "sent");
    expect(item).toMatchObject({
      template: "password-reset",
      locale: "en",
      subject: "Dirigent: reset your password",
      attempts: 1,
      lastError: null,
      lastSmtpCode: 250,
      settingsSource: "organization",
      messageId: mail.parsed.messageId,
      orgId: org.id,
      nextAttemptAt: null,
    });
    expect(item.sentAt).toBeTruthy();

    // The preview shows the rendered mail with the one-time link masked, never the real token.
    const detail = await org.admin.api.get(`${orgOutbox(org)}/${item.id}`);
    expect(detail.status, detail.text).toBe(200);
    expect(detail.body.preview.subject).toBe("Dirigent: reset your password");
    expect(detail.body.preview.text).toContain(`${publicUrl}/reset-password?token=••••••••`);
    expect(detail.body.preview.html).toContain("••••••••");
    expect(detail.text).not.toContain(token);
    expect(detail.text).not.toContain(token.slice(4, 20));
    const hostDetail = await host.get(`/host/email/outbox/${item.id}`);
    expect(hostDetail.status).toBe(200);
    expect(hostDetail.text).not.toContain(token);
  });

  it("delivers the reset in German to a user whose language is German", async () => {
    const org = await createOrg(host);
    const mailbox = await smtp();
    await sendThrough(org, mailbox.port);
    const user = await addUser(org, { locale: "de", name: "Erika Mustermann" });
    await requestRecovery(org, user.email);
    const mail = await nextMailTo(mailbox, user.email);
    expect(mail.parsed.subject).toBe("Dirigent: Passwort zurücksetzen");
    expect(mail.parsed.text).toContain("Hallo Erika Mustermann,");
    expect(mail.parsed.text).toContain("60 Minuten");
    expect(mail.parsed.text).toContain(`Passwort zurücksetzen: ${publicUrl}/reset-password?token=dgl_`);
    expect(mail.parsed.html).toContain('<html lang="de">');
    const item = await waitForOutbox(org.admin.api, orgOutbox(org), (i) => i.to === user.email);
    expect(item.locale).toBe("de");
  });

  it("holds mail while no settings exist and delivers it once settings are saved", async () => {
    const org = await createOrg(host);
    const user = await addUser(org);
    expect(await requestRecovery(org, user.email)).toEqual({ emailDelivery: "unavailable" });
    const held = await waitForOutbox(org.admin.api, orgOutbox(org), (i) => i.to === user.email && i.status === "held");
    expect(held.lastError).toMatch(/not configured/);
    const status = await host.get("/host/email/status");
    expect(status.body.configured).toBe(false);
    expect(status.body.held).toBeGreaterThanOrEqual(1);

    const mailbox = await smtp();
    await sendThrough(org, mailbox.port);
    const mail = await nextMailTo(mailbox, user.email);
    expect(mail.parsed.subject).toBe("Dirigent: reset your password");
    const sent = await waitForOutbox(org.admin.api, orgOutbox(org), (i) => i.id === held.id && i.status === "sent");
    expect(sent.lastError).toBeNull();
    // The link still works: the token was kept (encrypted) while the mail waited.
    const reset = await new Api(server.url).post("/auth/password-reset", {
      token: linkToken(mail, "reset-password"),
      password: newPassword(),
    });
    expect(reset.status, reset.text).toBe(204);
  });

  it("keeps mail queued while SMTP is down (attempts, last error, 1-minute backoff) and delivers it on Resend", async () => {
    const org = await createOrg(host);
    const port = await closedPort();
    await sendThrough(org, port);
    const user = await addUser(org);
    await requestRecovery(org, user.email);
    const failed = await waitForOutbox(
      org.admin.api,
      orgOutbox(org),
      (i) => i.to === user.email && i.attempts === 1 && i.status === "queued",
    );
    expect(failed.lastError).toMatch(/ECONNREFUSED/);
    expect(failed.lastSmtpCode).toBeNull();
    const delay = Date.parse(failed.nextAttemptAt) - Date.parse(failed.updatedAt);
    expect(delay).toBeGreaterThanOrEqual(59_000);
    expect(delay).toBeLessThanOrEqual(61_000);
    // The backoff is honoured: the mailer polls every 100 ms but does not try again yet.
    await pause(500);
    expect((await org.admin.api.get(`${orgOutbox(org)}/${failed.id}`)).body.attempts).toBe(1);

    const mailbox = await smtp({ port });
    const resend = await org.admin.api.post(`${orgOutbox(org)}/${failed.id}/resend`);
    expect(resend.status, resend.text).toBe(200);
    expect(resend.body.status).toBe("queued");
    const mail = await nextMailTo(mailbox, user.email);
    expect(mail.parsed.subject).toBe("Dirigent: reset your password");
    const sent = await waitForOutbox(org.admin.api, orgOutbox(org), (i) => i.id === failed.id && i.status === "sent");
    expect(sent.attempts).toBe(2);
    expect(sent.lastError).toBeNull();

    const audit = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?component=E-mail&action=Resend`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body.items[0]).toMatchObject({
      actor: { kind: "user", name: org.admin.email },
      target: { type: "email", id: String(failed.id) },
      before: { status: "queued", to: user.email },
      after: { status: "queued" },
    });
  });

  it("retries a 451 by itself once the backoff has passed, and delivers exactly once", async () => {
    const org = await createOrg(host);
    const mailbox = await smtp({ failFirst: 1 });
    await sendThrough(org, mailbox.port);
    const user = await addUser(org);
    await requestRecovery(org, user.email);
    const deferred = await waitForOutbox(org.admin.api, orgOutbox(org), (i) => i.to === user.email && i.attempts === 1);
    expect(deferred).toMatchObject({ status: "queued", lastSmtpCode: 451 });
    expect(deferred.lastError).toMatch(/451|try again/i);

    // Move the server's clock past the 1-minute backoff: the mailer picks the row up by itself.
    const ctx = server.server.services.ctx;
    const realClock = ctx.clock;
    ctx.clock = { now: () => new Date(Date.now() + 61_000) };
    try {
      const mail = await nextMailTo(mailbox, user.email);
      expect(mail.parsed.subject).toBe("Dirigent: reset your password");
      await waitForOutbox(org.admin.api, orgOutbox(org), (i) => i.id === deferred.id && i.status === "sent");
    } finally {
      ctx.clock = realClock;
    }
    const sent = (await org.admin.api.get(`${orgOutbox(org)}/${deferred.id}`)).body;
    expect(sent).toMatchObject({ status: "sent", attempts: 2, lastSmtpCode: 250, lastError: null });
    expect(mailbox.to(user.email)).toHaveLength(1);
  });

  it("fails a 5xx at once without retrying; Resend after fixing the settings delivers it", async () => {
    const org = await createOrg(host);
    const rejecting = await smtp({ rejectAll: { code: 550, message: "5.7.1 Relaying denied" } });
    await sendThrough(org, rejecting.port);
    const user = await addUser(org);
    await requestRecovery(org, user.email);
    const failed = await waitForOutbox(
      org.admin.api,
      orgOutbox(org),
      (i) => i.to === user.email && i.status === "failed",
    );
    expect(failed).toMatchObject({ attempts: 1, lastSmtpCode: 550, nextAttemptAt: null });
    expect(failed.lastError).toMatch(/Relaying denied/);
    const ctx = server.server.services.ctx;
    const realClock = ctx.clock;
    ctx.clock = { now: () => new Date(Date.now() + 7200_000) };
    try {
      await pause(400);
    } finally {
      ctx.clock = realClock;
    }
    expect((await org.admin.api.get(`${orgOutbox(org)}/${failed.id}`)).body).toMatchObject({
      status: "failed",
      attempts: 1,
    });
    expect((await host.get("/host/email/status")).body.failed).toBeGreaterThanOrEqual(1);

    const mailbox = await smtp();
    await sendThrough(org, mailbox.port);
    const resend = await host.post(`/host/email/outbox/${failed.id}/resend`);
    expect(resend.status, resend.text).toBe(200);
    await nextMailTo(mailbox, user.email);
    const sent = await waitForOutbox(host, "/host/email/outbox", (i) => i.id === failed.id && i.status === "sent");
    expect(sent.attempts).toBe(2);
    const audit = await host.get("/host/audit-logs?component=E-mail&action=Resend&limit=1");
    expect(audit.body.items[0]).toMatchObject({ actor: { kind: "admin" }, target: { id: String(failed.id) } });
  });

  it("sends each row of a many-recipient notification from its own data and language, and records each outcome", async () => {
    // The mailer keeps renders per template, language and data and writes outcomes in batches:
    // neither may give a row another row's text or message id.
    const org = await createOrg(host);
    const mailbox = await smtp();
    await sendThrough(org, mailbox.port);
    const { services } = server.server;
    const recipients = (locales: ("en" | "de")[]) =>
      locales.map((locale) => ({ address: `${unique("r")}@example.com`, locale }));
    const first = recipients(["en", "de", "en"]);
    const second = recipients(["en", "de"]);
    const notify = (to: typeof first, name: string) =>
      services.notifications.notify(
        services.ctx.db,
        to,
        "password-changed",
        { name, changedAt: "2026-03-04T05:06:07.000Z" },
        { orgId: org.id },
      );
    await notify(first, "Ada Alpha");
    await notify(second, "Bo Beta");
    const expected = [
      ...first.map((r) => ({ ...r, name: "Ada Alpha", other: "Bo Beta" })),
      ...second.map((r) => ({ ...r, name: "Bo Beta", other: "Ada Alpha" })),
    ];
    const messageIds = new Set<string>();
    for (const r of expected) {
      const mail = await nextMailTo(mailbox, r.address);
      expect(mail.parsed.text).toContain(r.name);
      expect(mail.parsed.text).not.toContain(r.other);
      expect(mail.parsed.subject).toBe(
        r.locale === "de" ? "Dirigent: Ihr Passwort wurde geändert" : "Dirigent: your password was changed",
      );
      const row = await waitForOutbox(host, "/host/email/outbox", (i) => i.to === r.address && i.status === "sent");
      expect(row.messageId).toBe(mail.parsed.messageId);
      messageIds.add(row.messageId);
    }
    expect(messageIds.size).toBe(expected.length);
  });

  it("shows the host every message and an organization only its own", async () => {
    const [orgA, orgB] = [await createOrg(host), await createOrg(host)];
    const [a, b] = [await addUser(orgA), await addUser(orgB)];
    await requestRecovery(orgA, a.email);
    await requestRecovery(orgB, b.email);
    const itemA = await waitForOutbox(host, "/host/email/outbox", (i) => i.to === a.email);
    const itemB = await waitForOutbox(host, "/host/email/outbox", (i) => i.to === b.email);
    expect(itemA.orgId).toBe(orgA.id);
    expect(itemB.orgId).toBe(orgB.id);

    const listA = await orgA.admin.api.get(`${orgOutbox(orgA)}?limit=200`);
    expect(listA.body.items.map((i: { id: number }) => i.id)).toEqual([itemA.id]);
    expectProblem(await orgA.admin.api.get(`${orgOutbox(orgA)}/${itemB.id}`), 404, "not-found");
    expectProblem(await orgA.admin.api.post(`${orgOutbox(orgA)}/${itemB.id}/resend`), 404, "not-found");
    expectProblem(await orgA.admin.api.get(`${orgOutbox(orgB)}/${itemB.id}`), 404, "not-found");
    expect((await orgB.admin.api.get(`${orgOutbox(orgB)}/${itemB.id}`)).status).toBe(200);

    const held = await host.get("/host/email/outbox?status=held&limit=200");
    expect(held.status).toBe(200);
    expect(held.body.items.every((i: { status: string }) => i.status === "held")).toBe(true);
    const page = await host.get("/host/email/outbox?limit=1");
    expect(page.body.items).toHaveLength(1);
    expect(page.body.nextCursor).toBeTruthy();
    const next = await host.get(`/host/email/outbox?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body.items[0].id).toBeLessThan(page.body.items[0].id);
    expectProblem(await host.get("/host/email/outbox?status=lost"), 400, "validation-failed");
    expectProblem(await host.get("/host/email/outbox/999999999"), 404, "not-found");
  });

  it("answers recovery identically for existing, unknown and disabled users of an organization with its own settings", async () => {
    // The host has no settings, the organization has: the answer must still not tell whether
    // the account exists.
    const org = await createOrg(host);
    const mailbox = await smtp();
    await sendThrough(org, mailbox.port);
    const user = await addUser(org);
    const disabled = await addUser(org);
    const patch = await org.admin.api.patch(`/orgs/${org.slug}/users/${disabled.id}`, { status: "disabled" });
    expect(patch.status, patch.text).toBe(200);
    const api = new Api(server.url);
    const existing = await api.post("/auth/password-recovery", { organization: org.slug, email: user.email });
    const unknown = await api.post("/auth/password-recovery", { organization: org.slug, email: "nobody@example.com" });
    const off = await api.post("/auth/password-recovery", { organization: org.slug, email: disabled.email });
    for (const res of [existing, unknown, off]) expect(res.status).toBe(202);
    expect(unknown.text).toBe(existing.text);
    expect(off.text).toBe(existing.text);
    expect(existing.body).toEqual({ emailDelivery: "available" });
    await nextMailTo(mailbox, user.email);
    await pause(300);
    expect(mailbox.to(disabled.email)).toHaveLength(0);
    expect(mailbox.to("nobody@example.com")).toHaveLength(0);
  });
});
