import { afterAll, beforeAll, expect, it } from "vitest";
import { BROWSER_TEST_TIMEOUT, type BrowserSession, describeWithChromium, launchBrowser } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Issue 12, defect 16: the API documentation page loads without a Content-Security-Policy error. */
describeWithChromium("API documentation page", (chromiumPath) => {
  let server: TestServer;
  let session: BrowserSession | undefined;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await session?.close();
    await server?.stop();
  });

  it(
    "renders the operations with no console error",
    async () => {
      session = await launchBrowser(chromiumPath);
      const { page } = session;
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      await page.goto(`${server.url}/api/docs`);
      await page.locator(".opblock").first().waitFor();
      expect(await page.locator(".opblock").count()).toBeGreaterThan(0);
      await page.waitForLoadState("networkidle");
      expect(problems).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
