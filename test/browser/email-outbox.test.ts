import { afterAll, beforeAll, expect, it } from "vitest";
import { type Api, unique } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsAdmin,
  signInAsOrgAdmin,
  signOut,
} from "../helpers/browser.js";
import { nextMailTo, plainSettings, waitForOutbox } from "../helpers/email.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { closedPort, startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

describeWithChromium("e-mail outbox in the browser", (chromiumPath) => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  let host: Api;
  let browser: BrowserSession;

  beforeAll(async () => {
    [server, smtp] = await Promise.all([startTestServer({ env: { DIRIGENT_MAIL_POLL_MS: "100" } }), startSmtpServer()]);
    host = await adminApi(server);
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await smtp?.close();
    await server?.stop();
  });

  it(
    "shows a failing delivery in the banner and the outbox, previews the message and resends it",
    async () => {
      // The SMTP server is unreachable: the invitation of a new organization's administrator fails.
      const broken = await host.put("/host/settings/email", plainSettings({ port: await closedPort() }));
      expect(broken.status, broken.text).toBe(200);
      const slug = unique("outbox");
      const invitee = `${unique("first-admin")}@example.com`;
      const created = await host.post("/host/organizations", {
        name: `Outbox Works ${slug}`,
        slug,
        admin: { email: invitee, name: "Frieda First" },
      });
      expect(created.status, created.text).toBe(201);
      const failed = await waitForOutbox(host, "/host/email/outbox", (m) => m.to === invitee && m.lastError);

      const { page } = browser;
      await signInAsAdmin(page, server.url, "admin", server.adminPassword);
      const banner = page.getByTestId("email-banner");
      await banner.waitFor();
      expect(await banner.getAttribute("data-state")).toBe("failing");
      expect(await page.getByTestId("email-banner-error").textContent()).toContain(failed.lastError);
      await banner.getByTestId("email-banner-link").click();
      await page.waitForURL(`${server.url}/host/email/outbox`);

      const row = page.getByTestId(`outbox-row-${failed.id}`);
      await row.waitFor();
      expect(await row.getAttribute("data-template")).toBe("invitation");
      expect(await row.getAttribute("data-status")).toBe("queued");
      expect(await row.textContent()).toContain(failed.lastError);

      // Repair the settings; the message waits for its next attempt (a minute away) or a Resend.
      const fixed = await host.put("/host/settings/email", plainSettings(smtp));
      expect(fixed.status, fixed.text).toBe(200);

      await row.getByTestId("outbox-open").click();
      const detail = page.getByTestId("outbox-detail");
      await detail.waitFor();
      expect(await page.getByTestId("outbox-detail-to").textContent()).toContain(invitee);
      expect(await page.getByTestId("outbox-detail-error").textContent()).toContain(failed.lastError);
      // The HTML version in a sandboxed frame (no scripts, no same origin), the text version beside it.
      const frame = page.getByTestId("email-preview-frame");
      expect(await frame.getAttribute("sandbox")).toBe("");
      await expect
        .poll(() => page.frameLocator('[data-testid="email-preview-frame"]').locator("body").textContent())
        .toContain(`Outbox Works ${slug}`);
      await page.getByTestId("outbox-tab-text").click();
      const text = await page.getByTestId("outbox-preview-text").textContent();
      expect(text).toContain("/accept-invitation?token=");
      // One-time links are masked in the preview.
      expect(text).toContain("••••••••");

      await page.getByTestId("outbox-resend").click();
      await page.getByTestId("confirm-button").click();
      const mail = await nextMailTo(smtp, invitee);
      expect(mail.parsed.text).toMatch(/\/accept-invitation\?token=[\w%-]{20,}/);
      await expect.poll(() => detail.getAttribute("data-status"), { timeout: 15_000 }).toBe("sent");
      await page.keyboard.press("Escape");

      // The table follows, and the status filter finds it among the sent ones only.
      await expect.poll(() => row.getAttribute("data-status"), { timeout: 15_000 }).toBe("sent");
      await page.getByTestId("outbox-status-filter").getByText("Failed", { exact: true }).click();
      await page.getByTestId("outbox-empty").waitFor();
      await page.getByTestId("outbox-status-filter").getByText("Sent", { exact: true }).click();
      await row.waitFor();
      // Failing no more: the banner is gone.
      await page.reload();
      await row.waitFor();
      expect(await banner.count()).toBe(0);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "shows an organization administrator the outbox of their own organization only",
    async () => {
      const org = await createOrg(host);
      const invitee = `${unique("member")}@example.com`;
      const created = await org.admin.api.post(`/orgs/${org.slug}/users`, { email: invitee });
      expect(created.status, created.text).toBe(201);
      const message = await waitForOutbox(host, "/host/email/outbox", (m) => m.to === invitee);
      const others = await host.get("/host/email/outbox?limit=200");
      const foreign = others.body.items.find((m: { orgId: number | null }) => m.orgId !== org.id);
      expect(foreign).toBeDefined();

      const { page } = browser;
      await signOut(page);
      await signInAsOrgAdmin(page, server.url, org);
      await page.getByTestId("nav-outbox").click();
      const row = page.getByTestId(`outbox-row-${message.id}`);
      await row.waitFor();
      await expect.poll(() => row.getAttribute("data-status"), { timeout: 15_000 }).toBe("sent");
      expect(await page.getByTestId(`outbox-row-${foreign.id}`).count()).toBe(0);
      await row.getByTestId("outbox-open").click();
      await expect
        .poll(() => page.frameLocator('[data-testid="email-preview-frame"]').locator("body").textContent())
        .toContain(org.name);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
