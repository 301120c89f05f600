import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { nextMailTo, outboxTo, plainSettings } from "../helpers/email.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startJobs, waitForJob } from "../helpers/jobs.js";
import { manifest, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

/** Spawning agents and automations takes seconds of CPU on a busy 2-core machine. */
const slow = { timeout: 120_000 };

/**
 * Alert e-mails: organization users opt in per component and minimum severity; an alert mails
 * those of them who may see it (Jobs View on its folder, inherited from parents, or the tenant's
 * Alerts View), in their language, with a link to the item and a one-click unsubscribe link.
 */
describe.each(testDatabases())("alert e-mails on %s", slow, (database) => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  let org: TestOrg;
  let t: string;
  let outbox: string;
  let agentTmp: string;

  beforeAll(async () => {
    agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-alert-agents-"));
    [server, smtp] = await Promise.all([
      startTestServer({ database, env: { DIRIGENT_MAIL_POLL_MS: "100", DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1" } }),
      startSmtpServer(),
    ]);
    const host = await adminApi(server);
    expect((await host.put("/host/settings/email", plainSettings(smtp))).status).toBe(200);
    org = await createOrg(host);
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    outbox = `/orgs/${org.slug}/email/outbox`;
    const failing = await tgz({
      "dirigent.json": JSON.stringify(manifest({ name: "fails", version: "1.0.0" })),
      "main.js": 'console.error("the invoice file is missing");\nprocess.exit(3);\n',
    });
    expect((await uploadPackage(org.admin.api, t, failing)).status).toBe(201);
  });
  afterEach(async () => {
    await killAllAgents();
  });
  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
    await smtp?.close();
    if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
  });

  const admin = () => org.admin.api;

  async function folder(name: string, parentId?: number): Promise<number> {
    const res = await admin().post(`${t}/folders`, { name: unique(name), ...(parentId && { parentId }) });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }

  async function roleId(name: string): Promise<number> {
    const res = await admin().get(`${t}/roles`);
    const role = res.body.items.find((r: { name: string }) => r.name === name);
    expect(role, name).toBeDefined();
    return role.id;
  }

  async function user(options: { locale?: "en" | "de" } = {}): Promise<TestUser> {
    const u = await createUser(admin(), org.slug);
    if (options.locale) expect((await u.api.patch("/me", { locale: options.locale })).status).toBe(200);
    return u;
  }

  async function grantFolder(u: TestUser, folderId: number, role: string) {
    const res = await admin().put(`${t}/folders/${folderId}/assignments/${u.id}`, { roleIds: [await roleId(role)] });
    expect(res.status, res.text).toBe(204);
  }

  async function optIn(api: Api, subscriptions: { component: string; minSeverity: string }[]) {
    const res = await api.put("/me/alert-emails", { subscriptions });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ subscriptions });
  }

  /** Runs one job of a process that exits 3 on a fresh machine of `folderId`; returns its id. */
  async function faultAJob(folderId: number): Promise<number> {
    const process = await admin().post(`${t}/folders/${folderId}/processes`, {
      name: unique("Invoices"),
      packageName: "fails",
    });
    expect(process.status, process.text).toBe(201);
    const machine = await admin().post(`${t}/machines`, { name: unique("robot"), slots: 1, folderIds: [folderId] });
    expect(machine.status, machine.text).toBe(201);
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    const [job] = await startJobs(admin(), t, folderId, { processId: process.body.id });
    const done = await waitForJob(admin(), t, job?.id as number);
    expect(done.state).toBe("faulted");
    return done.id;
  }

  /** A header as sent (mailparser turns List-* headers into objects). */
  function rawHeader(mail: ReceivedMail, name: string): string | undefined {
    const line = mail.parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
    return line?.slice(name.length + 1).trim();
  }

  function unsubscribeLink(mail: ReceivedMail): string {
    const match = /(http\S+\/unsubscribe\?token=(dgu_[\w-]+))/.exec(mail.parsed.text ?? "");
    expect(match, mail.parsed.text).not.toBeNull();
    return (match as RegExpExecArray)[2] as string;
  }

  it("mails a faulted job to opted-in users who may see its folder, and to nobody else", async () => {
    const parent = await folder("Finance");
    const child = await folder("Invoices", parent);
    const other = await folder("HR");

    const viewer = await user(); // Viewer on the parent: sees the child by inheritance.
    const german = await user({ locale: "de" });
    const elsewhere = await user(); // opted in, but only sees another folder
    const quiet = await user(); // may see it, but did not opt in
    const onlyFatal = await user(); // opted in for fatal alerts only
    const robotsOnly = await user(); // opted in for robot alerts only
    await grantFolder(viewer, parent, "Viewer");
    await grantFolder(german, child, "Automation User");
    await grantFolder(elsewhere, other, "Viewer");
    await grantFolder(quiet, child, "Viewer");
    await grantFolder(onlyFatal, child, "Viewer");
    await grantFolder(robotsOnly, child, "Viewer");
    for (const u of [viewer, german, elsewhere]) await optIn(u.api, [{ component: "jobs", minSeverity: "error" }]);
    await optIn(onlyFatal.api, [{ component: "jobs", minSeverity: "fatal" }]);
    await optIn(robotsOnly.api, [{ component: "robots", minSeverity: "info" }]);

    const jobId = await faultAJob(child);

    const mail = await nextMailTo(smtp, viewer.email);
    const publicUrl = server.server.services.ctx.config.publicUrl;
    expect(mail.parsed.subject).toMatch(
      new RegExp(`^Dirigent alert \\(Error\\): Job ${jobId} of Invoices\\S* faulted`),
    );
    expect(mail.parsed.text).toContain("the invoice file is missing");
    expect(mail.parsed.text).toContain(`Open in Dirigent: ${publicUrl}/org/t/${org.defaultTenantId}/jobs/${jobId}`);
    expect(mail.parsed.text).toMatch(/Error · Jobs · tenant "Default", folder "Invoices/);
    expect(mail.parsed.html).toContain(`href="${publicUrl}/org/t/${org.defaultTenantId}/jobs/${jobId}"`);
    const token = unsubscribeLink(mail);
    expect(rawHeader(mail, "List-Unsubscribe")).toBe(`<${publicUrl}/api/v1/alert-emails/unsubscribe?token=${token}>`);
    expect(rawHeader(mail, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");

    const deMail = await nextMailTo(smtp, german.email);
    expect(deMail.parsed.subject).toMatch(
      new RegExp(`^Dirigent-Warnung \\(Fehler\\): Job ${jobId} von Invoices\\S* ist fehlgeschlagen: `),
    );
    expect(deMail.parsed.text).toContain("Fehler · Jobs · Mandant „Default“, Ordner „Invoices");
    expect(deMail.parsed.text).toContain("Diese Warnungen abbestellen:");
    expect(unsubscribeLink(deMail)).not.toBe(token);

    // The alerts panel shows it to those who may see the folder, with the details of its sentence.
    const seen = await viewer.api.get(`${t}/alerts?limit=5`);
    expect(seen.status, seen.text).toBe(200);
    expect(seen.body.items[0]).toMatchObject({
      folderId: child,
      severity: "error",
      component: "jobs",
      kind: "job-faulted",
      details: { jobId, processName: expect.stringMatching(/^Invoices/), error: expect.any(String) },
      link: `/jobs/${jobId}`,
    });
    expect((await elsewhere.api.get(`${t}/alerts?limit=5`)).body.items).toEqual([]);

    // All rows were written in the job's transaction: the others have none.
    for (const u of [elsewhere, quiet, onlyFatal, robotsOnly])
      expect(await outboxTo(admin(), outbox, u.email)).toEqual([]);
    // The outbox preview does not reveal the unsubscribe token.
    const [row] = await outboxTo(admin(), outbox, viewer.email);
    const preview = await admin().get(`${outbox}/${row.id}`);
    expect(preview.status, preview.text).toBe(200);
    expect(JSON.stringify(preview.body)).not.toContain(token);
    expect(JSON.stringify(preview.body)).toContain("unsubscribe?token=••••••••");
  });

  it("mails robot alerts to opted-in users with the tenant's Alerts View, at or above their severity", async () => {
    const f = await folder("Robots");
    const tenantViewer = await user();
    const folderOnly = await user(); // jobs in the folder, but no tenant-wide alerts
    const errorsOnly = await user(); // "disconnected" is a warning
    const tenantViewerRole = await roleId("Tenant Viewer");
    for (const u of [tenantViewer, errorsOnly]) {
      const res = await admin().put(`${t}/role-assignments/${u.id}`, { roleIds: [tenantViewerRole] });
      expect(res.status, res.text).toBe(204);
    }
    await grantFolder(folderOnly, f, "Folder Administrator");
    await optIn(tenantViewer.api, [{ component: "robots", minSeverity: "warn" }]);
    await optIn(folderOnly.api, [{ component: "robots", minSeverity: "info" }]);
    await optIn(errorsOnly.api, [{ component: "robots", minSeverity: "error" }]);
    await optIn(org.admin.api, [
      { component: "jobs", minSeverity: "fatal" },
      { component: "robots", minSeverity: "warn" },
    ]);

    const machine = await admin().post(`${t}/machines`, { name: unique("laptop"), slots: 1, folderIds: [f] });
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    await agent.kill("SIGKILL");

    const mail = await nextMailTo(smtp, tenantViewer.email);
    expect(mail.parsed.subject).toMatch(
      new RegExp(`^Dirigent alert \\(Warning\\): Robot ${machine.body.name} on .+ disconnected`),
    );
    expect(mail.parsed.text).toContain(`/org/t/${org.defaultTenantId}/machines`);
    await nextMailTo(smtp, org.admin.email); // the org administrator sees everything
    for (const u of [folderOnly, errorsOnly]) expect(await outboxTo(admin(), outbox, u.email)).toEqual([]);
    // Tenant-wide alerts need the tenant's Alerts View in the panel too.
    const panel = await tenantViewer.api.get(`${t}/alerts?limit=50`);
    expect(panel.body.items.map((a: { kind: string }) => a.kind)).toContain("robot-disconnected");
    const folderPanel = await folderOnly.api.get(`${t}/alerts?limit=50`);
    expect(folderPanel.body.items.filter((a: { component: string }) => a.component === "robots")).toEqual([]);
  });

  it("unsubscribes with one click from the e-mail's link, by the page or by RFC 8058 POST", async () => {
    const f = await folder("Unsub");
    const [a, b] = [await user(), await user()];
    for (const u of [a, b]) {
      await grantFolder(u, f, "Viewer");
      await optIn(u.api, [
        { component: "jobs", minSeverity: "info" },
        { component: "robots", minSeverity: "warn" },
      ]);
    }
    await faultAJob(f);
    const [mailA, mailB] = [await nextMailTo(smtp, a.email), await nextMailTo(smtp, b.email)];
    const anonymous = new Api(server.url);

    // The page's button: a POST without a body.
    const byPage = await anonymous.post(`/alert-emails/unsubscribe?token=${unsubscribeLink(mailA)}`);
    expect(byPage.status, byPage.text).toBe(200);
    expect(byPage.body).toEqual({ component: "jobs", channel: "email" });
    expect((await a.api.get("/me/alert-emails")).body).toEqual({
      subscriptions: [{ component: "robots", minSeverity: "warn" }],
    });
    // Again: harmless.
    expect((await anonymous.post(`/alert-emails/unsubscribe?token=${unsubscribeLink(mailA)}`)).status).toBe(200);

    // A mail client's one-click POST to the List-Unsubscribe address (a form body).
    const header = rawHeader(mailB, "List-Unsubscribe") as string;
    const publicUrl = server.server.services.ctx.config.publicUrl;
    const res = await fetch(header.slice(1, -1).replace(publicUrl, server.url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ component: "jobs", channel: "email" });
    expect((await b.api.get("/me/alert-emails")).body.subscriptions).toEqual([
      { component: "robots", minSeverity: "warn" },
    ]);

    // The org audit log records both.
    const audit = await admin().get(`/orgs/${org.slug}/audit-logs?q=${encodeURIComponent(a.email)}`);
    expect(JSON.stringify(audit.body)).toContain("unsubscribed by e-mail link");

    const real = unsubscribeLink(mailA);
    const tampered = `${real.slice(0, 40)}${real[40] === "A" ? "B" : "A"}${real.slice(41)}`;
    for (const bad of ["dgu_bm90LWEtdG9rZW4", "not-even-prefixed", tampered]) {
      expectProblem(await anonymous.post(`/alert-emails/unsubscribe?token=${bad}`), 404, "not-found");
    }
    expectProblem(await anonymous.post("/alert-emails/unsubscribe"), 400, "validation-failed");
  });

  it("validates opt-ins, names every bad field, and refuses system administrators", async () => {
    const u = await user();
    expect((await u.api.get("/me/alert-emails")).body).toEqual({ subscriptions: [] });
    const paths = async (subscriptions: unknown) => {
      const problem = expectProblem(await u.api.put("/me/alert-emails", { subscriptions }), 400, "validation-failed");
      return (problem.errors ?? []).map((e) => e.path).sort();
    };
    expect(
      await paths([
        { component: "jobs", minSeverity: "error" },
        { component: "jobs", minSeverity: "warn" },
      ]),
    ).toEqual(["subscriptions.1.component"]);
    expect(await paths([{ component: "no-such-component", minSeverity: "loud" }])).toEqual([
      "subscriptions.0.component",
      "subscriptions.0.minSeverity",
    ]);
    expect(await paths([{ component: "jobs" }])).toEqual(["subscriptions.0.minSeverity"]);
    expect((await u.api.get("/me/alert-emails")).body).toEqual({ subscriptions: [] });
    expectProblem(await u.api.put("/me/alert-emails", { subscriptions: [], extra: 1 }), 400, "validation-failed");

    await optIn(u.api, [{ component: "robots", minSeverity: "fatal" }]);
    await optIn(u.api, []);
    expect((await u.api.get("/me/alert-emails")).body).toEqual({ subscriptions: [] });

    const host = await adminApi(server);
    expectProblem(await host.get("/me/alert-emails"), 403, "forbidden");
    expectProblem(await new Api(server.url).get("/me/alert-emails"), 401, "authentication-required");
  });
});
