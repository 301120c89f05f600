import { afterAll, beforeAll, expect, it } from "vitest";
import { Api, expectProblem } from "../helpers/api.js";
import { BROWSER_TEST_TIMEOUT, type BrowserSession, describeWithChromium, launchBrowser } from "../helpers/browser.js";
import { newPassword } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue 12, defect 11: the first administrator, signed in with the password printed at the first
 * start, must choose an own password and give an e-mail address before anything else.
 */
describeWithChromium("first sign-in of the first administrator", (chromiumPath) => {
  let server: TestServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_ADMIN_PASSWORD: "" } });
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "asks for an e-mail address and a new password, in German too, and the printed password stops working",
    async () => {
      const { page } = browser;
      const generated = server.server.generatedAdminPassword as string;
      await page.goto(`${server.url}/login?as=admin`);
      await page.locator('input[name="username"]').fill("admin");
      await page.locator('input[name="password"]').fill(generated);
      await page.keyboard.press("Enter");
      // Not the dashboard: the set-up page, whatever was asked for.
      await page.waitForURL(`${server.url}/setup`);
      const form = page.getByTestId("first-sign-in-form");
      await form.waitFor();
      expect(await page.locator("h1").textContent()).toBe("Welcome to Dirigent");
      await page.goto(`${server.url}/host/organizations`);
      await page.waitForURL(`${server.url}/setup`);

      // In German.
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.locator("h1").textContent()).toBe("Willkommen bei Dirigent");
      expect(await page.locator("main, body").first().textContent()).toContain(
        "Das ausgegebene Passwort gilt danach nicht mehr.",
      );

      // The server's refusal of a weak password lands next to the password field.
      await form.locator('input[name="email"]').fill("root@example.test");
      await form.locator('input[name="password"]').fill("short");
      await form.locator('input[name="passwordConfirm"]').fill("short");
      await page.getByTestId("first-sign-in-submit").click();
      const passwordError = form.locator('[id$="-error"]').first();
      await passwordError.waitFor();
      expect(await passwordError.textContent()).not.toBe("");

      const chosen = newPassword();
      await form.locator('input[name="password"]').fill(chosen);
      await form.locator('input[name="passwordConfirm"]').fill(chosen);
      await page.getByTestId("first-sign-in-submit").click();
      await page.waitForURL(`${server.url}/host`);

      const anon = new Api(server.url);
      expectProblem(
        await anon.post("/auth/token", { username: "admin", password: generated }),
        401,
        "invalid-credentials",
      );
      const admin = await anon.as({ username: "admin", password: chosen });
      expect((await admin.get("/me")).body).toMatchObject({ email: "root@example.test", locale: "de" });
      expect((await admin.get("/me")).body).not.toHaveProperty("setupRequired");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
