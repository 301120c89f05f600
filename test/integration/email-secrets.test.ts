import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { linkToken, nextMailTo, plainSettings, waitForOutbox } from "../helpers/email.js";
import { newPassword, RecordingApi } from "../helpers/fixtures.js";
import { startTokenEndpoint, type TestTokenEndpoint } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer, testCertificates } from "../helpers/smtp.js";

const secrets = {
  hostPassword: "Host-Smtp-Secret-A1",
  rejectedPassword: "Never-Saved-Secret-B2",
  draftWrongPassword: "Draft-Wrong-Secret-C3",
  orgPassword: "Org-Smtp-Secret-D4",
  oauthClientSecret: "OAuth-Client-Secret-E5",
  brokenOrgPassword: "Broken-Org-Secret-F6",
};
const accessToken = "xoauth2-access-token-G7";

/**
 * After the e-mail area has been used every way it can be (saved, rejected, tested, sent,
 * failed, resent), no secret appears in any API answer, log line, audit row or CSV export.
 */
describe.each(testDatabases())("secrets stay secret (%s)", (database) => {
  let server: TestServer;
  let relay: TestSmtpServer;
  let oauthRelay: TestSmtpServer;
  let tokenEndpoint: TestTokenEndpoint;
  const record: { method: string; path: string; text: string; headers: string }[] = [];

  beforeAll(async () => {
    [server, relay, oauthRelay, tokenEndpoint] = await Promise.all([
      startTestServer({ database, env: { DIRIGENT_MAIL_POLL_MS: "100" } }),
      startSmtpServer({ tls: "starttls", auth: { user: "mailer", pass: secrets.hostPassword } }),
      startSmtpServer({ tls: "starttls", auth: { user: "box@dirigent.test", accessToken } }),
      startTokenEndpoint({ clientId: "app", clientSecret: secrets.oauthClientSecret, accessToken }),
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([relay?.close(), oauthRelay?.close(), tokenEndpoint?.close()]);
  });

  it("never shows an SMTP password or OAuth client secret in answers, logs or audit logs", async () => {
    const { caCert } = await testCertificates();
    const anon = new RecordingApi(server.url, undefined, record);
    const host = (await anon.as({ username: "admin", password: server.adminPassword })) as RecordingApi;
    const tls = { smtpHost: "localhost", secureConnection: true, tlsMode: "starttls", caCertificatePem: caCert };

    // Host settings: saved with a password, a rejected save carrying another one, tests.
    const hostSettings = plainSettings(relay, { ...tls, smtpUsername: "mailer", smtpPassword: secrets.hostPassword });
    expect((await host.put("/host/settings/email", hostSettings)).status).toBe(200);
    const rejected = await host.put("/host/settings/email", { smtpPort: 0, smtpPassword: secrets.rejectedPassword });
    expect(rejected.status).toBe(400);
    expect((await host.post("/host/settings/email/test", { to: "ops@example.test" })).body.ok).toBe(true);
    const wrong = await host.post("/host/settings/email/test", {
      to: "ops@example.test",
      settings: { ...hostSettings, smtpPassword: secrets.draftWrongPassword },
    });
    expect(wrong.body).toMatchObject({ ok: false, stage: "auth" });

    // Org A sends with XOAUTH2, org B with its own password, org C with a password the relay refuses.
    const orgs = [];
    for (const name of ["a", "b", "c"]) {
      const slug = unique(`sec-${name}`);
      const email = `${slug}@example.test`;
      const password = newPassword();
      const created = await host.post("/host/organizations", {
        name: `Secret ${name}`,
        slug,
        admin: { email, password },
      });
      expect(created.status, created.text).toBe(201);
      const api = (await anon.as({ organization: slug, email, password })) as RecordingApi;
      orgs.push({ slug, api });
    }
    const [a, b, c] = orgs as [(typeof orgs)[0], (typeof orgs)[0], (typeof orgs)[0]];
    const oauthSettings = plainSettings(oauthRelay, {
      ...tls,
      mode: "custom",
      smtpUsername: "box@dirigent.test",
      authMethod: "oauth2",
      oauthTokenUrl: tokenEndpoint.url,
      oauthClientId: "app",
      oauthClientSecret: secrets.oauthClientSecret,
    });
    const savedA = await a.api.put(`/orgs/${a.slug}/settings/email`, oauthSettings);
    expect(savedA.status, savedA.text).toBe(200);
    expect(savedA.body.hasOauthClientSecret).toBe(true);
    expect((await a.api.post(`/orgs/${a.slug}/settings/email/test`, { to: "a@example.test" })).body.ok).toBe(true);
    const savedB = await b.api.put(`/orgs/${b.slug}/settings/email`, {
      ...hostSettings,
      mode: "custom",
      smtpPassword: secrets.orgPassword,
    });
    expect(savedB.status).toBe(200);
    expect(
      (
        await c.api.put(`/orgs/${c.slug}/settings/email`, {
          ...hostSettings,
          mode: "custom",
          smtpPassword: secrets.brokenOrgPassword,
        })
      ).status,
    ).toBe(200);

    // Mail through each: invitations (one-time tokens), then a resend of the failing one.
    const invitees: Record<string, string> = {};
    for (const org of [a, b, c]) {
      invitees[org.slug] = `${unique("inv")}@example.test`;
      const res = await org.api.post(`/orgs/${org.slug}/users`, { email: invitees[org.slug] });
      expect(res.status, res.text).toBe(201);
    }
    const invitation = await nextMailTo(oauthRelay, invitees[a.slug] as string);
    // The test and the delivery shared one cached access token.
    expect(tokenEndpoint.requests).toHaveLength(1);
    const invitationToken = linkToken(invitation, "accept-invitation");
    // B's password is not the relay's: B's mail fails like C's.
    const failedB = await waitForOutbox(b.api, `/orgs/${b.slug}/email/outbox`, (i) => i.status === "failed");
    expect(failedB.lastSmtpCode).toBe(535);
    const failedC = await waitForOutbox(c.api, `/orgs/${c.slug}/email/outbox`, (i) => i.status === "failed");
    expect((await c.api.post(`/orgs/${c.slug}/email/outbox/${failedC.id}/resend`)).status).toBe(200);
    await waitForOutbox(c.api, `/orgs/${c.slug}/email/outbox`, (i) => i.id === failedC.id && i.attempts === 2);

    // A password reset of the host-level administrator through the host settings.
    const adminEmail = `${unique("root")}@example.test`;
    expect((await host.patch("/host/administrators/1", { email: adminEmail })).status).toBe(200);
    expect((await anon.post("/auth/password-recovery", { email: adminEmail })).status).toBe(202);
    const resetToken = linkToken(await nextMailTo(relay, adminEmail), "reset-password");

    // Now read everything an administrator can read.
    for (const path of [
      "/host/settings/email",
      "/host/settings/email/presets",
      "/host/email/status",
      "/host/email/outbox?limit=200",
      "/host/audit-logs?limit=200",
      "/host/audit-logs.csv",
    ]) {
      expect((await host.get(path)).status, path).toBe(200);
    }
    for (const item of (await host.get("/host/email/outbox?limit=200")).body.items) {
      expect((await host.get(`/host/email/outbox/${item.id}`)).status).toBe(200);
    }
    for (const org of [a, b, c]) {
      for (const path of ["settings/email", "email/outbox?limit=200", "audit-logs?limit=200", "audit-logs.csv"]) {
        expect((await org.api.get(`/orgs/${org.slug}/${path}`)).status, path).toBe(200);
      }
      expect((await host.get(`/orgs/${org.slug}/settings/email`)).status).toBe(200);
    }

    const values = [
      ...Object.values(secrets),
      accessToken,
      // AUTH PLAIN / LOGIN carry the password base64-encoded: a protocol trace would too.
      Buffer.from(`\0mailer\0${secrets.hostPassword}`).toString("base64"),
      Buffer.from(secrets.hostPassword).toString("base64"),
      Buffer.from(secrets.orgPassword).toString("base64"),
    ];
    const answers = record.map((r) => `${r.method} ${r.path}\n${r.headers}\n${r.text}`).join("\n");
    const logs = server.logs.join("");
    expect(record.length).toBeGreaterThan(40);
    expect(logs.length).toBeGreaterThan(1000);
    const auditRows = await server.server.storage.db.selectFrom("audit_logs").selectAll().execute();
    const audit = JSON.stringify(auditRows);
    expect(auditRows.length).toBeGreaterThan(10);
    for (const value of values) {
      expect(answers.includes(value), `API answer contains ${value}`).toBe(false);
      expect(logs.includes(value), `log contains ${value}`).toBe(false);
      expect(audit.includes(value), `audit log contains ${value}`).toBe(false);
    }
    // One-time link tokens appear only in the mail itself.
    for (const token of [invitationToken, resetToken]) {
      expect(answers.includes(token)).toBe(false);
      expect(logs.includes(token)).toBe(false);
      expect(audit.includes(token)).toBe(false);
    }

    // At rest: secrets and link tokens are sealed, never stored in the clear.
    const stored = JSON.stringify([
      await server.server.storage.db.selectFrom("email_settings").selectAll().execute(),
      await server.server.storage.db.selectFrom("email_outbox").selectAll().execute(),
    ]);
    for (const value of [...Object.values(secrets), invitationToken, resetToken]) {
      expect(stored.includes(value), `database holds ${value} in the clear`).toBe(false);
    }
    // The audit trail still says what happened: the password changed, tests ran.
    expect(audit).toContain("smtpPasswordChanged");
    expect(audit).toContain("oauthClientSecretChanged");
  });
});
