import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultEmailSettings, type EmailSettings } from "../../src/domain/email-settings.js";
import {
  classifySmtpError,
  OAuthError,
  OAuthTokens,
  transportKey,
  transportOptions,
} from "../../src/services/email/transport.js";
import { startTokenEndpoint, type TestTokenEndpoint } from "../helpers/oauth.js";

const settings = (overrides: Partial<EmailSettings> = {}): EmailSettings => ({
  ...defaultEmailSettings,
  enabled: true,
  smtpHost: "smtp.example.com",
  fromAddress: "noreply@example.com",
  ...overrides,
});

/** An error shaped like the ones nodemailer's SMTP connection raises. */
function smtpError(
  message: string,
  fields: { code?: string; command?: string; responseCode?: number; response?: string },
) {
  return Object.assign(new Error(message), fields);
}

describe("classifySmtpError", () => {
  it("maps 535 to stage auth with a credentials hint, permanent", () => {
    const f = classifySmtpError(
      smtpError("Invalid login: 535 5.7.8 Authentication credentials invalid", {
        code: "EAUTH",
        command: "AUTH PLAIN",
        responseCode: 535,
        response: "535 5.7.8 Authentication credentials invalid",
      }),
      settings(),
    );
    expect(f).toMatchObject({ stage: "auth", smtpCode: 535, temporary: false });
    expect(f.response).toContain("5.7.8");
    expect(f.hint).toMatch(/rejected the credentials.*SMTP Username, SMTP Password and SMTP Domain/);
  });

  it("maps Gmail's 534 5.7.9 to the app-password hint", () => {
    const response =
      "534-5.7.9 Application-specific password required. Learn more at\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor";
    const f = classifySmtpError(
      smtpError(`Invalid login: ${response}`, { code: "EAUTH", command: "AUTH PLAIN", responseCode: 534, response }),
      settings({ smtpHost: "smtp.gmail.com" }),
    );
    expect(f).toMatchObject({ stage: "auth", smtpCode: 534 });
    expect(f.hint).toMatch(/Gmail requires an app password/);
  });

  it("maps Microsoft 365's 5.7.139 to the OAuth2 hint", () => {
    const response =
      "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled";
    const f = classifySmtpError(
      smtpError(`Invalid login: ${response}`, { code: "EAUTH", command: "AUTH LOGIN", responseCode: 535, response }),
      settings({ smtpHost: "smtp.office365.com" }),
    );
    expect(f.stage).toBe("auth");
    expect(f.hint).toMatch(/Microsoft 365.*OAuth2/);
  });

  it("maps 538 and missing credentials to their own auth hints", () => {
    const tlsFirst = classifySmtpError(
      smtpError("Invalid login: 538 Error: Must issue a STARTTLS command first", {
        code: "EAUTH",
        command: "AUTH PLAIN",
        responseCode: 538,
      }),
      settings({ secureConnection: false }),
    );
    expect(tlsFirst.hint).toMatch(/only over TLS/);
    const missing = classifySmtpError(
      smtpError('Missing credentials for "PLAIN"', { code: "EAUTH", command: "API" }),
      settings(),
    );
    expect(missing).toMatchObject({ stage: "auth" });
    expect(missing.hint).toMatch(/missing/);
  });

  it("maps 'wrong version number' to stage tls with a port/TLS-mode hint that fits the settings", () => {
    const error = smtpError(
      "C0E7B2F1E77F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:355:\n",
      { code: "ESOCKET", command: "CONN" },
    );
    const implicit587 = classifySmtpError(error, settings({ smtpPort: 587, tlsMode: "implicit" }));
    expect(implicit587).toMatchObject({ stage: "tls", temporary: true });
    expect(implicit587.hint).toMatch(/does not speak TLS from the start on port 587.*STARTTLS/);
    const starttls = classifySmtpError(error, settings({ smtpPort: 465, tlsMode: "starttls" }));
    expect(starttls.hint).toMatch(/465 uses implicit TLS, 587 STARTTLS/);
    const packet = classifySmtpError(
      smtpError("packet length too long", { code: "ESOCKET" }),
      settings({ smtpPort: 25, tlsMode: "implicit" }),
    );
    expect(packet.stage).toBe("tls");
  });

  it.each([
    "self-signed certificate",
    "self signed certificate in certificate chain",
    "unable to verify the first certificate",
    "unable to get local issuer certificate",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
  ])("maps '%s' to stage tls with the CA hint", (message) => {
    const f = classifySmtpError(smtpError(message, { code: "ESOCKET", command: "CONN" }), settings());
    expect(f.stage).toBe("tls");
    expect(f.hint).toMatch(/CA certificate \(PEM\)/);
  });

  it("maps a host-name mismatch (altnames) to stage tls with the TLS server name hint", () => {
    const f = classifySmtpError(
      smtpError(
        "Hostname/IP does not match certificate's altnames: Host: smtp.example.com. is not in the cert's altnames: DNS:mail.example.net",
        { code: "ESOCKET", command: "CONN" },
      ),
      settings(),
    );
    expect(f.stage).toBe("tls");
    expect(f.hint).toMatch(/not valid for this host name.*TLS server name/);
  });

  it("maps an expired certificate and a missing STARTTLS to stage tls", () => {
    expect(classifySmtpError(smtpError("certificate has expired", { code: "ESOCKET" }), settings()).hint).toMatch(
      /expired/,
    );
    const noStarttls = classifySmtpError(
      smtpError("Can't send mail - no STARTTLS support", { code: "ETLS", command: "CONN" }),
      settings({ tlsMode: "starttls" }),
    );
    expect(noStarttls.stage).toBe("tls");
    expect(noStarttls.hint).toMatch(/does not offer STARTTLS/);
  });

  it("maps a greeting timeout to stage greeting; the hint suggests implicit TLS only when not already used", () => {
    const error = smtpError("Greeting never received", { code: "ETIMEDOUT", command: "CONN" });
    const starttls = classifySmtpError(error, settings({ smtpPort: 465, tlsMode: "starttls" }));
    expect(starttls).toMatchObject({ stage: "greeting", temporary: true, smtpCode: null });
    expect(starttls.hint).toMatch(/Implicit TLS/);
    const implicit = classifySmtpError(error, settings({ smtpPort: 465, tlsMode: "auto" }));
    expect(implicit.stage).toBe("greeting");
    expect(implicit.hint).not.toMatch(/Implicit TLS/);
  });

  it("maps a connection timeout to stage connect with the blocked-port hint, temporary", () => {
    const f = classifySmtpError(
      smtpError("Connection timeout", { code: "ETIMEDOUT", command: "CONN" }),
      settings({ smtpPort: 25 }),
    );
    expect(f).toMatchObject({ stage: "connect", temporary: true });
    expect(f.hint).toMatch(/port 25 is often blocked/);
  });

  it("maps refused connections and DNS failures", () => {
    const refused = classifySmtpError(
      smtpError("connect ECONNREFUSED 127.0.0.1:2525", { code: "ESOCKET", command: "CONN" }),
      settings({ smtpHost: "127.0.0.1", smtpPort: 2525 }),
    );
    expect(refused).toMatchObject({ stage: "connect", temporary: true });
    expect(refused.hint).toContain("127.0.0.1:2525");
    const dns = classifySmtpError(
      smtpError("getaddrinfo ENOTFOUND smtp.example.invalid", { code: "EDNS", command: "CONN" }),
      settings(),
    );
    expect(dns.stage).toBe("resolve");
  });

  it("treats 4xx as temporary and 5xx as permanent at the DATA stage", () => {
    const deferred = classifySmtpError(
      smtpError("Message failed: 451 4.3.0 Temporary local problem", {
        code: "EMESSAGE",
        command: "DATA",
        responseCode: 451,
      }),
      settings(),
    );
    expect(deferred).toMatchObject({ stage: "data", smtpCode: 451, temporary: true });
    const refused = classifySmtpError(
      smtpError("Message failed: 550 5.7.1 Rejected", { code: "EMESSAGE", command: "DATA", responseCode: 550 }),
      settings(),
    );
    expect(refused).toMatchObject({ stage: "data", smtpCode: 550, temporary: false });
    expect(refused.hint).toMatch(/refused the message/);
  });

  it("maps sender refusals (553 not owned, 554 SendAsDenied) to stage mail-from with the Send As hint", () => {
    const notOwned = classifySmtpError(
      smtpError("Mail command failed: 553 5.7.1 <a@b.c>: Sender address rejected: not owned by user x", {
        code: "EENVELOPE",
        command: "MAIL FROM",
        responseCode: 553,
        response: "553 5.7.1 <a@b.c>: Sender address rejected: not owned by user x",
      }),
      settings(),
    );
    expect(notOwned).toMatchObject({ stage: "mail-from", smtpCode: 553, temporary: false });
    expect(notOwned.hint).toMatch(/Send As/);
    const sendAs = classifySmtpError(
      smtpError("Message failed: 554 5.2.252 SendAsDenied; box@x not allowed to send as other@y", {
        code: "EMESSAGE",
        command: "DATA",
        responseCode: 554,
        response: "554 5.2.252 SendAsDenied; box@x not allowed to send as other@y",
      }),
      settings(),
    );
    expect(sendAs.stage).toBe("mail-from");
    expect(sendAs.hint).toMatch(/Send As/);
  });

  it("maps a refused recipient to stage rcpt", () => {
    const f = classifySmtpError(
      smtpError("Recipient command failed: 550 5.1.1 User unknown", {
        code: "EENVELOPE",
        command: "RCPT TO",
        responseCode: 550,
        response: "550 5.1.1 User unknown",
      }),
      settings(),
    );
    expect(f).toMatchObject({ stage: "rcpt", temporary: false });
    expect(f.hint).toMatch(/recipient/);
  });

  it("maps OAuth2 token failures to stage auth, and survives odd values", () => {
    const f = classifySmtpError(new OAuthError("The token endpoint answered 401 (invalid_client)"), settings());
    expect(f).toMatchObject({ stage: "auth", temporary: false });
    expect(f.hint).toMatch(/OAuth2 access token/);
    expect(classifySmtpError(null, settings()).stage).toBe("data");
    expect(classifySmtpError("boom", settings()).message).toBe("boom");
  });
});

describe("transportOptions", () => {
  const secrets = { smtpPassword: "pw", oauthClientSecret: null };

  it("never upgrades and never requires TLS with secure connection off, whatever the mode", () => {
    for (const tlsMode of ["auto", "starttls", "implicit"] as const) {
      const o = transportOptions(settings({ secureConnection: false, tlsMode, smtpPort: 465 }), secrets, null, false);
      expect(o).toMatchObject({ secure: false, ignoreTLS: true, requireTLS: false });
    }
  });

  it("uses implicit TLS for 465 in auto mode and tlsMode implicit, STARTTLS (required) otherwise", () => {
    expect(transportOptions(settings({ smtpPort: 465 }), secrets, null, false)).toMatchObject({
      secure: true,
      requireTLS: false,
    });
    expect(transportOptions(settings({ smtpPort: 587 }), secrets, null, false)).toMatchObject({
      secure: false,
      requireTLS: true,
      ignoreTLS: false,
    });
    expect(transportOptions(settings({ smtpPort: 2465, tlsMode: "implicit" }), secrets, null, false).secure).toBe(true);
    expect(transportOptions(settings({ smtpPort: 465, tlsMode: "starttls" }), secrets, null, false).secure).toBe(false);
  });

  it("verifies certificates, adding a custom CA to the system store and a server-name override", () => {
    const plain = transportOptions(settings(), secrets, null, false).tls ?? {};
    expect(plain).toMatchObject({ rejectUnauthorized: true, minVersion: "TLSv1.2" });
    expect(plain).not.toHaveProperty("ca");
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    const custom = transportOptions(
      settings({ caCertificatePem: pem, tlsServername: "relay.internal" }),
      secrets,
      null,
      false,
    ).tls as { ca: string[]; servername: string };
    expect(custom.ca).toContain(pem);
    expect(custom.ca.length).toBe(tls.rootCertificates.length + 1);
    expect(custom.servername).toBe("relay.internal");
    expect(
      transportOptions(settings({ allowInvalidCertificates: true }), secrets, null, false).tls?.rejectUnauthorized,
    ).toBe(false);
  });

  it("logs in anonymously, as DOMAIN\\user, or with an XOAUTH2 token", () => {
    expect(transportOptions(settings(), secrets, null, false).auth).toBeUndefined();
    expect(transportOptions(settings({ smtpUsername: "svc", smtpDomain: "CORP" }), secrets, null, false).auth).toEqual({
      user: "CORP\\svc",
      pass: "pw",
    });
    expect(
      transportOptions(settings({ smtpUsername: "box@x.test", authMethod: "oauth2" }), secrets, "tok", false).auth,
    ).toEqual({ type: "OAuth2", user: "box@x.test", accessToken: "tok" });
  });

  it("sets timeouts, pooling and the rate limit, and keeps nodemailer's logger off", () => {
    const o = transportOptions(
      settings({ connectionTimeoutMs: 1111, greetingTimeoutMs: 2222, socketTimeoutMs: 3333, rateLimitPerMinute: 30 }),
      secrets,
      null,
      true,
    );
    expect(o).toMatchObject({
      connectionTimeout: 1111,
      greetingTimeout: 2222,
      socketTimeout: 3333,
      pool: true,
      rateDelta: 60_000,
      rateLimit: 30,
      logger: false,
      debug: false,
    });
    expect(transportOptions(settings(), secrets, null, false)).not.toHaveProperty("pool");
  });

  it("keys pooled transports by everything that shapes the connection, secrets included", () => {
    const a = transportKey(settings(), secrets);
    expect(transportKey(settings(), { ...secrets })).toBe(a);
    expect(transportKey(settings(), { ...secrets, smtpPassword: "other" })).not.toBe(a);
    expect(transportKey(settings({ smtpPort: 2525 }), secrets)).not.toBe(a);
    expect(a).not.toContain("pw");
  });
});

describe("OAuthTokens (client credentials)", () => {
  let endpoint: TestTokenEndpoint;
  beforeAll(async () => {
    endpoint = await startTokenEndpoint({
      clientId: "cid",
      clientSecret: "csecret",
      accessToken: "tok-1",
      expiresIn: 600,
    });
  });
  afterAll(async () => {
    await endpoint?.close();
  });
  const oauth = () =>
    settings({
      authMethod: "oauth2",
      smtpUsername: "box@x.test",
      oauthTokenUrl: endpoint.url,
      oauthClientId: "cid",
      oauthScope: "scope-a",
    });

  it("fetches a token, caches it until a minute before expiry, then fetches again", async () => {
    const tokens = new OAuthTokens();
    const now = Date.now();
    const before = endpoint.requests.length;
    expect(await tokens.get(oauth(), "csecret", now)).toBe("tok-1");
    expect(endpoint.requests.at(-1)).toEqual({
      grantType: "client_credentials",
      clientId: "cid",
      clientSecret: "csecret",
      scope: "scope-a",
    });
    expect(await tokens.get(oauth(), "csecret", now + 539_000)).toBe("tok-1");
    expect(endpoint.requests.length).toBe(before + 1);
    expect(await tokens.get(oauth(), "csecret", now + 541_000)).toBe("tok-1");
    expect(endpoint.requests.length).toBe(before + 2);
    // Another scope is another token.
    await tokens.get({ ...oauth(), oauthScope: "scope-b" }, "csecret", now + 541_000);
    expect(endpoint.requests.length).toBe(before + 3);
  });

  it("asks the endpoint once for many concurrent sends, and again after a failed request", async () => {
    const tokens = new OAuthTokens();
    const before = endpoint.requests.length;
    const all = await Promise.all(Array.from({ length: 20 }, () => tokens.get(oauth(), "csecret")));
    expect(all).toEqual(Array(20).fill("tok-1"));
    expect(endpoint.requests.length).toBe(before + 1);
    const failing = new OAuthTokens();
    await expect(failing.get(oauth(), "wrong")).rejects.toBeInstanceOf(OAuthError);
    await expect(failing.get(oauth(), "wrong")).rejects.toBeInstanceOf(OAuthError);
    expect(endpoint.requests.length).toBe(before + 3);
  });

  it("raises an OAuthError naming the endpoint's answer, and refuses an incomplete configuration", async () => {
    const tokens = new OAuthTokens();
    const error = await tokens.get(oauth(), "wrong", Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as Error).message).toMatch(/401 \(invalid_client: Client authentication failed\.\)/);
    expect((error as Error).message).not.toContain("wrong");
    await expect(tokens.get(oauth(), null)).rejects.toThrow(/not fully configured/);
    await expect(tokens.get({ ...oauth(), oauthTokenUrl: null }, "csecret")).rejects.toThrow(/not fully configured/);
  });
});
