import fs from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { unique } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsAdmin,
} from "../helpers/browser.js";
import { adminApi, createOrg, newPassword } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describeWithChromium("host portal in the browser", (chromiumPath) => {
  let server: TestServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "creates an organization with a tenant, finds both in the audit log and exports exactly the filtered entries",
    async () => {
      const { page } = browser;
      // An organization the filter must leave out of the export.
      const other = await createOrg(await adminApi(server), { name: `Elsewhere ${unique("x")}` });

      const suffix = unique("ui");
      const name = `Browser Works ${suffix}`;
      const slug = `browser-works-${suffix}`;
      const tenant = `Tenant ${suffix}`;

      await signInAsAdmin(page, server.url, "admin", server.adminPassword);
      await page.getByTestId("nav-organizations").click();
      await page.getByTestId("organizations-table").waitFor();

      await page.getByTestId("new-organization").first().click();
      const form = page.getByTestId("create-organization-form");
      await form.locator('input[name="name"]').fill(name);
      // The slug is suggested from the name.
      expect(await form.locator('input[name="slug"]').inputValue()).toBe(slug);
      await form.locator('input[name="admin.email"]').fill(`owner-${suffix}@example.com`);
      await form.locator('input[name="admin.name"]').fill("Olga Owner");
      await form.locator('input[name="admin.password"]').fill(newPassword());
      await form.getByTestId("create-organization-submit").click();

      const row = page.getByTestId(`org-row-${slug}`);
      await row.waitFor();
      await row.getByRole("link", { name }).click();
      await page.waitForURL(`${server.url}/host/organizations/${slug}`);
      await page.getByTestId("tenant-row-Default").waitFor();

      await page.getByTestId("new-tenant").click();
      await page.getByTestId("create-tenant-form").locator('input[name="name"]').fill(tenant);
      await page.keyboard.press("Enter");
      await page.getByTestId(`tenant-row-${tenant}`).waitFor();

      // Audit log, filtered by free text, bound to the query string.
      await page.getByTestId("nav-audit").click();
      await page.getByTestId("audit-table").waitFor();
      await page.getByTestId("audit-filters").locator('input[name="q"]').fill(name);
      await page.keyboard.press("Enter");
      await page.waitForURL((url) => url.searchParams.get("q") === name);
      const orgEntry = page.locator('[data-testid^="audit-row-"]', { hasText: name }).first();
      await orgEntry.waitFor();

      // The details show the data after the change, as labelled fields.
      await orgEntry.click();
      const after = page.getByTestId("audit-diff");
      await after.waitFor();
      expect(await after.textContent()).toContain(slug);
      await page.keyboard.press("Escape");
      await after.waitFor({ state: "hidden" });

      // The tenant's creation is logged too.
      await page.getByTestId("audit-filters").locator('input[name="q"]').fill(tenant);
      await page.keyboard.press("Enter");
      await page.locator('[data-testid^="audit-row-"]', { hasText: tenant }).first().waitFor();

      // Back to the organization filter: the CSV holds it and nothing the filter excludes.
      await page.getByTestId("audit-filters").locator('input[name="q"]').fill(name);
      await page.keyboard.press("Enter");
      await orgEntry.waitFor();
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("audit-export").click()]);
      expect(download.suggestedFilename()).toMatch(/\.csv$/);
      const downloaded = await download.path();
      const csv = fs.readFileSync(downloaded, "utf8");
      const [header, ...lines] = csv.trim().split(/\r?\n/);
      expect(header).toContain("Action");
      expect(lines.length).toBeGreaterThan(0);
      expect(csv).toContain(name);
      expect(csv).not.toContain(other.name);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
