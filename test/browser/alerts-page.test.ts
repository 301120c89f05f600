import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsOrgUser,
} from "../helpers/browser.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const shots = process.env.DIRIGENT_SCREENSHOTS;
/** Pages load slowly on a busy machine: wait for what a page shows up to 30 s. */
const eventually = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 30_000 });

/** The alerts page (filters, mark read, mark all read) and the alert preferences page, in English and German. */
describeWithChromium("alerts page and alert preferences in the browser", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let user: TestUser;
  let browser: BrowserSession;
  let base: string;
  let t: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    user = await createUser(org.admin.api, org.slug, { role: "org_admin" });
    base = `${server.url}/org/t/${org.defaultTenantId}`;
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const services = server.server.services;
    const raise = (kind: string, details: Record<string, string | number | null>, link: string | null) =>
      services.alerts.raiseKind(services.ctx.db, kind, { tenantId: org.defaultTenantId, link }, details);
    await raise("robot-disconnected", { machineName: "laptop-7", hostName: "host-7", reason: "closed" }, "/machines/1");
    await raise("job-faulted", { jobId: 12, processName: "Invoices", error: "file missing" }, "/jobs/12");
    await raise("queue-sla-breached", { queueName: "Orders", count: 3 }, null);
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "filters alerts, marks one and then all read, and saves preferences and defaults",
    async () => {
      const { page } = browser;
      await signInAsOrgUser(page, server.url, { organization: org.slug, email: user.email, password: user.password });
      await page.goto(`${base}/alerts`);
      const rows = page.getByTestId("alerts-row");
      await eventually(() => rows.count()).toBe(3);
      await page.getByText("Job 12 of Invoices faulted: file missing").waitFor();
      await eventually(() => page.getByTestId("alerts-unread").textContent()).toBe("3 unread");

      await page.getByTestId("alerts-filter-severity").click();
      await page.getByRole("option", { name: "Error" }).click();
      await eventually(() => rows.count()).toBe(2);
      await page.getByTestId("alerts-filter-component").click();
      await page.getByRole("option", { name: "Queues" }).click();
      await eventually(() => rows.count()).toBe(1);
      await page.getByText("3 items of queue Orders missed their SLA deadline.").waitFor();
      await page.getByTestId("alerts-mark-read").click();
      await eventually(() => rows.first().getAttribute("data-read")).toBe("true");
      await eventually(() => page.getByTestId("alerts-unread").textContent()).toBe("2 unread");
      await page.getByTestId("alerts-filter-state").getByText("Unread").click();
      await eventually(() => page.getByTestId("alerts-none").isVisible()).toBe(true);
      await page.getByTestId("alerts-filter-state").getByText("All").click();
      await page.getByTestId("alerts-mark-all").click();
      await eventually(() => page.getByTestId("alerts-unread").textContent()).toBe("0 unread");
      if (shots) await page.screenshot({ path: path.join(shots, "alerts-page.png"), fullPage: true });

      // Preferences: the digest of job alerts, robot alerts by e-mail at once from Warning.
      await page.getByTestId("alerts-preferences-link").click();
      await page
        .getByTestId("alert-prefs-source")
        .getByText("You follow this tenant's defaults.", { exact: false })
        .waitFor();
      await page.getByTestId("alert-prefs-jobs-digest").click();
      await page.getByRole("option", { name: "from Error" }).click();
      await page.getByTestId("alert-prefs-robots-email").click();
      await page.getByRole("option", { name: "from Warning" }).click();
      await expect
        .poll(() => page.getByTestId("alert-prefs-robots").getByTestId("kind-robot-disconnected").isVisible())
        .toBe(true);
      await page.getByTestId("alert-prefs-save").click();
      await page.getByText("Alert preferences saved.").waitFor();
      const saved = await user.api.get(`${t}/alerts/preferences`);
      expect(saved.body.source).toBe("own");
      expect(saved.body.items.find((p: { component: string }) => p.component === "jobs")).toMatchObject({
        digest: "error",
      });
      expect(saved.body.items.find((p: { component: string }) => p.component === "robots")).toMatchObject({
        email: "warn",
      });

      // Defaults for new users (tenant administrators).
      await page.getByTestId("alert-defaults-system-summary").click();
      await page.getByRole("option", { name: "from Warning" }).click();
      await page.getByTestId("alert-defaults-save").click();
      await page.getByText("Defaults for new users saved.").waitFor();
      const defaults = await user.api.get(`${t}/alerts/preference-defaults`);
      expect(defaults.body.items.find((p: { component: string }) => p.component === "system")).toMatchObject({
        summary: "warn",
      });
      if (shots) await page.screenshot({ path: path.join(shots, "alert-preferences.png"), fullPage: true });
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "speaks German on the alerts page and the preferences page",
    async () => {
      const { page } = browser;
      await page.goto(`${base}/alerts`);
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await page.getByRole("heading", { name: "Warnungen" }).waitFor();
      await page.getByText("Alle als gelesen markieren").waitFor();
      await page.getByText("Job 12 von Invoices ist fehlgeschlagen: file missing").waitFor();
      await eventually(() => page.getByTestId("alerts-unread").textContent()).toBe("0 ungelesen");
      if (shots) await page.screenshot({ path: path.join(shots, "alerts-page-de.png"), fullPage: true });
      await page.goto(`${base}/alerts/preferences`);
      await page.getByRole("heading", { name: "Einstellungen zu Warnungen" }).waitFor();
      await page.getByText("E-Mail alle 10 Minuten").first().waitFor();
      await page.getByText("Voreinstellungen für neue Benutzer").waitFor();
      await page.getByText("Roboter getrennt · Warnung").first().waitFor();
      const body = (await page.locator("main").textContent()) ?? "";
      for (const english of [
        "Daily summary",
        "In the app",
        "E-mail at once",
        "Defaults for new users",
        "Robot disconnected",
      ])
        expect(body).not.toContain(english);
      if (shots) await page.screenshot({ path: path.join(shots, "alert-preferences-de.png"), fullPage: true });
    },
    BROWSER_TEST_TIMEOUT,
  );
});
