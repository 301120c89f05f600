import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  setChecked,
  signInAsAdmin,
} from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { closedPort, startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

describeWithChromium("host e-mail settings in the browser", (chromiumPath) => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    [server, smtp] = await Promise.all([
      startTestServer({ env: { DIRIGENT_MAIL_POLL_MS: "100" } }),
      startSmtpServer({ auth: { user: "mailer", pass: "smtp-Secret-1" } }),
    ]);
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await smtp?.close();
    await server?.stop();
  });

  it(
    "tests the settings as typed (success and a failing stage), saves them with a warning and never shows the password again",
    async () => {
      const { page } = browser;
      await signInAsAdmin(page, server.url, "admin", server.adminPassword);

      // Nothing is configured yet: the host portal says so on every page.
      const banner = page.getByTestId("email-banner");
      await banner.waitFor();
      expect(await banner.getAttribute("data-state")).toBe("unconfigured");
      await banner.getByTestId("email-banner-link").click();
      await page.waitForURL(`${server.url}/host/settings/email`);

      const form = page.getByTestId("email-settings-form");
      await form.waitFor();
      // The seed's fields, in the seed's order, named as the API names them.
      const names = await form
        .locator("input[name], textarea[name]")
        .evaluateAll((els) => els.map((el) => el.getAttribute("name")));
      const seed = [
        "smtpHost",
        "smtpDomain",
        "smtpPort",
        "smtpUsername",
        "smtpPassword",
        "fromAddress",
        "fromDisplayName",
        "secureConnection",
      ];
      expect(names.filter((n) => seed.includes(n as string))).toEqual(seed);
      expect(await form.textContent()).toContain("Default From Display Name");

      await form.locator('input[name="smtpHost"]').fill("127.0.0.1");
      await form.locator('input[name="smtpPort"]').fill(String(smtp.port));
      await form.locator('input[name="smtpUsername"]').fill("mailer");
      await form.locator('input[name="smtpPassword"]').fill("smtp-Secret-1");
      await form.locator('input[name="fromAddress"]').fill("noreply@dirigent.test");
      await form.locator('input[name="fromDisplayName"]').fill("Dirigent Notifications");
      // The test server speaks plain SMTP: no secure connection (a risky combination with a password).
      await setChecked(form.locator('input[name="secureConnection"]'), false);

      // Send test e-mail, with the unsaved form.
      await page.getByTestId("email-test-open").click();
      const to = page.getByTestId("email-test-form").locator('input[name="to"]');
      await to.fill("ops@example.com");
      await page.getByTestId("email-test-send").click();
      const result = page.getByTestId("email-test-result");
      // A test send answers within the server's SMTP timeouts (10 s per stage), not the page's 30 s:
      // under a loaded CI run the first one once took longer than that.
      const sendTimeout = { timeout: 60_000 };
      await result.waitFor(sendTimeout);
      expect(await result.getAttribute("data-ok")).toBe("true");
      expect(await result.getAttribute("data-stage")).toBe("data");
      expect(await page.getByTestId("email-test-response").textContent()).toMatch(/^250/);
      const mail = await smtp.waitForMail((m) => m.envelope.to.includes("ops@example.com"));
      expect(mail.authUser).toBe("mailer");
      expect(mail.parsed.from?.text).toContain("Dirigent Notifications");
      await page.getByTestId("email-test-close").click();

      // The wrong port: the result names the stage that failed and what to check.
      await form.locator('input[name="smtpPort"]').fill(String(await closedPort()));
      await page.getByTestId("email-test-open").click();
      await page.getByTestId("email-test-send").click();
      await result.waitFor(sendTimeout);
      expect(await result.getAttribute("data-ok")).toBe("false");
      expect(await result.getAttribute("data-stage")).toBe("connect");
      expect(
        await page.getByTestId("email-test-stages").locator('[data-stage="connect"]').getAttribute("data-state"),
      ).toBe("failed");
      expect(await page.getByTestId("email-test-hint").textContent()).toMatch(/port/i);
      await page.getByTestId("email-test-close").click();
      // Nothing was saved by either test.
      expect(smtp.messages).toHaveLength(1);

      // Save the working settings: saved, with the warning next to the switch it concerns.
      await form.locator('input[name="smtpPort"]').fill(String(smtp.port));
      await setChecked(form.locator('input[name="enabled"]'), true);
      await page.getByTestId("email-save").click();
      const warning = page.getByTestId("warning-secureConnection");
      await warning.waitFor();
      expect(await warning.locator("[data-code]").getAttribute("data-code")).toBe("credentials-without-tls");
      await banner.waitFor({ state: "detached" });

      // After a reload the password is stored but never shown, not even in the page's source.
      await page.reload();
      await form.waitFor();
      expect(await form.locator('input[name="smtpHost"]').inputValue()).toBe("127.0.0.1");
      expect(await form.locator('input[name="smtpPassword"]').inputValue()).toBe("");
      expect(await page.getByTestId("smtp-password-status").textContent()).toContain("A password is stored");
      expect(await page.content()).not.toContain("smtp-Secret-1");
      // The stored warning is still shown beside its field.
      await page.getByTestId("warning-secureConnection").waitFor();

      // Saving again with the password field empty keeps the stored password: the test still signs in.
      await page.getByTestId("email-save").click();
      await page.getByTestId("email-test-open").click();
      await page.getByTestId("email-test-form").locator('input[name="to"]').fill("again@example.com");
      await page.getByTestId("email-test-send").click();
      await result.waitFor(sendTimeout);
      expect(await result.getAttribute("data-ok")).toBe("true");
      await smtp.waitForMail((m) => m.envelope.to.includes("again@example.com"));
      await page.getByTestId("email-test-close").click();

      // "Remove stored password" sends null: the server then has none.
      await page.getByTestId("smtp-password-remove").click();
      expect(await page.getByTestId("smtp-password-status").textContent()).toContain("will be removed");
      await page.getByTestId("email-save").click();
      await page.getByTestId("smtp-password-stored").waitFor({ state: "detached" });
      const stored = await page.request.get(`${server.url}/api/v1/host/settings/email`);
      expect(((await stored.json()) as { hasSmtpPassword: boolean }).hasSmtpPassword).toBe(false);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
