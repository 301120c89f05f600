import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsAdmin,
  submitOrganizationSignIn,
} from "../helpers/browser.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describeWithChromium("German user interface", (chromiumPath) => {
  let server: TestServer;
  const sessions: BrowserSession[] = [];

  async function browser(): Promise<BrowserSession> {
    const session = await launchBrowser(chromiumPath, { locale: "en-US" });
    sessions.push(session);
    return session;
  }

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    for (const session of sessions) await session.close();
    await server?.stop();
  });

  it(
    "switches to German from the header, keeps the choice after a reload and saves it to the profile",
    async () => {
      const { page } = await browser();
      await signInAsAdmin(page, server.url, "admin", server.adminPassword);
      expect(await page.getByTestId("nav-organizations").textContent()).toBe("Organizations");

      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.getByTestId("nav-organizations").textContent()).toBe("Organisationen");
      expect(await page.getByTestId("nav-administrators").textContent()).toBe("Systemadministratoren");
      expect(await page.getByTestId("nav-audit").textContent()).toBe("Prüfprotokoll");
      expect(await page.getByTestId("nav-maintenance").textContent()).toBe("Wartungsmodus");
      expect(await page.locator("html").getAttribute("lang")).toBe("de");

      await page.reload();
      await expect.poll(() => page.getByTestId("nav-organizations").textContent()).toBe("Organisationen");

      // The profile remembers the language too (it is used for e-mails and on other devices).
      const me = await page.request.get(`${server.url}/api/v1/me`);
      expect(((await me.json()) as { locale: string }).locale).toBe("de");

      await page.getByTestId("user-menu").click();
      await page.getByTestId("sign-out").click();
      await page.waitForURL(/\/login/);
      expect(await page.getByTestId("login-submit").textContent()).toBe("Anmelden");
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "shows an organization user the UI in the language of their profile",
    async () => {
      const org = await createOrg(await adminApi(server));
      const patched = await org.admin.api.patch("/me", { locale: "de" });
      expect(patched.status, patched.text).toBe(200);

      const { page } = await browser();
      await page.goto(`${server.url}/login`);
      expect(await page.getByTestId("login-submit").textContent()).toBe("Sign in");

      await submitOrganizationSignIn(page, server.url, {
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      });
      await page.waitForURL(`${server.url}/org`);
      await expect.poll(() => page.getByTestId("nav-overview").textContent()).toBe("Übersicht");
      expect(await page.getByTestId("nav-tenants").textContent()).toBe("Mandanten");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
