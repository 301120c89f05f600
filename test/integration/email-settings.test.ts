import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectProblem } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { closedPort, testCertificates } from "../helpers/smtp.js";

/** A clean configuration that raises no warning. */
const clean = {
  enabled: true,
  smtpHost: "relay.example.test",
  smtpDomain: null,
  smtpPort: 587,
  smtpUsername: null,
  fromAddress: "noreply@example.test",
  fromDisplayName: "Dirigent",
  secureConnection: true,
  tlsMode: "auto",
  allowInvalidCertificates: false,
  provider: "custom",
};

const HOST = "/host/settings/email";

describe.each(testDatabases())("e-mail settings API (%s)", (database) => {
  let server: TestServer;
  let host: Api;
  let orgA: TestOrg;
  let orgB: TestOrg;
  let plainUser: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
    orgA = await createOrg(host);
    orgB = await createOrg(host);
    plainUser = await createUser(orgA.admin.api, orgA.slug);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("round-trips every seed field and every extra of the host settings", async () => {
    const { caCert } = await testCertificates();
    const full = {
      enabled: true,
      smtpHost: "mail.example.test",
      smtpDomain: "CORP",
      smtpPort: 2525,
      smtpUsername: "svc-dirigent",
      fromAddress: "robots@example.test",
      fromDisplayName: "Dirigent Robots – Zentrale",
      secureConnection: true,
      tlsMode: "starttls",
      caCertificatePem: caCert,
      tlsServername: "relay.example.test",
      allowInvalidCertificates: false,
      replyTo: "ops@example.test",
      envelopeSender: "bounces@example.test",
      connectionTimeoutMs: 5000,
      greetingTimeoutMs: 4000,
      socketTimeoutMs: 30_000,
      rateLimitPerMinute: 120,
      authMethod: "password",
      oauthTokenUrl: null,
      oauthClientId: null,
      oauthScope: null,
      provider: "custom",
    };
    const put = await host.put(HOST, { ...full, smtpPassword: "Round-Trip-Pw-1" });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ ...full, hasSmtpPassword: true, hasOauthClientSecret: false, updatedBy: "admin" });
    expect(put.body.warnings).toEqual([]);
    expect(put.body).not.toHaveProperty("smtpPassword");
    const get = await host.get(HOST);
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ ...full, hasSmtpPassword: true });
    expect(Date.parse(get.body.updatedAt)).toBeGreaterThan(Date.now() - 60_000);

    // Every field changes again, to other values (null included), and the change sticks.
    const other = {
      ...full,
      enabled: false,
      smtpHost: "192.0.2.25",
      smtpDomain: null,
      smtpPort: 465,
      smtpUsername: null,
      fromAddress: "other@example.test",
      fromDisplayName: null,
      secureConnection: true,
      tlsMode: "implicit",
      caCertificatePem: null,
      tlsServername: null,
      replyTo: null,
      envelopeSender: null,
      connectionTimeoutMs: 10_000,
      rateLimitPerMinute: null,
      provider: "ses",
    };
    const put2 = await host.put(HOST, other);
    expect(put2.status, put2.text).toBe(200);
    expect((await host.get(HOST)).body).toMatchObject({ ...other, hasSmtpPassword: true });

    const v6 = await host.put(HOST, { smtpHost: "2001:db8::25" });
    expect(v6.status, v6.text).toBe(200);
    expect(v6.body.smtpHost).toBe("2001:db8::25");
  });

  it("keeps the password write-only: omitted keeps it, null clears it, it is never returned", async () => {
    const password = "Write-Only-Secret-7";
    const set = await host.put(HOST, { ...clean, smtpUsername: "mailer", smtpPassword: password });
    expect(set.status, set.text).toBe(200);
    expect(set.body.hasSmtpPassword).toBe(true);
    expect(set.text).not.toContain(password);

    const keep = await host.put(HOST, { fromDisplayName: "Renamed" });
    expect(keep.body).toMatchObject({ hasSmtpPassword: true, fromDisplayName: "Renamed" });

    // A client may send the GET answer back as it is (hasSmtpPassword included): nothing changes.
    const got = await host.get(HOST);
    const { warnings: _w, updatedAt: _u, updatedBy: _b, ...echo } = got.body;
    const roundTrip = await host.put(HOST, echo);
    expect(roundTrip.status, roundTrip.text).toBe(200);
    expect(roundTrip.body.hasSmtpPassword).toBe(true);

    const row = await server.server.storage.db
      .selectFrom("email_settings")
      .select("smtp_password_enc")
      .where("org_id", "is", null)
      .executeTakeFirstOrThrow();
    expect(row.smtp_password_enc).toMatch(/^v1\./);
    expect(row.smtp_password_enc).not.toContain(password);

    const cleared = await host.put(HOST, { smtpPassword: null });
    expect(cleared.body.hasSmtpPassword).toBe(false);
    expect(JSON.stringify((await host.get(HOST)).body)).not.toContain(password);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["a host name with a space", { smtpHost: "bad host" }, "smtpHost"],
    ["a host name with an empty label", { smtpHost: "mail..example.test" }, "smtpHost"],
    ["a host name with a slash", { smtpHost: "smtp://mail.example.test" }, "smtpHost"],
    ["port 0", { smtpPort: 0 }, "smtpPort"],
    ["port 65536", { smtpPort: 65_536 }, "smtpPort"],
    ["a fractional port", { smtpPort: 25.5 }, "smtpPort"],
    ["a port as a string", { smtpPort: "587" }, "smtpPort"],
    ["a From address without @", { fromAddress: "not-an-address" }, "fromAddress"],
    ["a Reply-To address without domain", { replyTo: "ops@" }, "replyTo"],
    ["an envelope sender that is no address", { envelopeSender: "bounces" }, "envelopeSender"],
    ["CR/LF in the display name", { fromDisplayName: "Dirigent\r\nBcc: victim@example.com" }, "fromDisplayName"],
    ["LF in the display name", { fromDisplayName: "Dirigent\nX-Evil: 1" }, "fromDisplayName"],
    ["a display name over 256 characters", { fromDisplayName: "x".repeat(257) }, "fromDisplayName"],
    ["CR/LF in the username", { smtpUsername: "mailer\r\nRCPT TO:<victim@example.com>" }, "smtpUsername"],
    ["CR/LF in the domain", { smtpDomain: "CORP\r\nX" }, "smtpDomain"],
    ["CR/LF in Reply-To", { replyTo: "ops@example.test\r\nBcc: victim@example.com" }, "replyTo"],
    ["LF in the From address", { fromAddress: "a@example.test\nBcc: victim@example.com" }, "fromAddress"],
    ["a line break in the password", { smtpPassword: "pass\r\nword" }, "smtpPassword"],
    ["an unknown TLS mode", { tlsMode: "ssl" }, "tlsMode"],
    ["a CA certificate that is no PEM", { caCertificatePem: "not a certificate" }, "caCertificatePem"],
    ["a greeting timeout under one second", { greetingTimeoutMs: 10 }, "greetingTimeoutMs"],
    ["enabled without a host", { enabled: true, smtpHost: "" }, "smtpHost"],
    ["enabled without a From address", { enabled: true, fromAddress: "" }, "fromAddress"],
    ["OAuth2 without token URL, client or secret", { authMethod: "oauth2", smtpUsername: "box" }, "oauthTokenUrl"],
  ];

  it.each(invalid)("rejects %s, naming the field, and changes nothing (host)", async (_name, change, path) => {
    const base = await host.put(HOST, clean);
    expect(base.status, base.text).toBe(200);
    const before = (await host.get(HOST)).body;
    const res = await host.put(HOST, change);
    const problem = expectProblem(res, 400, "validation-failed");
    expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect(res.text).not.toContain("victim@example.com>");
    expect((await host.get(HOST)).body).toEqual(before);
  });

  it("rejects the same bad input at organization level, and unknown fields", async () => {
    for (const [, change, path] of invalid.slice(0, 17)) {
      const res = await orgA.admin.api.put(`/orgs/${orgA.slug}/settings/email`, {
        mode: "custom",
        ...clean,
        ...change,
      });
      const problem = expectProblem(res, 400, "validation-failed");
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(change),
      ).toContain(path);
    }
    expectProblem(await host.put(HOST, { smtpPasswd: "typo" }), 400, "validation-failed");
    expectProblem(
      await orgA.admin.api.put(`/orgs/${orgA.slug}/settings/email`, { mode: "sometimes" }),
      400,
      "validation-failed",
    );
    const after = await orgA.admin.api.get(`/orgs/${orgA.slug}/settings/email`);
    expect(after.body).toMatchObject({ mode: "inherit", smtpHost: "" });
  });

  it("answers wrong content types, oversized bodies and oversized fields with clear problems", async () => {
    const before = (await host.get(HOST)).body;
    const text = await host.request("PUT", HOST, JSON.stringify(clean), { "content-type": "text/plain" });
    expectProblem(text, 415, "unsupported-media-type");
    const huge = await host.put(HOST, { ...clean, fromDisplayName: "x".repeat(300 * 1024) });
    expectProblem(huge, 413, "payload-too-large");
    const bigPem = `-----BEGIN CERTIFICATE-----\n${"A".repeat(70_000)}\n-----END CERTIFICATE-----`;
    const pem = await host.put(HOST, { caCertificatePem: bigPem });
    expect(expectProblem(pem, 400, "validation-failed").errors?.map((e) => e.path)).toEqual(["caCertificatePem"]);
    expectProblem(
      await host.request("PUT", HOST, "{not json", { "content-type": "application/json" }),
      400,
      "validation-failed",
    );
    expectProblem(await host.put(HOST, [clean]), 400, "validation-failed");
    expect((await host.get(HOST)).body).toEqual(before);
  });

  const warningCases: [string, Record<string, unknown>, string, string][] = [
    [
      "Gmail with From ≠ username",
      {
        smtpHost: "smtp.gmail.com",
        smtpUsername: "me@gmail.com",
        smtpPassword: "app-pw",
        fromAddress: "other@example.test",
      },
      "gmail-from-differs",
      "fromAddress",
    ],
    ["port 465 with STARTTLS", { smtpPort: 465, tlsMode: "starttls" }, "port-465-starttls", "tlsMode"],
    ["port 587 with implicit TLS", { smtpPort: 587, tlsMode: "implicit" }, "port-587-implicit", "tlsMode"],
    [
      "a username without secure connection",
      { secureConnection: false, smtpUsername: "mailer" },
      "credentials-without-tls",
      "secureConnection",
    ],
    [
      "a password without secure connection",
      { secureConnection: false, smtpPassword: "only-a-password" },
      "credentials-without-tls",
      "secureConnection",
    ],
    ["port 25", { smtpPort: 25 }, "port-25", "smtpPort"],
    [
      "invalid certificates allowed",
      { allowInvalidCertificates: true },
      "invalid-certificates-allowed",
      "allowInvalidCertificates",
    ],
  ];

  it.each(warningCases)("saves %s with a warning, not an error", async (_name, change, code, field) => {
    const res = await host.put(HOST, { ...clean, smtpPassword: null, ...change });
    expect(res.status, res.text).toBe(200);
    expect(res.body.warnings).toContainEqual(expect.objectContaining({ code, field }));
    expect(res.body.warnings.every((w: { message: string }) => w.message.length > 10)).toBe(true);
    // The settings page shows the same warnings on load.
    expect((await host.get(HOST)).body.warnings).toContainEqual(expect.objectContaining({ code }));
    // And they go away once the combination is fixed.
    const fixed = await host.put(HOST, { ...clean, smtpPassword: null });
    expect(fixed.body.warnings).toEqual([]);
  });

  it("gives no Gmail warning when From equals the username", async () => {
    const res = await host.put(HOST, {
      ...clean,
      smtpHost: "smtp.gmail.com",
      smtpUsername: "Me@Gmail.com",
      fromAddress: "me@gmail.com",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.warnings).toEqual([]);
  });

  it("lets an organization inherit, go custom, go back and restore its custom values", async () => {
    const hostSaved = await host.put(HOST, {
      ...clean,
      smtpHost: "host-relay.example.test",
      smtpPassword: "host-pw-1",
    });
    expect(hostSaved.status, hostSaved.text).toBe(200);
    const org = await createOrg(host);
    const path = `/orgs/${org.slug}/settings/email`;

    const initial = await org.admin.api.get(path);
    expect(initial.status, initial.text).toBe(200);
    expect(initial.body).toMatchObject({
      mode: "inherit",
      source: "host",
      smtpHost: "",
      enabled: false,
      hasSmtpPassword: false,
      // The installation's server is the host's business: the org administrator learns only that it is used.
      effective: null,
      installation: { configured: true, enabled: true },
    });
    for (const detail of ["host-relay.example.test", "noreply@example.test"])
      expect(JSON.stringify(initial.body), detail).not.toContain(detail);
    // The system administrator looking at the organization sees what is in force.
    expect((await host.get(path)).body).toMatchObject({
      effective: { smtpHost: "host-relay.example.test", hasSmtpPassword: true },
    });

    const custom = {
      ...clean,
      smtpHost: "org-relay.example.test",
      smtpPort: 2587,
      smtpUsername: "org-mailer",
      fromAddress: "org@example.test",
      fromDisplayName: "Org Robots",
    };
    const put = await org.admin.api.put(path, { mode: "custom", ...custom, smtpPassword: "org-pw-2" });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({
      mode: "custom",
      source: "organization",
      ...custom,
      hasSmtpPassword: true,
      effective: { ...custom, hasSmtpPassword: true },
    });
    expect(put.text).not.toContain("org-pw-2");
    expect(put.text).not.toContain("host-pw-1");

    const inherit = await org.admin.api.put(path, { mode: "inherit" });
    expect(inherit.status, inherit.text).toBe(200);
    expect(inherit.body).toMatchObject({
      mode: "inherit",
      source: "host",
      smtpHost: "org-relay.example.test",
      hasSmtpPassword: true,
      effective: null,
      installation: { configured: true, enabled: true },
    });
    expect(inherit.text).not.toContain("host-relay.example.test");

    const back = await org.admin.api.put(path, { mode: "custom" });
    expect(back.body).toMatchObject({
      mode: "custom",
      source: "organization",
      ...custom,
      hasSmtpPassword: true,
      effective: { ...custom, hasSmtpPassword: true },
    });

    // The system administrator sees and may change the same settings.
    const asHost = await host.get(path);
    expect(asHost.status).toBe(200);
    expect(asHost.body).toMatchObject({ mode: "custom", smtpHost: "org-relay.example.test" });
    // The host settings themselves did not change.
    expect((await host.get(HOST)).body.smtpHost).toBe("host-relay.example.test");
  });

  it("enables sending when complete custom settings are saved without `enabled`; only an explicit false holds mail", async () => {
    const org = await createOrg(host);
    const path = `/orgs/${org.slug}/settings/email`;
    const custom = { smtpHost: "org-relay.example.test", smtpPort: 2587, fromAddress: "org@example.test" };
    // Incomplete settings cannot send, so they stay off.
    const partial = await org.admin.api.put(path, { mode: "custom", smtpHost: "org-relay.example.test" });
    expect(partial.status, partial.text).toBe(200);
    expect(partial.body).toMatchObject({ mode: "custom", enabled: false });
    const put = await org.admin.api.put(path, { mode: "custom", ...custom });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ mode: "custom", enabled: true, effective: { ...custom, enabled: true } });

    const off = await org.admin.api.put(path, { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, effective: { enabled: false } });
    // An edit without `enabled` keeps the explicit "off", and so does a switch to inherit and back.
    expect((await org.admin.api.put(path, { smtpPort: 2588 })).body).toMatchObject({ enabled: false, smtpPort: 2588 });
    await org.admin.api.put(path, { mode: "inherit" });
    expect((await org.admin.api.put(path, { mode: "custom" })).body).toMatchObject({ enabled: false });
    expect((await org.admin.api.put(path, { enabled: true })).body).toMatchObject({ enabled: true });
  });

  it("is for organization administrators only: users 403, other organizations 404, anonymous 401", async () => {
    const path = (o: TestOrg) => `/orgs/${o.slug}/settings/email`;
    const before = (await host.get(path(orgB))).body;
    const calls: [string, string, unknown?][] = [
      ["GET", "/settings/email"],
      ["PUT", "/settings/email", { mode: "custom", ...clean }],
      ["POST", "/settings/email/test", { to: "x@example.test" }],
      ["GET", "/email/outbox"],
      ["GET", "/email/outbox/1"],
      ["POST", "/email/outbox/1/resend", {}],
      ["GET", "/licenses"],
    ];
    for (const [method, suffix, body] of calls) {
      const forbidden = await plainUser.api.request(method, `/orgs/${orgA.slug}${suffix}`, body);
      expectProblem(forbidden, 403, "forbidden");
      const other = await orgA.admin.api.request(method, `/orgs/${orgB.slug}${suffix}`, body);
      expectProblem(other, 404, "not-found");
      const anonymous = await new Api(server.url).request(method, `/orgs/${orgA.slug}${suffix}`, body);
      expect(anonymous.status, `${method} ${suffix}`).toBe(401);
    }
    // Host endpoints: org users are not system administrators.
    expectProblem(await orgA.admin.api.get(HOST), 403, "forbidden");
    expectProblem(await orgA.admin.api.put(HOST, clean), 403, "forbidden");
    expectProblem(await orgA.admin.api.post(`${HOST}/test`, { to: "x@example.test" }), 403, "forbidden");
    expectProblem(await orgA.admin.api.get("/host/email/outbox"), 403, "forbidden");
    expect((await host.get(path(orgB))).body).toEqual(before);
  });

  it("audits every change (the password only as changed), every mode switch and every test", async () => {
    const password = "Audit-Secret-9";
    const port = await closedPort();
    const hostPut = await host.put(HOST, {
      ...clean,
      smtpHost: "audit-relay.example.test",
      smtpPassword: password,
    });
    expect(hostPut.status, hostPut.text).toBe(200);
    const hostLog = await host.get("/host/audit-logs?component=Settings&action=Update&limit=5");
    expect(hostLog.status, hostLog.text).toBe(200);
    const hostRow = hostLog.body.items[0];
    expect(hostRow).toMatchObject({
      actor: { kind: "admin", name: "admin" },
      target: { type: "email-settings", id: "host" },
      after: { smtpHost: "audit-relay.example.test", smtpPasswordChanged: true },
    });
    expect(hostRow.clientIp).toBeTruthy();
    expect(hostRow.after).not.toHaveProperty("smtpPassword");
    // A change that leaves the password alone does not claim it changed.
    await host.put(HOST, { fromDisplayName: "Audit Display" });
    const second = (await host.get("/host/audit-logs?component=Settings&action=Update&limit=1")).body.items[0];
    expect(second.after).toEqual({ fromDisplayName: "Audit Display" });
    expect(second.before).toEqual({ fromDisplayName: "Dirigent" });

    const hostTest = await host.post(`${HOST}/test`, {
      to: "audit-test@example.test",
      settings: { smtpHost: "127.0.0.1", smtpPort: port, secureConnection: false },
    });
    expect(hostTest.body).toMatchObject({ ok: false, stage: "connect" });
    const testRow = (await host.get("/host/audit-logs?component=Settings&action=Test%20E-mail&limit=1")).body.items[0];
    expect(testRow.after).toMatchObject({ to: "audit-test@example.test", ok: false, stage: "connect" });

    // Organization administrators' changes go to the organization's own log.
    const org = await createOrg(host);
    const path = `/orgs/${org.slug}/settings/email`;
    const api = org.admin.api;
    expect((await api.put(path, { mode: "custom", ...clean, smtpPassword: "org-audit-pw" })).status).toBe(200);
    expect((await api.put(path, { mode: "inherit" })).status).toBe(200);
    const orgTest = await api.post(`${path}/test`, {
      to: "org-test@example.test",
      settings: { smtpHost: "127.0.0.1", smtpPort: port, secureConnection: false },
    });
    expect(orgTest.body).toMatchObject({ ok: false, stage: "connect" });
    const orgLog = await api.get(`/orgs/${org.slug}/audit-logs?component=Settings&limit=10`);
    expect(orgLog.status, orgLog.text).toBe(200);
    const [test, toInherit, toCustom] = orgLog.body.items;
    expect(toCustom).toMatchObject({
      action: "Update",
      actor: { kind: "user", name: org.admin.email },
      before: { mode: null },
      after: { mode: "custom", smtpHost: "relay.example.test", smtpPasswordChanged: true },
    });
    expect(toInherit).toMatchObject({ action: "Update", before: { mode: "custom" }, after: { mode: "inherit" } });
    expect(test).toMatchObject({ action: "Test E-mail", after: { to: "org-test@example.test", stage: "connect" } });
    const csv = await host.request("GET", "/host/audit-logs.csv");
    const orgCsv = await api.request("GET", `/orgs/${org.slug}/audit-logs.csv`);
    for (const text of [hostLog.text, orgLog.text, csv.text, orgCsv.text]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain("org-audit-pw");
    }
    expect(orgCsv.text).toContain("smtpPasswordChanged");
  });
});
