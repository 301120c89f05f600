import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  setChecked,
  signInAsOrgAdmin,
} from "../helpers/browser.js";
import { plainSettings } from "../helpers/email.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

const shots = process.env.DIRIGENT_SCREENSHOTS;

describeWithChromium("organization e-mail settings in the browser (German)", (chromiumPath) => {
  let server: TestServer;
  let hostSmtp: TestSmtpServer;
  let orgSmtp: TestSmtpServer;
  let org: TestOrg;
  let browser: BrowserSession;

  beforeAll(async () => {
    [server, hostSmtp, orgSmtp] = await Promise.all([
      startTestServer({ env: { DIRIGENT_MAIL_POLL_MS: "100" } }),
      startSmtpServer(),
      startSmtpServer(),
    ]);
    const host = await adminApi(server);
    const saved = await host.put("/host/settings/email", plainSettings(hostSmtp));
    expect(saved.status, saved.text).toBe(200);
    org = await createOrg(host);
    // The organization's administrator works in German.
    const german = await org.admin.api.patch("/me", { locale: "de" });
    expect(german.status, german.text).toBe(200);
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([hostSmtp?.close(), orgSmtp?.close()]);
    await server?.stop();
  });

  it(
    "switches from the host's settings to custom SMTP and back, keeping the custom values",
    async () => {
      const { page } = browser;
      await signInAsOrgAdmin(page, server.url, org);
      await page.getByTestId("nav-settings").click();
      await page.getByTestId("nav-email-settings").click();
      await page.waitForURL(`${server.url}/org/settings/email`);

      // Inheriting: the host's settings, read-only, and where they come from.
      const source = page.getByTestId("email-source").first();
      await source.waitFor();
      expect(await source.getAttribute("data-source")).toBe("host");
      expect(await source.textContent()).toBe("Vom Host");
      // Only that the installation's server is used, never its host, port or sender (issue #12, defect 15).
      const installation = page.getByTestId("email-installation");
      expect(await installation.textContent()).toContain("verwendet den E-Mail-Server der Installation");
      expect(await page.getByTestId("email-effective").count()).toBe(0);
      const body = (await page.locator("main").textContent()) ?? "";
      expect(body).not.toContain(String(hostSmtp.port));
      expect(body).not.toContain("Standardabsenderadresse");
      expect(await page.getByTestId("email-mode-hint").textContent()).toContain("bleiben Ihre eigenen Werte erhalten");

      // Its test goes through the settings in force: the host's server.
      await page.getByTestId("email-test-open").click();
      await page.getByTestId("email-test-form").locator('input[name="to"]').fill("inherit@example.com");
      await page.getByTestId("email-test-send").click();
      await page.getByTestId("email-test-result").waitFor();
      await hostSmtp.waitForMail((m) => m.envelope.to.includes("inherit@example.com"));
      await page.getByTestId("email-test-close").click();

      // Custom SMTP: the same form as the host's, with the seed's German field names in the seed's order.
      await page.getByTestId("email-mode").getByText("Eigener SMTP-Server").click();
      const form = page.getByTestId("email-settings-form");
      await form.waitFor();
      const seedLabels = [
        "SMTP-Host",
        "SMTP-Domäne",
        "SMTP-Port",
        "SMTP-Benutzername",
        "SMTP-Passwort",
        "Standardabsenderadresse",
        "Standard-Von-Anzeigename",
        "Sichere Verbindung aktivieren",
      ];
      // (A switch's <label> also holds its description, hence "starts with".)
      const labels = (await form.locator("label").allTextContents()).map(
        (text) => seedLabels.find((seed) => text.trim().startsWith(seed)) ?? null,
      );
      expect(labels.filter((label) => label !== null)).toEqual(seedLabels);
      await page.getByTestId("email-custom-unsaved").waitFor();

      await form.locator('input[name="smtpHost"]').fill("127.0.0.1");
      await form.locator('input[name="smtpPort"]').fill(String(orgSmtp.port));
      await form.locator('input[name="fromAddress"]').fill("robots@org.example");
      await form.locator('input[name="fromDisplayName"]').fill("Org Robots");
      await setChecked(form.locator('input[name="secureConnection"]'), false);
      // Sending starts on for settings that were never complete: saving them should send (#12.3).
      expect(await form.locator('input[name="enabled"]').isChecked()).toBe(true);

      // The organization's own test button sends with the form as typed: to the organization's server.
      await page.getByTestId("email-test-open").click();
      await page.getByTestId("email-test-form").locator('input[name="to"]').fill("custom@example.com");
      await page.getByTestId("email-test-send").click();
      const result = page.getByTestId("email-test-result");
      await result.waitFor();
      expect(await result.getAttribute("data-ok")).toBe("true");
      const mail = await orgSmtp.waitForMail((m) => m.envelope.to.includes("custom@example.com"));
      expect(mail.parsed.from?.text).toContain("Org Robots");
      await page.getByTestId("email-test-close").click();

      await page.getByTestId("email-save").click();
      await expect.poll(() => source.getAttribute("data-source")).toBe("organization");
      expect(await source.textContent()).toBe("Von dieser Organisation");
      const stored = await org.admin.api.get(`/orgs/${org.slug}/settings/email`);
      expect(stored.body).toMatchObject({
        mode: "custom",
        source: "organization",
        smtpPort: orgSmtp.port,
        enabled: true,
      });
      expect(await page.getByTestId("email-held").count()).toBe(0);

      // Sending switched off explicitly: the page and the outbox say in words that mail is held, and why.
      await setChecked(form.locator('input[name="enabled"]'), false);
      // The "saved" notification may cover the save button: close it first.
      await page.locator(".mantine-Notification-closeButton").first().click();
      await page.getByTestId("email-save").click();
      const held = page.getByTestId("email-held");
      await held.waitFor();
      expect(await held.textContent()).toContain("Der Versand ist ausgeschaltet");
      if (shots) await page.screenshot({ path: path.join(shots, "org-email-held-de.png"), fullPage: true });
      await page.goto(`${server.url}/org/email/outbox`);
      const banner = page.getByTestId("email-held-banner");
      await banner.waitFor();
      expect(await banner.textContent()).toContain("zurückgehalten");
      if (shots) await page.screenshot({ path: path.join(shots, "org-outbox-held-de.png"), fullPage: true });
      await page.goto(`${server.url}/org/settings/email`);
      await source.waitFor();

      // Back to the host's settings (confirmed): the source changes, the custom values stay stored.
      await page.getByTestId("email-mode").getByText("Host-Einstellungen verwenden").click();
      await page.getByTestId("confirm-button").click();
      await expect.poll(() => source.getAttribute("data-source")).toBe("host");
      await page.getByTestId("email-installation").waitFor();
      const inherited = await org.admin.api.get(`/orgs/${org.slug}/settings/email`);
      expect(inherited.body).toMatchObject({ mode: "inherit", source: "host", smtpPort: orgSmtp.port });

      // Custom again: the form comes back filled with the kept values (not yet in force until saved).
      await page.getByTestId("email-mode").getByText("Eigener SMTP-Server").click();
      await form.waitFor();
      expect(await form.locator('input[name="smtpPort"]').inputValue()).toBe(String(orgSmtp.port));
      expect(await form.locator('input[name="fromAddress"]').inputValue()).toBe("robots@org.example");
      await page.getByTestId("email-custom-unsaved").waitFor();
      expect(await source.getAttribute("data-source")).toBe("host");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
