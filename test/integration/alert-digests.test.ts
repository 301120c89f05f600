import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Schedule } from "../../src/domain/cron.js";
import { defaultMinSeverity } from "../../src/shared/alerts.js";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { nextMailTo, outboxTo, plainSettings } from "../helpers/email.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startTestServer, TestClock, type TestServer } from "../helpers/server.js";
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

const slow = { timeout: 120_000 };
const tenMinutes = 600_000;

type Prefs = {
  component: string;
  inApp: string | null;
  email: string | null;
  digest: string | null;
  summary: string | null;
};
const off = (component: string): Prefs => ({ component, inApp: "info", email: null, digest: null, summary: null });
const allOff = () => ["jobs", "robots", "queues", "triggers", "webhooks", "system"].map(off);
function prefs(changes: Partial<Prefs>[]): Prefs[] {
  return allOff().map((p) => ({ ...p, ...changes.find((c) => c.component === p.component) }));
}

/**
 * A time zone whose next 07:00 is at most an hour away (the whole-hour zones cover every UTC
 * hour), so the test moves the clock forward by less than an hour to reach the daily summary.
 */
function zoneWithSevenSoon(now: Date): { zone: string; at: Date } {
  const zones = [
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/Sao_Paulo",
    "Atlantic/South_Georgia",
    "Atlantic/Azores",
    "UTC",
    "Europe/Berlin",
    "Europe/Athens",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Brisbane",
    "Pacific/Noumea",
    "Pacific/Fiji",
    "Pacific/Tongatapu",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Etc/GMT+12",
  ];
  const best = zones
    .map((zone) => ({ zone, at: new Schedule("0 7 * * *", zone).next(now) as Date }))
    .sort((a, b) => a.at.getTime() - b.at.getTime())[0];
  return best as { zone: string; at: Date };
}

/**
 * Alert preferences, digests and daily summaries: per user, component and channel; batched
 * Error/Fatal mails every 10 minutes; a summary at 07:00 tenant time in the reader's language;
 * defaults for new users; the alerts page's filters and read marks; bad input refused.
 */
describe.each(testDatabases())("alert digests and preferences on %s", slow, (database) => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  const clock = new TestClock();
  let agentTmp: string;

  beforeAll(async () => {
    agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-digest-agents-"));
    [server, smtp] = await Promise.all([
      startTestServer({
        database,
        clock,
        // The clock moves up to an hour per test: API tokens must outlive it.
        env: {
          DIRIGENT_MAIL_POLL_MS: "100",
          DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1",
          DIRIGENT_SERVICES: "mail",
          DIRIGENT_TOKEN_TTL_SECONDS: "86400",
        },
      }),
      startSmtpServer(),
    ]);
    const host = await adminApi(server);
    expect((await host.put("/host/settings/email", plainSettings(smtp))).status).toBe(200);
  });
  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
    await smtp?.close();
    if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
  });

  const services = () => server.server.services;
  const tenantName = async (org: TestOrg) =>
    (
      await services()
        .ctx.db.selectFrom("tenants")
        .select("name")
        .where("id", "=", org.defaultTenantId)
        .executeTakeFirstOrThrow()
    ).name;

  async function freshOrg(): Promise<{ org: TestOrg; t: string; outbox: string }> {
    const org = await createOrg(await adminApi(server));
    return { org, t: `/orgs/${org.slug}/tenants/${org.defaultTenantId}`, outbox: `/orgs/${org.slug}/email/outbox` };
  }

  async function user(
    org: TestOrg,
    locale: "en" | "de" = "en",
    role: "user" | "org_admin" = "org_admin",
  ): Promise<TestUser> {
    const u = await createUser(org.admin.api, org.slug, { role });
    if (locale !== "en") expect((await u.api.patch("/me", { locale })).status).toBe(200);
    return u;
  }

  async function setPrefs(api: Api, t: string, items: Prefs[]) {
    const res = await api.put(`${t}/alerts/preferences`, { items });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ source: "own", items });
  }

  const raise = (tenantId: number, kind: string, details: Record<string, string | number | null>, link?: string) =>
    services().alerts.raiseKind(services().ctx.db, kind, { tenantId, link: link ?? null }, details);

  /** Moves the clock just past the end of the current 10-minute window (and the grace). */
  function pastWindowEnd() {
    const now = clock.now().getTime();
    clock.advance(Math.ceil((now + 1) / tenMinutes) * tenMinutes + 6_000 - now);
  }

  function unsubscribeToken(mail: ReceivedMail): string {
    const match = /\/unsubscribe\?token=(dgu_[\w-]+)/.exec(mail.parsed.text ?? "");
    expect(match, mail.parsed.text).not.toBeNull();
    return (match as RegExpExecArray)[1] as string;
  }

  it("mails one digest per user after the 10-minute window, listing its Error and Fatal alerts, once", async () => {
    const { org, t, outbox } = await freshOrg();
    const tid = org.defaultTenantId;
    const digest = await user(org);
    const fatalOnly = await user(org);
    const none = await user(org);
    await setPrefs(
      digest.api,
      t,
      prefs([
        { component: "jobs", digest: "error" },
        { component: "robots", digest: "error" },
      ]),
    );
    await setPrefs(fatalOnly.api, t, prefs([{ component: "jobs", digest: "fatal" }]));
    // Not every window ends in the test's first second: the alerts are raised right after a boundary.
    pastWindowEnd();
    await raise(tid, "job-faulted", { jobId: 41, processName: "Invoices", error: "file missing" }, "/jobs/41");
    await raise(
      tid,
      "robot-unresponsive",
      { machineName: "laptop-7", hostName: "host-7", reason: null },
      "/machines/3",
    );
    await raise(tid, "robot-disconnected", { machineName: "laptop-7", hostName: "host-7", reason: "closed" }); // warn: not batched

    expect(await services().alertDigests.batches()).toBe(0); // the window is still open
    pastWindowEnd();
    expect(await services().alertDigests.batches()).toBe(1);
    expect(await services().alertDigests.batches()).toBe(0); // claimed: never twice

    const mail = await nextMailTo(smtp, digest.email);
    expect(mail.parsed.subject).toBe(`Dirigent: 2 new alerts (Error/Fatal) in ${await tenantName(org)}`);
    const text = mail.parsed.text ?? "";
    expect(text).toContain("Job 41 of Invoices faulted: file missing");
    expect(text).toContain("Robot laptop-7 on host-7 is unresponsive");
    expect(text).not.toContain("disconnected");
    expect(text).toContain(`/org/t/${tid}/jobs/41`);
    expect(text).toContain(`/org/t/${tid}/alerts/preferences`);
    expect(mail.parsed.headerLines.some((h) => h.key === "list-unsubscribe")).toBe(true);
    for (const u of [fatalOnly, none]) expect(await outboxTo(org.admin.api, outbox, u.email)).toEqual([]);
    // No immediate mails: the digest user chose only the digest.
    expect((await outboxTo(org.admin.api, outbox, digest.email)).map((o: { template: string }) => o.template)).toEqual([
      "alert-digest",
    ]);

    // The one-click link ends the digest (of every component) and nothing else.
    const res = await new Api(server.url).post(`/alert-emails/unsubscribe?token=${unsubscribeToken(mail)}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ component: "all", channel: "digest" });
    const after = await digest.api.get(`${t}/alerts/preferences`);
    expect(after.body.items.every((p: Prefs) => p.digest === null && p.inApp === "info")).toBe(true);
  });

  it("mails the daily summary at 07:00 tenant time, in English and German, once", async () => {
    const { org, t, outbox } = await freshOrg();
    const tid = org.defaultTenantId;
    const { zone, at } = zoneWithSevenSoon(clock.now());
    expect((await org.admin.api.put(`${t}/settings`, { timeZone: zone })).status).toBe(200);
    const english = await user(org, "en");
    const german = await user(org, "de");
    const noSummary = await user(org);
    for (const u of [english, german])
      await setPrefs(
        u.api,
        t,
        prefs([
          { component: "jobs", summary: "info" },
          { component: "robots", summary: "warn" },
        ]),
      );
    for (const id of [1, 2, 3])
      await raise(tid, "job-faulted", { jobId: id, processName: "Invoices", error: "boom" }, `/jobs/${id}`);
    await raise(tid, "job-faulted", { jobId: 9, processName: "Payroll", error: "late" }, "/jobs/9");
    await raise(tid, "robot-disconnected", { machineName: "laptop-7", hostName: "h", reason: "closed" });
    await raise(tid, "queue-item-failed", { queueName: "Q", itemId: 5, reason: "x" }); // queues: not chosen

    expect(await services().alertDigests.summaries()).toBe(0); // before 07:00
    clock.advance(at.getTime() - clock.now().getTime() + 60_000);
    expect(await services().alertDigests.summaries()).toBe(2);
    expect(await services().alertDigests.summaries()).toBe(0);

    const en = await nextMailTo(smtp, english.email);
    const name = await tenantName(org);
    expect(en.parsed.subject).toBe(`Dirigent: daily summary for ${name} – 5 alerts`);
    const enText = en.parsed.text ?? "";
    expect(enText).toContain(`(${zone})`);
    expect(enText).toContain("Jobs: 4 (4 Error)");
    expect(enText).toContain("Robots: 1 (1 Warning)");
    expect(enText).not.toContain("Queues:");
    expect(enText).toContain("Top faults:");
    expect(enText).toMatch(/3× Job 3 of Invoices faulted: boom\n\S+\/org\/t\/\d+\/jobs\/3/);
    expect(enText).toContain("1× Job 9 of Payroll faulted: late");
    expect(enText).toContain(`/org/t/${tid}/alerts/preferences`);

    const de = await nextMailTo(smtp, german.email);
    expect(de.parsed.subject).toBe(`Dirigent: Tägliche Zusammenfassung für ${name} – 5 Warnungen`);
    const deText = de.parsed.text ?? "";
    expect(deText).toContain("Jobs: 4 (4 Fehler)");
    expect(deText).toContain("Roboter: 1 (1 Warnung)");
    expect(deText).toContain("Häufigste Fehler:");
    expect(deText).toContain("3× Job 3 von Invoices ist fehlgeschlagen: boom");
    expect(deText).toContain("Tägliche Zusammenfassung abbestellen");
    expect(await outboxTo(org.admin.api, outbox, noSummary.email)).toEqual([]);
  });

  it("applies the tenant's defaults to users without their own preferences, and own ones win", async () => {
    const { org, t, outbox } = await freshOrg();
    const tid = org.defaultTenantId;
    const member = await user(org, "en", "user");
    expectProblem(await member.api.put(`${t}/alerts/preference-defaults`, { items: prefs([]) }), 403, "forbidden");
    const defaults = prefs([
      { component: "system", email: "warn" },
      { component: "robots", inApp: null },
    ]);
    const set = await org.admin.api.put(`${t}/alerts/preference-defaults`, { items: defaults });
    expect(set.status, set.text).toBe(200);
    expect(set.body.items).toEqual(defaults);

    const newcomer = await user(org);
    const own = await user(org);
    expect((await newcomer.api.get(`${t}/alerts/preferences`)).body).toEqual({ source: "defaults", items: defaults });
    await setPrefs(own.api, t, prefs([]));

    await services()
      .ctx.db.transaction()
      .execute((tx) =>
        services().alerts.raiseKind(tx, "license-expiring", { tenantId: tid }, { tenantName: "T", days: 7 }),
      );
    const mail = await nextMailTo(smtp, newcomer.email);
    expect(mail.parsed.subject).toMatch(/^Dirigent alert \(Warning\): The license of tenant T expires in 7 day/);
    expect(mail.parsed.text).toContain(`/org/t/${tid}/alerts/preferences`);
    expect(await outboxTo(org.admin.api, outbox, own.email)).toEqual([]);

    // In-app: the defaults hide robot alerts from the newcomer, the own preferences show them.
    await raise(tid, "robot-disconnected", { machineName: "m", hostName: "h", reason: "closed" });
    const kinds = async (u: TestUser, query = "") =>
      (await u.api.get(`${t}/alerts?limit=50${query}`)).body.items.map((a: { kind: string }) => a.kind);
    expect(await kinds(newcomer)).toEqual(["license-expiring"]);
    expect(await kinds(own)).toEqual(["robot-disconnected", "license-expiring"]);
  });

  it("raises a license-expiring alert (system, warning) with the license notice", async () => {
    const { org, t } = await freshOrg();
    const host = await adminApi(server);
    const expiresAt = new Date(clock.now().getTime() + 7 * 86_400_000 - 3_600_000).toISOString();
    expect((await host.put(`/host/licenses/${org.defaultTenantId}`, { robotSlots: 2, expiresAt })).status).toBe(200);
    await services().licenses.sendDueNotices(); // setting the license may have sent it already
    const alerts = await org.admin.api.get(`${t}/alerts?component=system`);
    expect(alerts.body.items).toMatchObject([
      { kind: "license-expiring", severity: "warn", component: "system", details: { days: 7 } },
    ]);
  });

  it("filters the alerts page and keeps read marks per user", async () => {
    const { org, t } = await freshOrg();
    const tid = org.defaultTenantId;
    const a = await user(org);
    const b = await user(org);
    const start = clock.now().toISOString();
    await raise(tid, "robot-disconnected", { machineName: "m", hostName: "h", reason: "closed" });
    await raise(tid, "robot-unresponsive", { machineName: "m", hostName: "h", reason: null });
    await raise(tid, "job-faulted", { jobId: 1, processName: "P", error: "e" }, "/jobs/1");
    const list = async (u: TestUser, query = "") => {
      const res = await u.api.get(`${t}/alerts?limit=50${query}`);
      expect(res.status, res.text).toBe(200);
      return res.body as { items: { id: number; kind: string; read: boolean }[]; unread: number };
    };
    const all = await list(a);
    expect(all.items.map((i) => i.kind)).toEqual(["job-faulted", "robot-unresponsive", "robot-disconnected"]);
    expect(all.unread).toBe(3);
    expect((await list(a, "&severity=error")).items.map((i) => i.kind)).toEqual(["job-faulted", "robot-unresponsive"]);
    expect((await list(a, "&component=robots")).items.map((i) => i.kind)).toEqual([
      "robot-unresponsive",
      "robot-disconnected",
    ]);
    expect((await list(a, `&from=${encodeURIComponent(start)}&to=${encodeURIComponent(start)}`)).items).toEqual([]);

    const read = await a.api.post(`${t}/alerts/read`, { ids: [all.items[0]?.id] });
    expect(read.status, read.text).toBe(204);
    expect((await list(a, "&state=unread")).items.map((i) => i.kind)).toEqual([
      "robot-unresponsive",
      "robot-disconnected",
    ]);
    expect((await list(a, "&state=read")).items.map((i) => i.kind)).toEqual(["job-faulted"]);
    expect((await list(b)).unread).toBe(3); // read marks are per user
    expect((await a.api.post(`${t}/alerts/read-all`, {})).status).toBe(204);
    const after = await list(a);
    expect(after.unread).toBe(0);
    expect(after.items.every((i) => i.read)).toBe(true);
    await raise(tid, "job-faulted", { jobId: 2, processName: "P", error: "e" }, "/jobs/2");
    expect((await list(a, "&state=unread")).items.map((i) => i.kind)).toEqual(["job-faulted"]);
  });

  it("refuses bad preferences, filters and read marks with 400 naming every field, and changes nothing", async () => {
    const { org, t } = await freshOrg();
    const u = await user(org);
    const paths = async (res: Awaited<ReturnType<Api["put"]>>) =>
      (expectProblem(res, 400, "validation-failed").errors ?? []).map((e) => e.path).sort();
    expect(
      await paths(
        await u.api.put(`${t}/alerts/preferences`, {
          items: [
            { component: "jobs", inApp: "loud", email: null, digest: "warn", summary: null },
            { component: "jobs", inApp: null, email: null, digest: null, summary: null },
            { component: "nope", inApp: null, email: null, digest: null, summary: null, extra: 1 },
          ],
        }),
      ),
    ).toEqual(["items.0.digest", "items.0.inApp", "items.2.component", "items.2.extra"]);
    const dup = { component: "jobs", inApp: null, email: null, digest: null, summary: null };
    expect(await paths(await u.api.put(`${t}/alerts/preferences`, { items: [dup, dup] }))).toEqual([
      "items.1.component",
    ]);
    // PostgreSQL refuses NUL bytes: they are a 400, never a 500.
    expect(
      await paths(
        await u.api.put(`${t}/alerts/preferences`, {
          items: [{ component: "jobs\u0000", inApp: null, email: null, digest: null, summary: null }],
        }),
      ),
    ).toEqual(["items.0.component"]);
    expect(await paths(await u.api.put(`${t}/alerts/preferences`, { items: [{ component: "jobs" }] }))).toEqual([
      "items.0.digest",
      "items.0.email",
      "items.0.inApp",
      "items.0.summary",
    ]);
    expect((await u.api.get(`${t}/alerts/preferences`)).body.source).toBe("defaults");
    expect(await paths(await u.api.post(`${t}/alerts/read`, { ids: [2 ** 31, 0, "x"] }))).toEqual([
      "ids.0",
      "ids.1",
      "ids.2",
    ]);
    expect(
      await paths(
        await u.api.get(`${t}/alerts?severity=loud&component=x&state=maybe&from=yesterday&before=99999999999`),
      ),
    ).toEqual(["before", "component", "from", "severity", "state"]);
    expectProblem(await (await adminApi(server)).get(`${t}/alerts/preferences`), 403, "forbidden");
  });

  it("#12.6: turning on robot alert e-mails at the toggle's severity mails a disconnect", async () => {
    const { org, t } = await freshOrg();
    const u = await user(org);
    // The toggle starts at the lowest severity of the component's alerts: a disconnect is a warning.
    expect(defaultMinSeverity("robots")).toBe("warn");
    const catalogue = await u.api.get(`${t}/alerts/catalogue`);
    expect(catalogue.body.items).toContainEqual({
      kind: "robot-disconnected",
      component: "robots",
      severity: "warn",
      raised: true,
    });
    await setPrefs(u.api, t, prefs([{ component: "robots", email: defaultMinSeverity("robots") }]));
    const machine = await org.admin.api.post(`${t}/machines`, { name: unique("laptop"), slots: 1, folderIds: [] });
    expect(machine.status, machine.text).toBe(201);
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    await agent.kill("SIGKILL");
    const mail = await nextMailTo(smtp, u.email, 0, 30_000);
    expect(mail.parsed.subject).toMatch(
      new RegExp(`^Dirigent alert \\(Warning\\): Robot ${machine.body.name} on .+ disconnected`),
    );
  });
});
