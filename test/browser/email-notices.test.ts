import { afterAll, beforeAll, expect, it } from "vitest";
import type { Api } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsAdmin,
  signInAsOrgUser,
} from "../helpers/browser.js";
import { nextMailTo, plainSettings } from "../helpers/email.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

/** `YYYY-MM-DD` of the day `days` from today, in this machine's time zone (as a date input wants it). */
function dayFromNow(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

describeWithChromium("licenses, announcements and maintenance notices in the browser", (chromiumPath) => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  let host: Api;
  let english: TestOrg;
  let german: TestOrg;
  let admin: BrowserSession;
  let member: BrowserSession;

  beforeAll(async () => {
    [server, smtp] = await Promise.all([startTestServer({ env: { DIRIGENT_MAIL_POLL_MS: "100" } }), startSmtpServer()]);
    host = await adminApi(server);
    const saved = await host.put("/host/settings/email", plainSettings(smtp));
    expect(saved.status, saved.text).toBe(200);
    [english, german] = await Promise.all([createOrg(host), createOrg(host)]);
    const de = await german.admin.api.patch("/me", { locale: "de" });
    expect(de.status, de.text).toBe(200);
    [admin, member] = await Promise.all([launchBrowser(chromiumPath), launchBrowser(chromiumPath)]);
    await signInAsAdmin(admin.page, server.url, "admin", server.adminPassword);
  });

  afterAll(async () => {
    await member?.close();
    await admin?.close();
    await smtp?.close();
    await server?.stop();
  });

  it(
    "allocates robot slots and an expiry date, which the organization administrator sees read-only",
    async () => {
      const { page } = admin;
      await page.getByTestId("nav-licenses").click();
      const group = page.getByTestId(`license-org-${english.slug}`);
      const row = group.getByTestId(`license-row-${english.slug}-Default`);
      await row.waitFor();
      expect(await row.getByTestId("days-left").getAttribute("data-color")).toBe("gray");

      await row.getByTestId("edit-license").click();
      const form = page.getByTestId("license-form");
      await form.locator('input[name="robotSlots"]').fill("12");
      // Unallocated: no expiry date until the box is unticked.
      expect(await form.locator('input[name="expiresAt"]').isDisabled()).toBe(true);
      await page.getByTestId("license-no-expiry").uncheck();
      await form.locator('input[name="expiresAt"]').fill(dayFromNow(5));
      await page.getByTestId("license-save").click();
      await form.waitFor({ state: "hidden" });
      await expect.poll(() => row.getByTestId("robot-slots").textContent()).toBe("12");
      // Five days left: orange.
      expect(await row.getByTestId("days-left").getAttribute("data-color")).toBe("orange");
      expect(await row.getByTestId("days-left").textContent()).toMatch(/[56] days left/i);

      // Another tenant's license expired already: red.
      await page.getByTestId(`license-org-${german.slug}`).getByTestId("edit-license").click();
      await form.locator('input[name="robotSlots"]').fill("1");
      await page.getByTestId("license-no-expiry").uncheck();
      await form.locator('input[name="expiresAt"]').fill(dayFromNow(-3));
      await page.getByTestId("license-save").click();
      await form.waitFor({ state: "hidden" });
      const expired = page.getByTestId(`license-row-${german.slug}-Default`).getByTestId("days-left");
      await expect.poll(() => expired.getAttribute("data-color")).toBe("red");

      // The organization administrator reads the allocation on their own licenses page.
      await signInAsOrgUser(member.page, server.url, {
        organization: english.slug,
        email: english.admin.email,
        password: english.admin.password,
      });
      await member.page.getByTestId("nav-licenses").click();
      const own = member.page.getByTestId(`license-row-${english.slug}-Default`);
      await own.waitFor();
      expect(await own.getByTestId("robot-slots").textContent()).toBe("12");
      expect(await own.getByTestId("days-left").getAttribute("data-color")).toBe("orange");
      expect(await member.page.getByTestId("edit-license").count()).toBe(0);
      expect(await member.page.getByTestId(`license-row-${german.slug}-Default`).count()).toBe(0);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "creates an announcement in two languages, previews it and sends it to each administrator in their language",
    async () => {
      const { page } = admin;
      await page.getByTestId("nav-announcements").click();
      await page.getByTestId("announcements-empty").waitFor();
      await page.getByTestId("new-announcement").first().click();
      const form = page.getByTestId("announcement-form");
      await page.getByTestId("announcement-kind").getByText("Product update").click();
      await form.locator('input[name="subjectEn"]').fill("Dirigent 2.0 is here");
      await form.locator('textarea[name="bodyEn"]').fill("New queues dashboard.\n\nUpgrade notes inside.");
      // The German text is required too: saving without it opens the German tab with the error.
      await page.getByTestId("announcement-save").click();
      await form.locator('input[name="subjectDe"]').waitFor({ state: "visible" });
      await form.locator('input[name="subjectDe"]').fill("Dirigent 2.0 ist da");
      await form.locator('textarea[name="bodyDe"]').fill("Neues Warteschlangen-Dashboard.\n\nHinweise zum Update.");
      await page.getByTestId("announcement-save-preview").click();

      // The preview per language, rendered as the e-mail.
      const preview = page.getByTestId("announcement-preview");
      await preview.waitFor();
      const frame = page.frameLocator('[data-testid="email-preview-frame"]').locator("body");
      await page.getByTestId("announcement-preview-locale").getByText("English").click();
      await expect.poll(() => page.getByTestId("announcement-preview-subject").textContent()).toContain("2.0 is here");
      await expect.poll(() => frame.textContent()).toContain("New queues dashboard.");
      await page.getByTestId("announcement-preview-locale").getByText("Deutsch").click();
      await expect.poll(() => page.getByTestId("announcement-preview-subject").textContent()).toContain("2.0 ist da");
      await expect.poll(() => frame.textContent()).toContain("Neues Warteschlangen-Dashboard.");

      // Send, confirmed.
      await page.getByTestId("announcement-preview-send").click();
      await page.getByTestId("confirm-button").click();
      const row = page.locator('[data-testid^="announcement-row-"]').first();
      await expect.poll(() => row.getAttribute("data-state")).toBe("sent");
      expect(await row.getByTestId("announcement-recipient-count").textContent()).toMatch(/^2 recipients$/);

      // The license notices of the first test (sent when the expiry was set) may arrive too:
      // pick the announcement by its subject.
      const announcementTo = async (address: string, subject: string) => {
        await expect
          .poll(() => smtp.to(address).some((m) => m.parsed.subject?.includes(subject)), { timeout: 15_000 })
          .toBe(true);
        return smtp.to(address).find((m) => m.parsed.subject?.includes(subject)) as (typeof smtp.messages)[number];
      };
      const toEnglish = await announcementTo(english.admin.email, "Dirigent 2.0 is here");
      const toGerman = await announcementTo(german.admin.email, "Dirigent 2.0 ist da");
      expect(toEnglish.parsed.subject).toContain("Dirigent 2.0 is here");
      expect(toEnglish.parsed.text).toContain("New queues dashboard.");
      expect(toGerman.parsed.subject).toContain("Dirigent 2.0 ist da");
      expect(toGerman.parsed.text).toContain("Neues Warteschlangen-Dashboard.");

      // Sent announcements are read-only: only "View" is offered.
      await row.getByTestId("row-actions").click();
      await page.getByTestId("preview").waitFor();
      expect(await page.getByTestId("edit").count()).toBe(0);
      expect(await page.getByTestId("send").count()).toBe(0);
      await page.keyboard.press("Escape");
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "notifies organization administrators of maintenance by e-mail, and tells the sign-in page",
    async () => {
      const { page } = admin;
      const before = smtp.to(german.admin.email).length;
      await page.getByTestId("nav-maintenance").click();
      const panel = page.getByTestId("host-maintenance");
      await panel.getByTestId("start-draining").click();
      await page.getByTestId("notify-admins").check();
      await page.getByTestId("confirm-button").click();
      await panel.locator('[data-phase="draining"]').first().waitFor();

      const started = await nextMailTo(smtp, german.admin.email, before);
      expect(started.parsed.subject).toMatch(/Wartung/);

      // Anyone opening the sign-in page now learns that only system administrators can sign in.
      const { page: visitor } = member;
      await visitor.context().clearCookies();
      await visitor.goto(`${server.url}/login`);
      await visitor.getByTestId("login-maintenance-notice").waitFor();

      // Ending without the box ticked sends nothing.
      await panel.getByTestId("end-maintenance").click();
      await page.getByTestId("confirm-button").click();
      await panel.locator('[data-phase="none"]').first().waitFor();
      await visitor.reload();
      await visitor.getByTestId("login-form").waitFor();
      expect(await visitor.getByTestId("login-maintenance-notice").count()).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      expect(smtp.to(german.admin.email)).toHaveLength(before + 1);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
