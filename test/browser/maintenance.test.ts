import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsAdmin,
  submitOrganizationSignIn,
} from "../helpers/browser.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
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
      // No end was announced, so none is promised (issue #12, defect 7: not a fixed "about 2 minutes").
      expect(await member.page.getByTestId("maintenance-expected-end").textContent()).toBe(
        "No end time was announced. This page checks again by itself.",
      );
      expect(await maintenancePage.textContent()).not.toMatch(/about \d+ minute/);

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

  it(
    "lets the administrator announce an end that the maintenance page names, in German too",
    async () => {
      const german = await createUser(org.admin.api, org.slug);
      expect((await german.api.patch("/me", { locale: "de" })).status).toBe(200);
      const reader = await launchBrowser(chromiumPath);
      try {
        await submitOrganizationSignIn(reader.page, server.url, {
          organization: org.slug,
          email: german.email,
          password: german.password,
        });
        await reader.page.waitForURL(`${server.url}/org`);

        await admin.page.goto(`${server.url}/host/maintenance`);
        const panel = admin.page.getByTestId("host-maintenance");
        await panel.locator('[data-phase="none"]').first().waitFor();
        await panel.getByTestId("start-draining").click();
        // 95 minutes ahead, in the browser's local time as a datetime-local field takes it.
        const local = await admin.page.evaluate(() => {
          const d = new Date(Date.now() + 95 * 60_000);
          const pad = (n: number) => String(n).padStart(2, "0");
          return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
        });
        await admin.page.getByTestId("expected-end").fill(local);
        await admin.page.getByTestId("confirm-button").click();
        await panel.locator('[data-phase="draining"]').first().waitFor();
        const shown = await panel.getByTestId("maintenance-expected-end").textContent();
        expect(shown).not.toBe("Not announced");
        const state = await (await adminApi(server)).get("/host/maintenance");
        const announced = Date.parse(state.body.current.expectedEndAt);
        expect(Math.abs(announced - (Date.now() + 95 * 60_000))).toBeLessThan(3 * 60_000);

        await reader.page
          .getByTestId("nav-users")
          .click()
          .catch(() => undefined);
        await reader.page.reload();
        const notice = reader.page.getByTestId("maintenance-expected-end");
        await notice.waitFor();
        expect(await notice.textContent()).toMatch(
          /^Voraussichtlich wieder verfügbar um .+ \(in etwa 9\d Minuten\)\.$/,
        );
      } finally {
        await reader.close();
        await (await adminApi(server)).post("/host/maintenance/end", {});
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
