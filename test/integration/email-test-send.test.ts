import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, expectProblem } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { startTokenEndpoint, type TestTokenEndpoint } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  closedPort,
  startSilentServer,
  startSmtpServer,
  type TestSmtpServer,
  testCertificates,
} from "../helpers/smtp.js";

const smtpPassword = "Smtp-Test-Pw-4";
const oauth = { clientId: "dirigent-app", clientSecret: "Client-Secret-77", accessToken: "at-xoauth2-9f3" };

/**
 * A complete draft (every field the sender reads), so nothing of stored settings leaks into a
 * test that does not mean to use them. The password is left out: "use the stored one".
 */
function draft(port: number, overrides: Record<string, unknown> = {}) {
  return {
    enabled: true,
    smtpHost: "127.0.0.1",
    smtpDomain: null,
    smtpPort: port,
    smtpUsername: null,
    fromAddress: "tester@dirigent.test",
    fromDisplayName: "Dirigent Test",
    secureConnection: false,
    tlsMode: "auto",
    caCertificatePem: null,
    tlsServername: null,
    allowInvalidCertificates: false,
    replyTo: null,
    envelopeSender: null,
    connectionTimeoutMs: 5000,
    greetingTimeoutMs: 5000,
    socketTimeoutMs: 10_000,
    authMethod: "password",
    ...overrides,
  };
}

describe.each(testDatabases())("test e-mail (%s)", (database) => {
  let server: TestServer;
  let host: Api;
  let caCert: string;
  let plain: TestSmtpServer;
  let starttls: TestSmtpServer;
  let implicit: TestSmtpServer;
  let oauthSmtp: TestSmtpServer;
  let domainSmtp: TestSmtpServer;
  let rejecting: TestSmtpServer;
  let tokenEndpoint: TestTokenEndpoint;

  beforeAll(async () => {
    caCert = (await testCertificates()).caCert;
    [server, plain, starttls, implicit, oauthSmtp, domainSmtp, rejecting, tokenEndpoint] = await Promise.all([
      startTestServer({ database }),
      startSmtpServer({ tls: "none" }),
      startSmtpServer({ tls: "starttls", auth: { user: "mailer", pass: smtpPassword } }),
      startSmtpServer({ tls: "implicit" }),
      startSmtpServer({ tls: "starttls", auth: { user: "box@dirigent.test", accessToken: oauth.accessToken } }),
      startSmtpServer({ tls: "none", auth: { user: "CORP\\svc", pass: smtpPassword } }),
      startSmtpServer({ tls: "none", rejectAll: { code: 550, message: "5.1.1 Mailbox unavailable" } }),
      startTokenEndpoint(oauth),
    ]);
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all(
      [plain, starttls, implicit, oauthSmtp, domainSmtp, rejecting, tokenEndpoint].map((s) => s?.close()),
    );
  });

  /** Runs a host test with a draft; a test answers 200 whether or not it worked. */
  async function hostTest(to: string, settings: Record<string, unknown>) {
    const res = await host.post("/host/settings/email/test", { to, settings });
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  it("sends a plain anonymous test with From, display name, Reply-To and envelope sender, and saves nothing", async () => {
    const outboxBefore = (await host.get("/host/email/outbox")).body.items.length;
    const result = await hostTest(
      "plain@example.test",
      draft(plain.port, { replyTo: "help@dirigent.test", envelopeSender: "bounce@dirigent.test" }),
    );
    expect(result).toMatchObject({ ok: true, stage: "data", smtpCode: 250 });
    expect(result.message).toContain("plain@example.test");
    const mail = await plain.waitForMail((m) => m.envelope.to.includes("plain@example.test"));
    expect(mail.secure).toBe(false);
    expect(mail.authUser).toBeUndefined();
    expect(mail.envelope.from).toBe("bounce@dirigent.test");
    expect(mail.parsed.subject).toBe("Dirigent: test e-mail");
    expect(mail.parsed.from?.value[0]).toEqual({ address: "tester@dirigent.test", name: "Dirigent Test" });
    expect(mail.parsed.replyTo?.value[0]?.address).toBe("help@dirigent.test");
    expect(mail.parsed.text).toContain("This is a test e-mail from Dirigent.");
    expect(mail.parsed.html).toContain("<!doctype html>");
    expect(mail.parsed.messageId).toBeTruthy();
    expect(mail.parsed.date).toBeInstanceOf(Date);
    // No side effects: settings stay unsaved, nothing enters the outbox.
    const settings = await host.get("/host/settings/email");
    expect(settings.body).toMatchObject({ enabled: false, smtpHost: "", updatedAt: null });
    expect((await host.get("/host/email/outbox")).body.items.length).toBe(outboxBefore);
  });

  it("sends over STARTTLS with AUTH and a custom CA, and never upgrades when secure connection is off", async () => {
    const result = await hostTest(
      "tls@example.test",
      draft(starttls.port, {
        smtpHost: "localhost",
        smtpUsername: "mailer",
        smtpPassword,
        secureConnection: true,
        tlsMode: "starttls",
        caCertificatePem: caCert,
      }),
    );
    expect(result).toMatchObject({ ok: true, stage: "data", smtpCode: 250 });
    const mail = await starttls.waitForMail((m) => m.envelope.to.includes("tls@example.test"));
    expect(mail).toMatchObject({ secure: true, authUser: "mailer" });

    // The same server with secure connection off: Dirigent does not upgrade on its own, so the
    // server (which allows AUTH only over TLS) is never sent the credentials in the clear.
    const insecure = await hostTest(
      "cleartext@example.test",
      draft(starttls.port, { smtpUsername: "mailer", smtpPassword, secureConnection: false }),
    );
    expect(insecure).toMatchObject({ ok: false, stage: "auth", smtpCode: 538 });
    expect(insecure.hint).toMatch(/only over TLS/);
    expect(starttls.to("cleartext@example.test")).toHaveLength(0);
  });

  it("sends anonymously over STARTTLS-capable servers in cleartext when secure connection is off", async () => {
    const anon = await startSmtpServer({ tls: "starttls" });
    try {
      const result = await hostTest("noupgrade@example.test", draft(anon.port));
      expect(result).toMatchObject({ ok: true, stage: "data" });
      const mail = await anon.waitForMail((m) => m.envelope.to.includes("noupgrade@example.test"));
      expect(mail.secure).toBe(false);
    } finally {
      await anon.close();
    }
  });

  it("sends over implicit TLS on a non-465 port with tlsMode implicit", async () => {
    const result = await hostTest(
      "implicit@example.test",
      draft(implicit.port, { secureConnection: true, tlsMode: "implicit", caCertificatePem: caCert }),
    );
    expect(result).toMatchObject({ ok: true, stage: "data", smtpCode: 250 });
    const mail = await implicit.waitForMail((m) => m.envelope.to.includes("implicit@example.test"));
    expect(mail.secure).toBe(true);
  });

  it("trusts a certificate by TLS server name when SMTP Host is an IP address", async () => {
    const result = await hostTest(
      "servername@example.test",
      draft(implicit.port, {
        secureConnection: true,
        tlsMode: "implicit",
        caCertificatePem: caCert,
        tlsServername: "localhost",
      }),
    );
    expect(result).toMatchObject({ ok: true, stage: "data" });
  });

  it("logs in as DOMAIN\\username when SMTP Domain is set", async () => {
    const result = await hostTest(
      "domain@example.test",
      draft(domainSmtp.port, { smtpDomain: "CORP", smtpUsername: "svc", smtpPassword }),
    );
    expect(result).toMatchObject({ ok: true, stage: "data" });
    const mail = await domainSmtp.waitForMail((m) => m.envelope.to.includes("domain@example.test"));
    expect(mail.authUser).toBe("CORP\\svc");
  });

  it("sends with XOAUTH2 using a client-credentials token from the token endpoint", async () => {
    const oauthDraft = {
      smtpHost: "localhost",
      smtpUsername: "box@dirigent.test",
      secureConnection: true,
      tlsMode: "starttls",
      caCertificatePem: caCert,
      authMethod: "oauth2",
      oauthTokenUrl: tokenEndpoint.url,
      oauthClientId: oauth.clientId,
      oauthClientSecret: oauth.clientSecret,
      oauthScope: "https://outlook.office365.com/.default",
    };
    const result = await hostTest("xoauth2@example.test", draft(oauthSmtp.port, oauthDraft));
    expect(result).toMatchObject({ ok: true, stage: "data", smtpCode: 250 });
    const mail = await oauthSmtp.waitForMail((m) => m.envelope.to.includes("xoauth2@example.test"));
    expect(mail).toMatchObject({ authUser: "box@dirigent.test", secure: true });
    expect(tokenEndpoint.requests.at(-1)).toEqual({
      grantType: "client_credentials",
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      scope: "https://outlook.office365.com/.default",
    });

    const wrongSecret = await hostTest(
      "xoauth2-bad@example.test",
      draft(oauthSmtp.port, { ...oauthDraft, oauthClientSecret: "not-the-secret" }),
    );
    expect(wrongSecret).toMatchObject({ ok: false, stage: "auth" });
    expect(wrongSecret.message).toContain("401");
    expect(wrongSecret.message).toContain("invalid_client");
    expect(wrongSecret.hint).toMatch(/OAuth2 access token/);
    expect(JSON.stringify(wrongSecret)).not.toContain("not-the-secret");
  });

  it("reports wrong credentials at stage auth with 535 and a hint", async () => {
    const result = await hostTest(
      "badauth@example.test",
      draft(starttls.port, {
        smtpHost: "localhost",
        smtpUsername: "mailer",
        smtpPassword: "wrong-password",
        secureConnection: true,
        tlsMode: "starttls",
        caCertificatePem: caCert,
      }),
    );
    expect(result).toMatchObject({ ok: false, stage: "auth", smtpCode: 535 });
    expect(result.response).toContain("535");
    expect(result.hint).toMatch(/rejected the credentials/);
    expect(JSON.stringify(result)).not.toContain("wrong-password");
  });

  it("tells a server that offers no AUTH apart from rejected credentials (issue 12, defect 8)", async () => {
    const result = await hostTest(
      "noauth@example.test",
      draft(plain.port, { smtpUsername: "mailer", smtpPassword: "some-password", secureConnection: false }),
    );
    expect(result).toMatchObject({ ok: false, stage: "auth" });
    expect(result.hint).toBe(
      "This server does not accept a login: clear SMTP Username and SMTP Password, or use port 587 with STARTTLS.",
    );
    expect(JSON.stringify(result)).not.toContain("some-password");
  });

  it("reports a refused connection at stage connect", async () => {
    const port = await closedPort();
    const result = await hostTest("refused@example.test", draft(port));
    expect(result).toMatchObject({ ok: false, stage: "connect" });
    expect(result.smtpCode).toBeUndefined();
    expect(result.message).toMatch(/ECONNREFUSED/);
    expect(result.hint).toContain(`127.0.0.1:${port}`);
  });

  it("reports a server that never greets at stage greeting, suggesting implicit TLS", async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const result = await hostTest("silent@example.test", draft(silent.port, { greetingTimeoutMs: 1000 }));
      expect(result).toMatchObject({ ok: false, stage: "greeting" });
      expect(result.hint).toMatch(/never greeted/);
      expect(result.hint).toMatch(/Implicit TLS/);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await silent.close();
    }
  });

  it("reports STARTTLS against an implicit-TLS port at stage greeting", async () => {
    const result = await hostTest(
      "starttls-on-465@example.test",
      draft(implicit.port, {
        secureConnection: true,
        tlsMode: "starttls",
        caCertificatePem: caCert,
        greetingTimeoutMs: 1000,
      }),
    );
    expect(result).toMatchObject({ ok: false, stage: "greeting" });
    expect(result.hint).toMatch(/Implicit TLS/);
  });

  it("reports an unknown CA at stage tls with a hint to paste the CA certificate", async () => {
    const result = await hostTest(
      "unknown-ca@example.test",
      draft(starttls.port, { smtpHost: "localhost", secureConnection: true, tlsMode: "starttls" }),
    );
    expect(result).toMatchObject({ ok: false, stage: "tls" });
    expect(result.message).toMatch(/certificate/i);
    expect(result.hint).toMatch(/CA certificate/);
    const implicitResult = await hostTest(
      "unknown-ca-implicit@example.test",
      draft(implicit.port, { smtpHost: "localhost", secureConnection: true, tlsMode: "implicit" }),
    );
    expect(implicitResult).toMatchObject({ ok: false, stage: "tls" });
    expect(implicitResult.hint).toMatch(/CA certificate/);
  });

  it("reports a host-name mismatch at stage tls", async () => {
    const result = await hostTest(
      "mismatch@example.test",
      draft(starttls.port, {
        secureConnection: true,
        tlsMode: "starttls",
        caCertificatePem: caCert,
        tlsServername: "wrong.example",
      }),
    );
    expect(result).toMatchObject({ ok: false, stage: "tls" });
    expect(result.message).toMatch(/altnames|does not match/i);
    expect(result.hint).toMatch(/not valid for this host name/);
  });

  it("reports implicit TLS against a STARTTLS port at stage tls with a port/TLS-mode hint", async () => {
    const result = await hostTest(
      "wrong-version@example.test",
      draft(starttls.port, {
        smtpHost: "localhost",
        secureConnection: true,
        tlsMode: "implicit",
        caCertificatePem: caCert,
      }),
    );
    expect(result).toMatchObject({ ok: false, stage: "tls" });
    expect(result.message).toMatch(/wrong version number|packet length too long|unknown protocol/i);
    expect(result.hint).toMatch(/STARTTLS/);
  });

  it("reports a server without STARTTLS at stage tls when a secure connection is required", async () => {
    const result = await hostTest(
      "no-starttls@example.test",
      draft(plain.port, { secureConnection: true, tlsMode: "starttls" }),
    );
    expect(result).toMatchObject({ ok: false, stage: "tls" });
    expect(result.hint).toMatch(/STARTTLS/);
    expect(plain.to("no-starttls@example.test")).toHaveLength(0);
  });

  it("reports a rejected message at stage data with the 5xx reply", async () => {
    const result = await hostTest("rejected@example.test", draft(rejecting.port));
    expect(result).toMatchObject({ ok: false, stage: "data", smtpCode: 550 });
    expect(result.response).toContain("Mailbox unavailable");
    expect(result.hint).toMatch(/refused the message/);
  });

  it("reports a host name that does not resolve at stage resolve", async () => {
    const result = await hostTest("resolve@example.test", draft(25, { smtpHost: "no-such-host.invalid" }));
    expect(result).toMatchObject({ ok: false, stage: "resolve" });
    expect(result.message).toContain("no-such-host.invalid");
    expect(result.hint).toMatch(/typos/);
  });

  it("uses the stored password when the draft has none, and the draft's when it has one (org level)", async () => {
    const org = await createOrg(host);
    const path = `/orgs/${org.slug}/settings/email`;
    const api = org.admin.api;
    const stored = draft(starttls.port, {
      smtpHost: "localhost",
      smtpUsername: "mailer",
      secureConnection: true,
      tlsMode: "starttls",
      caCertificatePem: caCert,
    });
    const save = await api.put(path, { mode: "custom", ...stored, smtpPassword });
    expect(save.status, save.text).toBe(200);

    // The form as typed, without a password and with a changed display name: the stored password is used.
    const typed = await api.post(`${path}/test`, {
      to: "stored-pw@example.test",
      settings: { ...stored, fromDisplayName: "Typed Name" },
    });
    expect(typed.status).toBe(200);
    expect(typed.body).toMatchObject({ ok: true, stage: "data" });
    const mail = await starttls.waitForMail((m) => m.envelope.to.includes("stored-pw@example.test"));
    expect(mail.parsed.from?.value[0]?.name).toBe("Typed Name");
    expect(mail.parsed.text).toContain("(organization)");

    // A typed password wins over the stored one.
    const wrong = await api.post(`${path}/test`, {
      to: "typed-pw@example.test",
      settings: { ...stored, smtpPassword: "typed-but-wrong" },
    });
    expect(wrong.body).toMatchObject({ ok: false, stage: "auth", smtpCode: 535 });

    // A typed null clears the password for the test: the server never sees a login attempt.
    const cleared = await api.post(`${path}/test`, {
      to: "no-pw@example.test",
      settings: { ...stored, smtpPassword: null },
    });
    expect(cleared.body).toMatchObject({ ok: false, stage: "auth" });
    expect(cleared.body.message).toMatch(/Missing credentials/);
    expect(cleared.body.hint).toMatch(/credentials that are missing/);

    // Without a draft the saved settings are tested.
    const saved = await api.post(`${path}/test`, { to: "saved@example.test" });
    expect(saved.body).toMatchObject({ ok: true, stage: "data" });
    await starttls.waitForMail((m) => m.envelope.to.includes("saved@example.test"));

    // The tests saved nothing: the display name is still the stored one.
    expect((await api.get(path)).body).toMatchObject({ fromDisplayName: "Dirigent Test", hasSmtpPassword: true });
  });

  it("answers a test of nothing saved with ok:false and a hint, and validates the request", async () => {
    const org = await createOrg(host);
    const api = org.admin.api;
    const res = await api.post(`/orgs/${org.slug}/settings/email/test`, { to: "nothing@example.test" });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ ok: false, stage: "resolve" });
    expect(res.body.message).toMatch(/No SMTP settings/);

    expectProblem(
      await api.post(`/orgs/${org.slug}/settings/email/test`, { to: "not-an-address" }),
      400,
      "validation-failed",
    );
    expectProblem(await api.post(`/orgs/${org.slug}/settings/email/test`, {}), 400, "validation-failed");
    const badDraft = await host.post("/host/settings/email/test", {
      to: "x@example.test",
      settings: { ...draft(plain.port), smtpPort: 0 },
    });
    const problem = expectProblem(badDraft, 400, "validation-failed");
    expect(problem.errors?.some((e) => e.path.endsWith("smtpPort"))).toBe(true);
    const injection = await host.post("/host/settings/email/test", {
      to: "x@example.test",
      settings: { ...draft(plain.port), fromDisplayName: "A\r\nBcc: victim@example.test" },
    });
    expect(
      expectProblem(injection, 400, "validation-failed").errors?.some((e) => e.path.endsWith("fromDisplayName")),
    ).toBe(true);
    expect(plain.to("victim@example.test")).toHaveLength(0);
  });

  // Last in this file: it saves host settings, which the test of "nothing saved" above must not see.
  it("tells an organization administrator whether the installation's server sent the test, not its details", async () => {
    const saved = await host.put("/host/settings/email", draft(plain.port));
    expect(saved.status, saved.text).toBe(200);
    const org = await createOrg(host);
    const ok = await org.admin.api.post(`/orgs/${org.slug}/settings/email/test`, { to: "inherited@example.test" });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toEqual({
      ok: true,
      stage: "data",
      message: "The installation's e-mail server accepted the test message for inherited@example.test.",
    });
    await plain.waitForMail((m) => m.envelope.to.includes("inherited@example.test"));
    // The system administrator testing the same organization sees the server's reply.
    const asHost = await host.post(`/orgs/${org.slug}/settings/email/test`, { to: "inherited2@example.test" });
    expect(asHost.body).toMatchObject({ ok: true, smtpCode: 250, response: expect.any(String) });

    const broken = await host.put("/host/settings/email", draft(await closedPort()));
    expect(broken.status, broken.text).toBe(200);
    const failed = await org.admin.api.post(`/orgs/${org.slug}/settings/email/test`, { to: "inherited@example.test" });
    expect(failed.body).toMatchObject({ ok: false, stage: "connect" });
    expect(failed.body).not.toHaveProperty("response");
    expect(failed.text).not.toContain("127.0.0.1");
  });
});
