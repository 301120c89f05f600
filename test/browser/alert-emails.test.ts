import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { unique } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  setChecked,
  signInAsOrgUser,
} from "../helpers/browser.js";
import { nextMailTo, plainSettings } from "../helpers/email.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { closedPort, startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

const shots = process.env.DIRIGENT_SCREENSHOTS;

describeWithChromium("alert e-mails in the browser", (chromiumPath) => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  let org: TestOrg;
  let user: TestUser;
  let browser: BrowserSession;
  let agentTmp: string;

  beforeAll(async () => {
    agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-alert-browser-"));
    // Links in e-mails point at DIRIGENT_PUBLIC_URL: make it this very server, so a link opens as sent.
    const port = await closedPort();
    [server, smtp] = await Promise.all([
      startTestServer({
        env: {
          DIRIGENT_PORT: String(port),
          DIRIGENT_PUBLIC_URL: `http://127.0.0.1:${port}`,
          DIRIGENT_MAIL_POLL_MS: "100",
          DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1",
        },
      }),
      startSmtpServer(),
    ]);
    const host = await adminApi(server);
    expect((await host.put("/host/settings/email", plainSettings(smtp))).status).toBe(200);
    org = await createOrg(host);
    user = await createUser(org.admin.api, org.slug);
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const roles = await org.admin.api.get(`${t}/roles`);
    const tenantViewer = roles.body.items.find((r: { name: string }) => r.name === "Tenant Viewer");
    expect((await org.admin.api.put(`${t}/role-assignments/${user.id}`, { roleIds: [tenantViewer.id] })).status).toBe(
      204,
    );
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await killAllAgents();
    await browser?.close();
    await smtp?.close();
    await server?.stop();
    if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
  });

  it(
    "opts in on the profile page, gets a robot alert by e-mail, and unsubscribes from its link",
    async () => {
      const { page } = browser;
      await signInAsOrgUser(page, server.url, { organization: org.slug, email: user.email, password: user.password });
      await page.goto(`${server.url}/profile`);
      const panel = page.getByTestId("alert-emails");
      const save = page.getByTestId("alert-emails-save");
      await expect.poll(() => save.isDisabled()).toBe(true);

      // Each toggle starts at the lowest severity of its component's alerts (#12.6): jobs from
      // Warning (a stopped job), robots from Warning (a disconnect) — what the badges say is mailed.
      await setChecked(panel.locator('input[name="alertEmails.jobs"]'), true);
      await setChecked(panel.locator('input[name="alertEmails.robots"]'), true);
      await expect
        .poll(() => page.getByTestId("alert-emails-kind-robot-disconnected").getAttribute("data-mailed"))
        .toBe("true");
      await page.getByTestId("alert-emails-robots-severity").getByText("Error", { exact: true }).click();
      await expect
        .poll(() => page.getByTestId("alert-emails-kind-robot-disconnected").getAttribute("data-mailed"))
        .toBe("false");
      await page.getByTestId("alert-emails-robots-severity").getByText("Warning", { exact: true }).click();
      await save.click();
      await page.getByText("Alert e-mail preferences saved.").waitFor();
      expect((await user.api.get("/me/alert-emails")).body).toEqual({
        subscriptions: [
          { component: "jobs", minSeverity: "warn" },
          { component: "robots", minSeverity: "warn" },
        ],
      });
      if (shots) await page.screenshot({ path: path.join(shots, "profile-alert-emails.png"), fullPage: true });

      await page.reload();
      await expect.poll(() => panel.locator('input[name="alertEmails.robots"]').isChecked()).toBe(true);
      await expect
        .poll(() => page.getByTestId("alert-emails-robots-severity").locator("input:checked").inputValue())
        .toBe("warn");

      // A robot drops its connection: a warning the user opted in to.
      const machine = await org.admin.api.post(`/orgs/${org.slug}/tenants/${org.defaultTenantId}/machines`, {
        name: unique("laptop"),
        slots: 1,
        folderIds: [],
      });
      expect(machine.status, machine.text).toBe(201);
      const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
      await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
      await agent.kill("SIGKILL");
      const mail = await nextMailTo(smtp, user.email, 0, 30_000);
      expect(mail.parsed.subject).toContain(`Robot ${machine.body.name}`);
      const link = /(http\S+\/unsubscribe\?token=dgu_[\w-]+)/.exec(mail.parsed.text ?? "")?.[1];
      expect(link, mail.parsed.text).toBeDefined();

      // The link asks for one click, then confirms.
      await page.goto(link as string);
      await page.getByTestId("unsubscribe-submit").click();
      await expect.poll(() => page.getByTestId("unsubscribe-done").textContent()).toContain("Robot alerts");
      expect((await user.api.get("/me/alert-emails")).body).toEqual({
        subscriptions: [{ component: "jobs", minSeverity: "warn" }],
      });

      // A broken link says so instead of pretending.
      await page.goto(`${(link as string).slice(0, -6)}abcdef`);
      await page.getByTestId("unsubscribe-submit").click();
      await page.getByText("This link cannot be used").waitFor();

      await page.goto(`${server.url}/profile`);
      await expect.poll(() => panel.locator('input[name="alertEmails.robots"]').isChecked()).toBe(false);
      await expect.poll(() => panel.locator('input[name="alertEmails.jobs"]').isChecked()).toBe(true);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "speaks German on the profile panel and the unsubscribe page",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/profile`);
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await page.getByText("E-Mails zu Warnungen", { exact: true }).waitFor();
      await page.getByText("Job-Warnungen").waitFor();
      if (shots) await page.screenshot({ path: path.join(shots, "profile-alert-emails-de.png"), fullPage: true });
      await page.goto(`${server.url}/unsubscribe?token=dgu_x`);
      await page.getByRole("button", { name: "Abbestellen" }).waitFor();
      if (shots) await page.screenshot({ path: path.join(shots, "unsubscribe-de.png"), fullPage: true });
    },
    BROWSER_TEST_TIMEOUT,
  );
});
