import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { nextMailTo, outboxTo, pause, plainSettings, waitForOutbox } from "../helpers/email.js";
import { adminApi, createOrg, newPassword, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

const DAY = 86_400_000;

/**
 * Mail that goes to organization administrators (invitations per organization, license notices,
 * announcements, maintenance), each through the organization's effective settings: the host's
 * SMTP server, or the organization's own.
 */
describe.each(testDatabases())("organization mail through effective settings (%s)", (database) => {
  let server: TestServer;
  let host: Api;
  let hostSmtp: TestSmtpServer;
  let orgSmtp: TestSmtpServer;

  beforeAll(async () => {
    [server, hostSmtp, orgSmtp] = await Promise.all([
      startTestServer({ database, env: { DIRIGENT_MAIL_POLL_MS: "100" } }),
      startSmtpServer(),
      startSmtpServer(),
    ]);
    host = await adminApi(server);
    const saved = await host.put(
      "/host/settings/email",
      plainSettings(hostSmtp, { fromAddress: "host@dirigent.test", fromDisplayName: "Dirigent Host" }),
    );
    expect(saved.status, saved.text).toBe(200);
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([hostSmtp?.close(), orgSmtp?.close()]);
  });

  async function customSmtp(org: TestOrg, mode: "custom" | "inherit" = "custom") {
    const res = await org.admin.api.put(`/orgs/${org.slug}/settings/email`, {
      mode,
      ...plainSettings(orgSmtp, { fromAddress: `robots@${org.slug}.test`, fromDisplayName: `${org.name} Robots` }),
    });
    expect(res.status, res.text).toBe(200);
  }

  /** Adds an organization administrator (with a password, so no invitation) in the given language. */
  async function addAdmin(org: TestOrg, locale: "en" | "de") {
    const email = `${unique("admin")}@example.com`;
    const res = await org.admin.api.post(`/orgs/${org.slug}/users`, {
      email,
      password: newPassword(),
      role: "org_admin",
      locale,
    });
    expect(res.status, res.text).toBe(201);
    return email;
  }

  async function invite(org: TestOrg, locale: "en" | "de" = "en") {
    const email = `${unique("invitee")}@example.com`;
    const res = await org.admin.api.post(`/orgs/${org.slug}/users`, { email, name: "Invitee", locale });
    expect(res.status, res.text).toBe(201);
    return email;
  }

  it("sends each organization's mail through its own server, From and display name, or the host's", async () => {
    const [orgA, orgB] = [await createOrg(host), await createOrg(host)];
    await customSmtp(orgA);

    const [a, b] = [await invite(orgA), await invite(orgB, "de")];
    const mailA = await nextMailTo(orgSmtp, a);
    const mailB = await nextMailTo(hostSmtp, b);
    expect(mailA.parsed.from?.value[0]).toEqual({ address: `robots@${orgA.slug}.test`, name: `${orgA.name} Robots` });
    expect(mailA.parsed.subject).toBe(`You are invited to ${orgA.name} on Dirigent`);
    expect(mailA.parsed.messageId).toMatch(new RegExp(`@${orgA.slug}\\.test>$`));
    expect(mailB.parsed.from?.value[0]).toEqual({ address: "host@dirigent.test", name: "Dirigent Host" });
    expect(mailB.parsed.subject).toBe(`Einladung zu ${orgB.name} in Dirigent`);
    expect(hostSmtp.to(a)).toHaveLength(0);
    expect(orgSmtp.to(b)).toHaveLength(0);
    const itemA = await waitForOutbox(host, "/host/email/outbox", (i) => i.to === a && i.status === "sent");
    const itemB = await waitForOutbox(host, "/host/email/outbox", (i) => i.to === b && i.status === "sent");
    expect(itemA.settingsSource).toBe("organization");
    expect(itemB.settingsSource).toBe("host");

    // Settings are read at send time: back on the host's settings, A's next mail goes there.
    await customSmtp(orgA, "inherit");
    const a2 = await invite(orgA);
    const mailA2 = await nextMailTo(hostSmtp, a2);
    expect(mailA2.parsed.from?.value[0]?.address).toBe("host@dirigent.test");
    expect(orgSmtp.to(a2)).toHaveLength(0);
  });

  it("allocates licenses (audited) and lists them for the host and the organization", async () => {
    const [org, other] = [await createOrg(host), await createOrg(host)];
    // 45 days: no notice is due yet (the notices are the next tests' subject).
    const expiresAt = new Date(Date.now() + 45 * DAY).toISOString();
    const put = await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 5, expiresAt });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({
      tenantId: org.defaultTenantId,
      orgId: org.id,
      orgSlug: org.slug,
      robotSlots: 5,
      expiresAt,
      daysLeft: 45,
    });
    const all = await host.get("/host/licenses");
    expect(all.body.items.map((l: { tenantId: number }) => l.tenantId)).toEqual(
      expect.arrayContaining([org.defaultTenantId, other.defaultTenantId]),
    );
    const own = await org.admin.api.get(`/orgs/${org.slug}/licenses`);
    expect(own.status, own.text).toBe(200);
    expect(own.body.items).toEqual([expect.objectContaining({ tenantId: org.defaultTenantId, robotSlots: 5 })]);
    const unlicensed = await other.admin.api.get(`/orgs/${other.slug}/licenses`);
    expect(unlicensed.body.items).toEqual([
      expect.objectContaining({ tenantId: other.defaultTenantId, robotSlots: null, expiresAt: null, daysLeft: null }),
    ]);

    const audit = await host.get("/host/audit-logs?component=Licenses&action=Allocate&limit=1");
    expect(audit.body.items[0]).toMatchObject({
      target: { type: "tenant", id: String(org.defaultTenantId) },
      before: { robotSlots: null, expiresAt: null },
      after: { robotSlots: 5, expiresAt },
    });

    expectProblem(
      await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: -1, expiresAt }),
      400,
      "validation-failed",
    );
    const badDate = await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 1, expiresAt: "next week" });
    expect(expectProblem(badDate, 400, "validation-failed").errors?.map((e) => e.path)).toContain("expiresAt");
    expectProblem(await host.put("/host/licenses/999999999", { robotSlots: 1, expiresAt: null }), 404, "not-found");
    expectProblem(
      await org.admin.api.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 99, expiresAt: null }),
      403,
      "forbidden",
    );
    expect(
      (await host.get("/host/licenses")).body.items.find(
        (l: { tenantId: number }) => l.tenantId === org.defaultTenantId,
      ).robotSlots,
    ).toBe(5);
  });

  it("mails each organization administrator license expiry notices once per stage, in their language", async () => {
    const licenses = server.server.services.licenses;
    const ctx = server.server.services.ctx;
    /** Runs `fn` as if `offsetMs` had passed (notices are queued and sent at that time). */
    const later = async <T>(offsetMs: number, fn: () => Promise<T>) => {
      const real = ctx.clock;
      ctx.clock = { now: () => new Date(Date.now() + offsetMs) };
      try {
        return await fn();
      } finally {
        ctx.clock = real;
      }
    };
    const at = (offsetMs: number) => later(offsetMs, () => licenses.sendDueNotices());
    const org = await createOrg(host);
    const german = await addAdmin(org, "de");
    // A plain user is not told.
    const userRes = await org.admin.api.post(`/orgs/${org.slug}/users`, {
      email: `${unique("user")}@example.com`,
      password: newPassword(),
    });
    expect(userRes.status).toBe(201);
    const expiresAt = new Date(Date.now() + 5 * DAY).toISOString();
    // Allocating queues the notice that is already due, without waiting for the hourly run.
    expect((await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 3, expiresAt })).status).toBe(200);

    expect(await licenses.sendDueNotices()).toBe(0);
    const en = await nextMailTo(hostSmtp, org.admin.email);
    const de = await nextMailTo(hostSmtp, german);
    expect(en.parsed.subject).toBe("Dirigent: the license of tenant Default expires in 7 days");
    expect(en.parsed.text).toContain(`of the organization "${org.name}" expires on`);
    expect(en.parsed.text).toContain("Allocated robot slots: 3.");
    expect(de.parsed.subject).toBe("Dirigent: Lizenz des Mandanten Default läuft in 7 Tagen ab");
    expect(await licenses.sendDueNotices()).toBe(0);
    expect(await at(DAY)).toBe(0);

    // One day before: the 1-day notice, once.
    await later(4.5 * DAY, async () => {
      expect(await licenses.sendDueNotices()).toBe(2);
      expect((await nextMailTo(hostSmtp, org.admin.email, 1)).parsed.subject).toBe(
        "Dirigent: the license of tenant Default expires in 1 day",
      );
      expect((await nextMailTo(hostSmtp, german, 1)).parsed.subject).toBe(
        "Dirigent: Lizenz des Mandanten Default läuft in 1 Tag ab",
      );
    });
    expect(await at(4.6 * DAY)).toBe(0);

    // Past the date: "expired", once.
    await later(6 * DAY, async () => {
      expect(await licenses.sendDueNotices()).toBe(2);
      expect((await nextMailTo(hostSmtp, org.admin.email, 2)).parsed.subject).toBe(
        "Dirigent: the license of tenant Default has expired",
      );
      expect((await nextMailTo(hostSmtp, german, 2)).parsed.subject).toBe(
        "Dirigent: Lizenz des Mandanten Default ist abgelaufen",
      );
    });
    expect(await at(7 * DAY)).toBe(0);

    // A new expiry date starts the notices over (20 days ahead: the 30-day notice).
    const renewed = new Date(Date.now() + 20 * DAY).toISOString();
    expect(
      (await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 3, expiresAt: renewed })).status,
    ).toBe(200);
    expect(await licenses.sendDueNotices()).toBe(0);
    expect((await nextMailTo(hostSmtp, org.admin.email, 3)).parsed.subject).toBe(
      "Dirigent: the license of tenant Default expires in 30 days",
    );
    // Changing only the slots keeps the stage: nothing new.
    expect(
      (await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 4, expiresAt: renewed })).status,
    ).toBe(200);
    expect(await licenses.sendDueNotices()).toBe(0);
    await pause(300);
    expect(hostSmtp.to(org.admin.email)).toHaveLength(4);
    expect(hostSmtp.to(german)).toHaveLength(4);
    expect(hostSmtp.to(userRes.body.email)).toHaveLength(0);
    expect((await outboxTo(host, "/host/email/outbox", org.admin.email)).map((i) => i.template)).toEqual([
      "license-expiring",
      "license-expired",
      "license-expiring",
      "license-expiring",
    ]);
  });

  it("sends an already expired license one 'expired' notice and nothing else", async () => {
    const org = await createOrg(host);
    await customSmtp(org);
    const tenant = await org.admin.api.post(`/orgs/${org.slug}/tenants`, { name: "Legacy" });
    expect(tenant.status, tenant.text).toBe(201);
    const expiresAt = new Date(Date.now() - DAY).toISOString();
    const put = await host.put(`/host/licenses/${tenant.body.id}`, { robotSlots: 1, expiresAt });
    expect(put.body.daysLeft).toBeLessThanOrEqual(-1);
    expect(await server.server.services.licenses.sendDueNotices()).toBe(0);
    const mail = await nextMailTo(orgSmtp, org.admin.email);
    expect(mail.parsed.subject).toBe("Dirigent: the license of tenant Legacy has expired");
    expect(mail.parsed.from?.value[0]?.address).toBe(`robots@${org.slug}.test`);
    expect(await server.server.services.licenses.sendDueNotices()).toBe(0);
    await pause(300);
    expect(orgSmtp.to(org.admin.email)).toHaveLength(1);
    // …and one license-expired alert (system, error) in that tenant.
    const alerts = await org.admin.api.get(`/orgs/${org.slug}/tenants/${tenant.body.id}/alerts?component=system`);
    expect(alerts.body.items).toMatchObject([{ kind: "license-expired", severity: "error", component: "system" }]);
  });

  it("previews and sends an announcement once to the chosen organizations' administrators, in their language", async () => {
    const [orgA, orgB, orgC] = [await createOrg(host), await createOrg(host), await createOrg(host)];
    await customSmtp(orgA);
    const germanB = await addAdmin(orgB, "de");
    const input = {
      kind: "planned-maintenance",
      subjectEn: "Planned maintenance on Saturday",
      bodyEn:
        "Dirigent will be down from 06:00 to 08:00 UTC.\n\nJobs <scheduled> then will start afterwards & not be lost.",
      subjectDe: "Geplante Wartung am Samstag",
      bodyDe: "Dirigent ist von 06:00 bis 08:00 UTC nicht erreichbar.\n\nGeplante Aufträge starten danach.",
      orgIds: [orgA.id, orgB.id],
    };
    const created = await host.post("/host/announcements", input);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ ...input, sentAt: null, recipientCount: null, createdBy: "admin" });
    const id = created.body.id;

    const preview = await host.get(`/host/announcements/${id}/preview?locale=de`);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.subject).toBe("Geplante Wartung am Samstag");
    expect(preview.body.text).toContain("Geplante Aufträge starten danach.");
    expect(preview.body.text).toContain("als Administrator einer Organisation");
    const previewEn = await host.get(`/host/announcements/${id}/preview`);
    expect(previewEn.body.subject).toBe("Planned maintenance on Saturday");
    expect(previewEn.body.html).toContain("Jobs &lt;scheduled&gt; then will start afterwards &amp; not be lost.");
    expect(previewEn.body.html).not.toContain("<scheduled>");
    // The preview sent nothing.
    await pause(200);
    expect(orgSmtp.to(orgA.admin.email)).toHaveLength(0);

    const sent = await host.post(`/host/announcements/${id}/send`);
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body.recipientCount).toBe(3);
    expect(sent.body.sentAt).toBeTruthy();
    const mailA = await nextMailTo(orgSmtp, orgA.admin.email);
    expect(mailA.parsed.subject).toBe("Planned maintenance on Saturday");
    expect(mailA.parsed.from?.value[0]?.address).toBe(`robots@${orgA.slug}.test`);
    expect(mailA.parsed.text).toContain("Jobs <scheduled> then will start afterwards & not be lost.");
    expect((await nextMailTo(hostSmtp, orgB.admin.email)).parsed.subject).toBe("Planned maintenance on Saturday");
    const mailDe = await nextMailTo(hostSmtp, germanB);
    expect(mailDe.parsed.subject).toBe("Geplante Wartung am Samstag");
    expect(mailDe.parsed.text).toContain("Dirigent ist von 06:00 bis 08:00 UTC nicht erreichbar.");

    expectProblem(await host.post(`/host/announcements/${id}/send`), 409, "conflict");
    expectProblem(await host.put(`/host/announcements/${id}`, { ...input, subjectEn: "Changed" }), 409, "conflict");
    await pause(300);
    expect(orgSmtp.to(orgA.admin.email)).toHaveLength(1);
    expect(hostSmtp.to(orgB.admin.email)).toHaveLength(1);
    expect(hostSmtp.to(orgC.admin.email)).toHaveLength(0);
    expect(orgSmtp.to(orgC.admin.email)).toHaveLength(0);

    const audit = await host.get("/host/audit-logs?component=Announcements&action=Send&limit=1");
    expect(audit.body.items[0]).toMatchObject({ target: { id: String(id) }, after: { recipients: 3 } });

    expectProblem(await host.post("/host/announcements", { ...input, orgIds: [999_999_999] }), 404, "not-found");
    const { subjectDe: _, ...missing } = input;
    const invalid = await host.post("/host/announcements", missing);
    expect(expectProblem(invalid, 400, "validation-failed").errors?.map((e) => e.path)).toContain("subjectDe");
    expectProblem(await orgA.admin.api.post("/host/announcements", input), 403, "forbidden");
  });

  it("mails organization administrators when maintenance starts and ends with notify, and not without", async () => {
    const [orgA, orgB] = [await createOrg(host), await createOrg(host)];
    await customSmtp(orgA);
    const germanA = await addAdmin(orgA, "de");

    const start = await host.post("/host/maintenance/start", {
      phase: "draining",
      tenantId: orgA.defaultTenantId,
      notify: true,
    });
    expect(start.status, start.text).toBe(200);
    const started = await nextMailTo(orgSmtp, orgA.admin.email);
    expect(started.parsed.subject).toBe("Dirigent: maintenance of tenant Default has started");
    expect(started.parsed.text).toContain("(draining)");
    expect((await nextMailTo(orgSmtp, germanA)).parsed.subject).toBe(
      "Dirigent: Wartung des Mandanten Default hat begonnen",
    );
    const end = await host.post("/host/maintenance/end", { tenantId: orgA.defaultTenantId, notify: true });
    expect(end.status, end.text).toBe(200);
    expect((await nextMailTo(orgSmtp, orgA.admin.email, 1)).parsed.subject).toBe(
      "Dirigent: maintenance of tenant Default has ended",
    );

    // Without notify: nothing.
    expect(
      (await host.post("/host/maintenance/start", { phase: "draining", tenantId: orgB.defaultTenantId })).status,
    ).toBe(200);
    expect((await host.post("/host/maintenance/end", { tenantId: orgB.defaultTenantId })).status).toBe(200);
    await pause(300);
    expect(hostSmtp.to(orgB.admin.email)).toHaveLength(0);
    expect(orgSmtp.to(orgA.admin.email)).toHaveLength(2);

    // The whole installation: every organization's administrators, each through its settings.
    expect((await host.post("/host/maintenance/start", { phase: "draining", notify: true })).status).toBe(200);
    try {
      expect((await nextMailTo(hostSmtp, orgB.admin.email)).parsed.subject).toBe("Dirigent: maintenance has started");
      expect((await nextMailTo(orgSmtp, orgA.admin.email, 2)).parsed.subject).toBe("Dirigent: maintenance has started");
    } finally {
      expect((await host.post("/host/maintenance/end", { notify: true })).status).toBe(200);
    }
    expect((await nextMailTo(hostSmtp, orgB.admin.email, 1)).parsed.subject).toBe("Dirigent: maintenance has ended");
    expect((await nextMailTo(orgSmtp, germanA, 3)).parsed.subject).toBe("Dirigent: Wartung ist beendet");
  });
});
