import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  shot,
} from "../helpers/browser.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue 12 (leftover): on a fresh installation nobody but the system administrator can sign in,
 * so the sign-in page opens on that form; once an organization exists it opens on the
 * organization form again (or on what the link or this browser remembered).
 */
describeWithChromium("the sign-in page of a fresh installation", (chromiumPath) => {
  let server: TestServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const mode = (page: Page) => page.getByTestId("login-mode").locator("input:checked").getAttribute("value");

  it(
    "opens on the system administrator's form until an organization exists, in English and German",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/login`);
      await page.locator('input[name="username"]').waitFor();
      expect(await mode(page)).toBe("admin");
      expect(await page.locator('input[name="organization"]').count()).toBe(0);
      await shot(page, "login-fresh-en");

      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.locator("#login-title").textContent()).not.toBe("Sign in");
      await page.reload();
      await page.locator('input[name="username"]').waitFor();
      expect(await mode(page)).toBe("admin");
      await shot(page, "login-fresh-de");

      // A link that asks for the organization form still gets it.
      await page.goto(`${server.url}/login?as=organization`);
      await page.locator('input[name="organization"]').waitFor();
      await page.waitForTimeout(500);
      expect(await mode(page)).toBe("organization");

      // Once an organization exists, a new visitor starts on the organization form.
      await createOrg(await adminApi(server));
      await page.evaluate("window.localStorage.clear()");
      await page.goto(`${server.url}/login`);
      await page.locator('input[name="organization"]').waitFor();
      await page.waitForTimeout(500);
      expect(await mode(page)).toBe("organization");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
