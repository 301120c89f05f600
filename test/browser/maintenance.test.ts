import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsAdmin,
  submitOrganizationSignIn,
} from "../helpers/browser.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describeWithChromium("maintenance mode in the browser", (chromiumPath) => {
  let server: TestServer;
  let admin: BrowserSession;
  let member: BrowserSession;
  let org: TestOrg;

  beforeAll(async () => {
    server = await startTestServer();
    org = await createOrg(await adminApi(server));
    admin = await launchBrowser(chromiumPath);
    member = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await member?.close();
    await admin?.close();
    await server?.stop();
  });

  /** Clicks a phase button on the host maintenance page, confirms, and waits for the new phase. */
  async function moveHostPhase(button: string, phase: string): Promise<void> {
    const panel = admin.page.getByTestId("host-maintenance");
    await panel.getByTestId(button).click();
    await admin.page.getByTestId("confirm-button").click();
    await panel.locator(`[data-phase="${phase}"]`).first().waitFor();
  }

  it(
    "shows organization users the maintenance page while it runs and lets them back in when it ends",
    async () => {
      const maintenancePage = member.page.getByTestId("maintenance-page");

      // The organization's admin is signed in in a second, independent browser.
      await submitOrganizationSignIn(member.page, server.url, {
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      });
      await member.page.waitForURL(`${server.url}/org`);
      await member.page.getByTestId("tenants-table").waitFor();

      await signInAsAdmin(admin.page, server.url, "admin", server.adminPassword);
      await admin.page.getByTestId("nav-maintenance").click();
      await admin.page.getByTestId("host-maintenance").locator('[data-phase="none"]').first().waitFor();

      await moveHostPhase("start-draining", "draining");
      // System administrators keep working: the header tells them maintenance is on.
      await admin.page.getByTestId("maintenance-indicator").waitFor();

      // The member's next request is refused with 503 maintenance: the whole page says so.
      await member.page.getByTestId("nav-users").click();
      await maintenancePage.waitFor();
      expect(await maintenancePage.textContent()).toContain("Dirigent is under maintenance");

      await moveHostPhase("suspend", "suspended");
      // Still under maintenance: trying again keeps the maintenance page.
      await member.page.getByTestId("maintenance-retry").click();
      await expect.poll(() => member.page.getByTestId("maintenance-retry").isEnabled()).toBe(true);
      expect(await maintenancePage.isVisible()).toBe(true);

      await moveHostPhase("end-maintenance", "none");
      expect(await admin.page.getByTestId("maintenance-log").locator("tbody tr").count()).toBe(3);

      await member.page.getByTestId("maintenance-retry").click();
      await maintenancePage.waitFor({ state: "detached" });
      // Back where they were going when maintenance stopped them.
      await member.page.getByTestId("users-table").waitFor();
    },
    BROWSER_TEST_TIMEOUT,
  );
});
