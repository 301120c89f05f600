import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../helpers/api.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer, testCertificates } from "../helpers/smtp.js";

describe("e-mail end to end", () => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  let admin: Api;
  beforeAll(async () => {
    smtp = await startSmtpServer({ tls: "starttls", auth: { user: "mailer", pass: "smtp-Secret-1" } });
    server = await startTestServer({ env: { DIRIGENT_MAIL_POLL_MS: "100" } });
    admin = await new Api(server.url).as({ username: "admin", password: server.adminPassword });
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  it("tests, saves and delivers an invitation over STARTTLS with a custom CA", async () => {
    const { caCert } = await testCertificates();
    const settings = {
      enabled: true,
      smtpHost: "localhost",
      smtpPort: smtp.port,
      smtpUsername: "mailer",
      smtpPassword: "smtp-Secret-1",
      fromAddress: "noreply@dirigent.test",
      fromDisplayName: "Dirigent Notifications",
      secureConnection: true,
      tlsMode: "starttls",
      caCertificatePem: caCert,
    };
    const test = await admin.post("/host/settings/email/test", { to: "ops@example.test", settings });
    expect(test.body, test.text).toMatchObject({ ok: true, stage: "data", smtpCode: 250 });
    const saved = await admin.put("/host/settings/email", settings);
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.hasSmtpPassword).toBe(true);
    expect(saved.text).not.toContain("smtp-Secret-1");

    const org = await admin.post("/host/organizations", {
      name: "Mail Org",
      admin: { email: "boss@mail.test", name: "Boss", locale: "de" },
    });
    expect(org.status, org.text).toBe(201);
    const mails = await smtp.waitFor(2);
    const invitation = mails.find((m) => m.envelope.to.includes("boss@mail.test"));
    expect(invitation?.parsed.subject).toBe("Einladung zu Mail Org in Dirigent");
    expect(invitation?.parsed.from?.value[0]).toMatchObject({
      address: "noreply@dirigent.test",
      name: "Dirigent Notifications",
    });
    expect(invitation?.parsed.messageId).toMatch(/^<outbox-\d+\./);
    const token = /accept-invitation\?token=([\w-]+)/.exec(invitation?.parsed.text ?? "")?.[1];
    expect(token).toMatch(/^dgl_/);
    const accept = await new Api(server.url).post("/auth/accept-invitation", { token, password: "Boss-Passw0rd!" });
    expect(accept.status, accept.text).toBe(204);
    await new Api(server.url).as({ organization: "mail-org", email: "boss@mail.test", password: "Boss-Passw0rd!" });
  });

  it("fails the test at the auth stage when credentials are set but the server offers no AUTH", async () => {
    const anonymousOnly = await startSmtpServer({ tls: "none" });
    try {
      const res = await admin.post("/host/settings/email/test", {
        to: "ops@example.test",
        settings: {
          enabled: true,
          smtpHost: "127.0.0.1",
          smtpPort: anonymousOnly.port,
          smtpUsername: "mailer",
          smtpPassword: "never-sent-silently",
          fromAddress: "noreply@dirigent.test",
          secureConnection: false,
        },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ ok: false, stage: "auth" });
      expect(anonymousOnly.messages).toHaveLength(0);
    } finally {
      await anonymousOnly.close();
    }
  });
});
