import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  shot,
  signInAsAdmin,
  signInAsOrgAdmin,
  signOut,
} from "../helpers/browser.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue #12 polish: password rules shown before the first submit, a Cancel button in the
 * create-organization dialog, "Disable" not offered for the last administrator, skeletons while
 * loading.
 */
describeWithChromium("dialogs, password rules and the last administrator", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "host: no Disable for the only administrator; the organization dialog has Cancel; rules before submit",
    async () => {
      const { page } = browser;
      await signInAsAdmin(page, server.url, "admin", server.adminPassword);
      await page.goto(`${server.url}/host/administrators`);
      const row = page.getByTestId("admin-row-admin");
      await row.getByTestId("row-actions").click();
      await page.getByTestId("reset-password").waitFor();
      expect(await page.getByTestId("toggle-status").count()).toBe(0);
      await page.keyboard.press("Escape");

      await page.goto(`${server.url}/host/organizations`);
      await page.getByTestId("new-organization").click();
      const cancel = page.getByTestId("create-organization-cancel");
      await cancel.waitFor();
      expect(await cancel.textContent()).toBe("Cancel");
      await cancel.click();
      await cancel.waitFor({ state: "hidden" });

      // Password rules under a new password, before anything is sent, ticked while typing.
      await page.goto(`${server.url}/host/administrators`);
      await page.getByTestId("new-administrator").click();
      const rules = page.getByTestId("password-rules");
      await rules.waitFor();
      expect(await rules.textContent()).toContain("at least 10 characters");
      expect(await page.getByTestId("password-rule-digit").getAttribute("data-met")).toBe("false");
      await page.locator('input[name="password"]').fill("abc1");
      await expect.poll(() => page.getByTestId("password-rule-digit").getAttribute("data-met")).toBe("true");
      expect(await page.getByTestId("password-rule-length").getAttribute("data-met")).toBe("false");
      await shot(page, "password-rules-en");
      await page.keyboard.press("Escape");
      await signOut(page);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "organization: the last active administrator cannot be disabled in the edit dialog, in German",
    async () => {
      const { page } = browser;
      const other = await createUser(org.admin.api, org.slug);
      await signInAsOrgAdmin(page, server.url, org);
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await page.goto(`${server.url}/org/users`);
      await page.getByTestId(`user-row-${org.admin.email}`).getByTestId("row-actions").click();
      await page.getByTestId("edit").click();
      await page.getByTestId("last-admin-hint").waitFor();
      expect(await page.getByTestId("last-admin-hint").textContent()).toContain("letzte aktive Administrator");
      expect(await page.getByTestId("user-status").count()).toBe(0);
      await shot(page, "last-admin-de");
      await page.getByRole("button", { name: "Abbrechen" }).click();

      // Another user (not an administrator) can be disabled as before.
      await page.getByTestId(`user-row-${other.email}`).getByTestId("row-actions").click();
      await page.getByTestId("edit").click();
      await page.getByTestId("user-status").waitFor();
      expect(await page.getByTestId("last-admin-hint").count()).toBe(0);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
